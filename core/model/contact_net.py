"""Still feet seen in the image: a window of BlazePose landmarks → which foot points stand still at its centre.

The clip fit finds contacts from its own fitted feet (:mod:`core.fitting.contacts`: low and slow), and a monocular
fit's feet move where the image does not, along the viewing ray above all. This classifier reads the detections
instead, as Rempe et al. ("Contact and Human Dynamics from Monocular Video", ECCV 2020) do with 2D keypoints: per
centre frame, the probability that each foot point (left heel, left toe, right heel, right toe;
:data:`core.fitting.terms.FOOT_POINTS`) is still — slower than 0.3 m/s in the world, at any height (height is the
fit's to judge: ``ClipFitConfig.contact_source``). The network is the keypoint model's encoder
(:class:`core.model.keypoint_encoder.KeypointEncoder`) and a linear head to 4 logits. Its input differs in one way
from the keypoint model's: every frame's 2D is normalised to the *centre* frame's box (:func:`window_features`), so a
foot that stays put in the image stays put in the window. Trained on real motion capture through random cameras with
the calibrated BlazePose noise (``python -m training.contacts``, docs/keypoint-model.md, "The still-feet classifier").
On BlazePose's landmarks of rendered real motion it finds still points at F1 0.89 (precision 0.85, recall 0.93;
docs/experiments.md, issue 20 session 12); the fit with it is not better than without (that section), so the
default ``contact_source`` stays "feet".

    model = load_contact_net()                  # core/model/assets/contact_net.pt (weights_only read)
    prob = contact_probabilities(lm, model)     # (F, 4) float32, 0 where no person was found
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from core.model.config import KeypointEncoderConfig
from core.model.keypoint_encoder import KeypointEncoder
from core.model.keypoint_input import landmark_box, normalise_to_box
from core.model.model_file import model_from_file, read_model_file, save_model_file
from core.model.world_lifter import WORLD_CLAMP  # world coordinates clamped on input, as the lifter does

__all__ = ["FORMAT", "CONTACT_NET_PATH", "TRAINED_FPS", "ContactNetConfig", "ContactNet", "window_features",
           "clip_windows", "save_contact_net", "load_contact_net", "read_meta", "contact_probabilities"]

FORMAT, VERSION = "hkmr-contact-net", 1
CONTACT_NET_PATH = Path(__file__).resolve().parent / "assets" / "contact_net.pt"
#: frames per second of the training windows (the converted mocap set's); a clip at another rate is read with a
#: stride of round(fps / TRAINED_FPS) frames
TRAINED_FPS = 30.0


@dataclass
class ContactNetConfig:
    """Encoder size (:class:`core.model.config.KeypointEncoderConfig`, one output per window: its centre frame)."""

    window: int = 15
    hidden: int = 128
    layers: int = 3
    kernel: int = 3
    dilated: bool = True

    def encoder(self) -> KeypointEncoderConfig:
        return KeypointEncoderConfig(window=self.window, hidden=self.hidden, layers=self.layers, kernel=self.kernel,
                                     dilated=self.dilated)


class ContactNet(nn.Module):
    """forward(x (B, T, 33, C) :func:`window_features`) → (B, 4) logits of the centre frame's still foot points."""

    def __init__(self, cfg: ContactNetConfig | None = None):
        super().__init__()
        self.cfg = cfg = cfg or ContactNetConfig()
        self.encoder = KeypointEncoder(cfg.encoder())
        self.head = nn.Linear(cfg.hidden, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = torch.cat([x[..., :3], x[..., 3:].clamp(-WORLD_CLAMP, WORLD_CLAMP)], -1)
        return self.head(self.encoder(x))


def window_features(points2d: np.ndarray, visibility: np.ndarray, world: np.ndarray, found: np.ndarray
                    ) -> np.ndarray:
    """Windows (B, T, 33, 2) pixels, (B, T, 33) visibility, (B, T, 33, 3) world metres (BlazePose's: hip-centred), (B, T) found →
    (B, T, 33, 6) float32: 2D in the centre frame's box coordinates (:func:`core.model.keypoint_input.landmark_box`,
    −1…1 across it), visibility, world xyz; frames without a person all zeros. A window whose centre frame has no
    person is all zeros."""
    found = np.asarray(found, bool)
    c = points2d.shape[1] // 2
    box = landmark_box(points2d[:, c])                                          # (B, 4)
    xy = normalise_to_box(points2d, box[:, None])                               # (B, T, 33, 2)
    feat = np.concatenate([xy, visibility[..., None], world], -1).astype(np.float32)
    feat[~found] = 0.0
    feat[~found[:, c]] = 0.0
    return feat


def clip_windows(n: int, window: int, stride: int, start: int = 0, stop: int | None = None
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Frame indices (stop − start, window) of the windows centred on frames [start, stop) of an ``n``-frame clip,
    ``stride`` frames apart, clipped to the clip, and (stop − start, window) bool: inside the clip."""
    stop = n if stop is None else stop
    idx = np.arange(start, stop)[:, None] + (np.arange(window) - window // 2) * stride
    inside = (idx >= 0) & (idx < n)
    return np.clip(idx, 0, max(n - 1, 0)), inside


def save_contact_net(path: str | os.PathLike, model: ContactNet, meta: dict | None = None) -> None:
    """One ``torch.save`` dict (plain types only: readable with ``weights_only``), written atomically
    (:mod:`core.model.model_file`)."""
    save_model_file(path, model, FORMAT, VERSION, meta)


def _read(path: str | os.PathLike) -> dict:
    return read_model_file(path, FORMAT, VERSION, "still-feet classifier", "train one with python -m training.contacts")


def read_meta(path: str | os.PathLike = CONTACT_NET_PATH) -> dict:
    """The file's ``meta``: recipe, note (data, licence), training log."""
    return _read(path)["meta"]


def load_contact_net(path: str | os.PathLike = CONTACT_NET_PATH) -> ContactNet:
    """The classifier in eval mode on the CPU; a file that is not one raises ValueError naming it."""
    return model_from_file(_read(path), ContactNet, ContactNetConfig)


@torch.inference_mode()
def contact_probabilities(lm, model: ContactNet | None = None, chunk: int = 1024) -> np.ndarray:
    """:class:`core.detect.landmarks.Landmarks` → (F, 4) float32 probability that each foot point is still
    (heels and toes, :data:`core.fitting.terms.FOOT_POINTS`); 0 on frames without a person. Windows read every
    round(fps / :data:`TRAINED_FPS`)-th frame (1 when the rate is unknown)."""
    model = model or load_contact_net()
    n, t = lm.num_frames, model.cfg.window
    stride = max(1, int(round(lm.fps / TRAINED_FPS))) if lm.fps > 0 else 1
    out = np.zeros((n, 4), np.float32)
    for a in range(0, n, chunk):
        idx, inside = clip_windows(n, t, stride, a, min(a + chunk, n))
        feat = window_features(lm.points2d[idx], lm.visibility[idx], lm.world[idx], lm.found[idx] & inside)
        out[a:a + len(idx)] = torch.sigmoid(model(torch.from_numpy(feat))).numpy()
    out[~np.asarray(lm.found, bool)] = 0.0
    return out
