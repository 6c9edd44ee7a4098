"""A learned 3D source for the clip fit: a window of BlazePose landmarks → the centre frame's 33 points in 3D.

The fit's 3D term compares its body with BlazePose's world landmarks, and those are 75–130 mm PA from the truth
on rendered real motion (docs/experiments.md, issue 20: with the truth's 3D in their place the fit's PA-MPJPE
falls 78 → 51 mm). The lifter replaces them: a temporal network (the keypoint model's encoder,
:class:`core.model.keypoint_encoder.KeypointEncoder`: per-frame MLP + residual temporal convolutions) over the
same per-frame features (:func:`core.model.keypoint_input.keypoint_features`: box-normalised 2D, visibility,
world xyz), and a linear head to (33, 3): metres, centred between the two hip landmarks, the camera's axes
(x right, y down, z forward) — what :class:`core.detect.landmarks.Landmarks` ``world`` holds. Trained on real
motion capture seen through random cameras with the calibrated BlazePose noise (``python -m training.lifter``,
docs/keypoint-model.md, "The world lifter").

    model = load_world_lifter()                 # core/model/assets/world_lifter.pt (weights_only read)
    lm = lift_world(lm, model)                  # Landmarks with ``world`` replaced on frames with a person

``use_world`` False: the world channels are zeroed (a lifter from 2D + visibility only). ``blend`` in
:func:`lift_world`: 1 = the lifter's points, 0 = BlazePose's, between = a per-point mix.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch
from torch import nn

from core.model.config import KeypointEncoderConfig
from core.model.keypoint_encoder import KeypointEncoder
from core.model.keypoint_input import frame_windows, keypoint_features
from core.model.model_file import model_from_file, read_model_file, save_model_file

__all__ = ["FORMAT", "PIPELINE_SMOOTHING", "WORLD_LIFTER_PATH", "WorldLifterConfig", "WorldLifter",
           "save_world_lifter", "load_world_lifter", "read_meta", "lift_features", "lift_world"]

FORMAT, VERSION = "hkmr-world-lifter", 1
WORLD_LIFTER_PATH = Path(__file__).resolve().parent / "assets" / "world_lifter.pt"
HIPS = (23, 24)  # BlazePose's hip landmarks (core.fitting.terms.HIPS): the output's origin is their midpoint
#: frames at 30 fps: ``hkmr infer --world3d lifter`` filters the lifted points over time by a Gaussian of this σ
#: (docs/experiments.md, issue 20 session 8: on the choosing renders PA 62.9 → 62.5 mm, accel error 8.6 → 8.0, the
#: facing turn still applied then)
PIPELINE_SMOOTHING = 2.0
#: metres: world coordinates beyond this are clamped on input (a lost landmark; the calibrated noise's occluded
#: 3D table has tails of tens of metres)
WORLD_CLAMP = 2.0


@dataclass
class WorldLifterConfig:
    """Encoder size (:class:`core.model.config.KeypointEncoderConfig`, ``output`` "centre"; ``dilated``: its
    temporal convolutions dilated, so 3 layers see a 27-frame window) and whether the
    world channels are read (``use_world``) and added to the output (``residual``: the head predicts a
    correction of BlazePose's world landmarks)."""

    window: int = 9
    hidden: int = 256
    layers: int = 2
    kernel: int = 3
    dilated: bool = False
    use_world: bool = True
    residual: bool = False

    def encoder(self) -> KeypointEncoderConfig:
        return KeypointEncoderConfig(window=self.window, hidden=self.hidden, layers=self.layers, kernel=self.kernel,
                                     dilated=self.dilated)


class WorldLifter(nn.Module):
    """forward(x (B, T, 33, C) features) → (B, 33, 3) hip-centred camera-axes metres of the centre frame."""

    def __init__(self, cfg: WorldLifterConfig | None = None):
        super().__init__()
        self.cfg = cfg = cfg or WorldLifterConfig()
        self.encoder = KeypointEncoder(cfg.encoder())
        self.head = nn.Linear(cfg.hidden, 33 * 3)
        nn.init.zeros_(self.head.bias)
        nn.init.xavier_uniform_(self.head.weight, gain=0.1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        world = x[..., 3:].clamp(-WORLD_CLAMP, WORLD_CLAMP) if self.cfg.use_world else torch.zeros_like(x[..., 3:])
        x = torch.cat([x[..., :3], world], -1)
        out = self.head(self.encoder(x)).reshape(-1, 33, 3)
        if self.cfg.residual:
            out = out + x[:, x.shape[1] // 2, :, 3:6]
        return out - out[:, list(HIPS)].mean(1, keepdim=True)


def save_world_lifter(path: str | os.PathLike, model: WorldLifter, meta: dict | None = None) -> None:
    """One ``torch.save`` dict (plain types only: readable with ``weights_only``), written atomically
    (:mod:`core.model.model_file`)."""
    save_model_file(path, model, FORMAT, VERSION, meta)


def _read(path: str | os.PathLike) -> dict:
    return read_model_file(path, FORMAT, VERSION, "world-lifter", "train one with python -m training.lifter")


def read_meta(path: str | os.PathLike = WORLD_LIFTER_PATH) -> dict:
    """The file's ``meta``: recipe, note (data, licence), training log."""
    return _read(path)["meta"]


def load_world_lifter(path: str | os.PathLike = WORLD_LIFTER_PATH) -> WorldLifter:
    """The lifter in eval mode on the CPU; a file that is not one raises ValueError naming it."""
    return model_from_file(_read(path), WorldLifter, WorldLifterConfig)


@torch.inference_mode()
def lift_features(model: WorldLifter, features: np.ndarray, chunk: int = 1024, pad: str = "zeros") -> np.ndarray:
    """(F, 33, C) per-frame features of one clip → (F, 33, 3) float32, the window centred on every frame; ``pad``
    beyond the clip's ends as :func:`core.model.keypoint_input.frame_windows` ("zeros" or "edge")."""
    f, out = len(features), np.zeros((len(features), 33, 3), np.float32)
    h = model.cfg.window // 2
    for i in range(0, f, chunk):
        lo, hi = max(i - h, 0), min(i + chunk + h, f)
        # the chunk's context [lo, hi) is the clip's; only its true ends get padding
        win = frame_windows(features[lo:hi], model.cfg.window, i - lo, min(i + chunk, f) - lo, pad)
        out[i:i + len(win)] = model(torch.from_numpy(np.ascontiguousarray(win))).numpy()
    return out


def lift_world(lm, model: WorldLifter | None = None, blend: float = 1.0, smooth: float = 0.0, pad: str = "zeros"):
    """A copy of :class:`core.detect.landmarks.Landmarks` ``lm`` whose ``world`` is the lifter's (``blend`` 1)
    or a mix with BlazePose's (hips-centred both); frames without a person keep zeros. ``smooth``: Gaussian σ in
    frames at 30 fps over the lifter's points along time (runs of frames with a person, each on its own). ``pad``:
    what the windows read beyond the clip's ends (:func:`lift_features`). The copy's ``world_from`` is "lifter" when
    the lifter's points replace BlazePose's (``blend`` 1): the fit then leaves out the turn that undoes BlazePose's
    facing bias (:mod:`core.fitting.facing`); a mix keeps the input's."""
    model = model or load_world_lifter()
    found = np.asarray(lm.found, bool)
    feats, _ = keypoint_features(lm.points2d, lm.visibility, lm.world, found)
    lifted = lift_features(model, feats, pad=pad)
    if smooth > 0:
        from scipy.ndimage import gaussian_filter1d

        sigma = smooth * (lm.fps / 30.0 if lm.fps > 0 else 1.0)
        edges = np.flatnonzero(np.diff(np.r_[0, found.astype(np.int8), 0]))
        for a, b in zip(edges[::2], edges[1::2]):
            lifted[a:b] = gaussian_filter1d(lifted[a:b], sigma, axis=0, mode="nearest")
    world = lm.world.astype(np.float32) - lm.world[:, list(HIPS)].mean(1, keepdims=True)
    out = np.where(found[:, None, None], blend * lifted + (1 - blend) * world, 0.0).astype(np.float32)
    return replace(lm, world=out, world_from="lifter" if blend >= 1.0 else lm.world_from)
