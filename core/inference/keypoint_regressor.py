"""Landmarks → SMPL per frame with the keypoint model: the fast path and the fit's initialisation.

    model = load_keypoint_model()                      # core/model/assets/hkmr_keypoints.pt
    est = regress_landmarks(model, landmarks)          # core.detect.landmarks.Landmarks of one clip
    est.rotmats, est.betas, est.translation(focal_px)  # (F,24,3,3), (F,10), (F,3)

Frames: ``rotmats`` are joint-local, joint 0 maps SMPL's body into the camera frame (x right, y down,
z forward), as the image model's. ``cam`` is the weak-perspective ``[s, tx, ty]`` in each frame's box
coordinates (:func:`core.model.keypoint_input.landmark_box`); :meth:`KeypointEstimate.translation` turns it
into a perspective translation for a given focal length. Frames where no person was found get the model's
prediction from their neighbours' landmarks (zeros in their own slot) and ``found`` False.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from core.model.keypoint_input import frame_windows, keypoint_features, landmark_box

__all__ = ["KEYPOINT_MODEL_PATH", "KeypointEstimate", "load_keypoint_model", "regress_features", "regress_landmarks"]

KEYPOINT_MODEL_PATH = Path(__file__).resolve().parent.parent / "model" / "assets" / "hkmr_keypoints.pt"


@dataclass
class KeypointEstimate:
    """rotmats (F,24,3,3) float32; betas (F,NB); cam (F,3) weak perspective in box coordinates; boxes (F,4)
    pixels; found (F,) bool; image_size (width, height) px."""

    rotmats: np.ndarray
    betas: np.ndarray
    cam: np.ndarray
    boxes: np.ndarray
    found: np.ndarray
    image_size: tuple[int, int]

    def translation(self, focal_px: float) -> np.ndarray:
        """(F, 3) camera-frame translation of the body's origin for a pinhole camera of ``focal_px`` with its
        principal point at the image centre (W/2, H/2: pixel origin at the top-left corner, as
        :class:`core.detect.landmarks.Landmarks`): depth 2f / (s · box side), x/y shifted by the box's offset."""
        side = self.boxes[:, 2] - self.boxes[:, 0]
        s = np.maximum(self.cam[:, 0], 1e-3)
        tz = 2 * focal_px / (s * side)
        centre = (self.boxes[:, :2] + self.boxes[:, 2:]) / 2 - np.asarray(self.image_size) / 2
        txy = self.cam[:, 1:] + centre * tz[:, None] / focal_px
        return np.concatenate([txy, tz[:, None]], 1).astype(np.float32)


def load_keypoint_model(path: str | os.PathLike = KEYPOINT_MODEL_PATH, body=None):
    """The keypoint model (``hkmr-model`` checkpoint, read with ``weights_only``) in eval mode, on the CPU.
    ``body``: a BodyModel to attach (otherwise none: the regressor alone needs no body)."""
    from core.model.checkpoint import CheckpointError, read_checkpoint, load_state_strict
    from core.model.builder import build_model

    ckpt = read_checkpoint(path)
    if ckpt.config.backbone.name != "keypoints":
        raise CheckpointError(f"{path}: an image model ({ckpt.config.backbone.name}); the keypoint path needs a "
                              f"checkpoint trained with python -m training.keypoints train")
    ckpt.config.body.enabled = body is not None
    model = build_model(ckpt.config, body=body)
    load_state_strict(model, ckpt.state_dict, os.fspath(path))
    return model.eval()


@torch.inference_mode()
def regress_features(model, features: np.ndarray | Callable[[int, int], np.ndarray], chunk: int = 1024,
                     frames: int | None = None):
    """(F, 33, C) per-frame features of one clip → final RegressorOutput with F rows (frame order).
    "centre" models run the window centred on every frame; "window" models run consecutive windows.
    ``features`` may also be a function (lo, hi) → the features of frames [lo, hi) (then ``frames`` = F): a
    "centre" model then builds each chunk's windows from a slice, so a long clip's features and windows are
    never held whole (windows hold every frame T times)."""
    cfg = model.config.keypoints
    t = cfg.window
    f = len(features) if frames is None else frames
    if callable(features) and cfg.output != "centre":
        features = features(0, f)
    if cfg.output == "centre":  # built per chunk
        count, h = f, t // 2

        def windows(i: int) -> np.ndarray:
            lo, hi = max(i - h, 0), min(i + chunk + h, f)  # the chunk and its margins (zeros only at the clip's ends)
            part = features(lo, hi) if callable(features) else features[lo:hi]
            return frame_windows(part, t, i - lo, min(i + chunk, f) - lo)
    else:
        pad = (-f) % t
        stacked = np.concatenate([features, np.zeros((pad, *features.shape[1:]), features.dtype)]).reshape(-1, t, *features.shape[1:])
        count = len(stacked)
        windows = lambda i: stacked[i:i + chunk]  # noqa: E731
    from core.model.head_base import RegressorOutput

    out = None  # filled chunk by chunk: a long clip's outputs are held once, not twice (no concatenation)
    for i in range(0, count, chunk):
        part = model.head(model.backbone(torch.from_numpy(np.ascontiguousarray(windows(i)))))[-1]
        rows = len(part.rotmats)
        if out is None:
            total = f if cfg.output == "centre" else count * t  # "window": T rows per window
            out = RegressorOutput(*(x.new_empty((total, *x.shape[1:])) for x in
                                    (part.rotmats, part.rot6d, part.betas, part.cam)))
        j = i if cfg.output == "centre" else i * t
        for k in ("rotmats", "rot6d", "betas", "cam"):
            getattr(out, k)[j:j + rows] = getattr(part, k)
    return RegressorOutput(out.rotmats[:f], out.rot6d[:f], out.betas[:f], out.cam[:f])


def regress_landmarks(model, landmarks) -> KeypointEstimate:
    """:class:`core.detect.landmarks.Landmarks` of one clip → :class:`KeypointEstimate` (module docstring)."""
    lm = landmarks
    out = regress_features(model, lambda lo, hi: keypoint_features(lm.points2d[lo:hi], lm.visibility[lo:hi],
                                                                   lm.world[lo:hi], lm.found[lo:hi])[0],
                           frames=lm.num_frames)
    boxes = landmark_box(lm.points2d).astype(np.float32)
    return KeypointEstimate(out.rotmats.numpy(), out.betas.numpy(), out.cam.numpy(), boxes,
                            np.asarray(landmarks.found, bool), tuple(landmarks.image_size))
