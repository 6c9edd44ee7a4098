"""The foot lock's anchors, and the root's follow-up after it.

Input: the fitted feet (F,4,3) — the four foot points of :data:`core.fitting.terms.FOOT_POINTS`, metres in the
camera frame (OpenCV: y down) — and their contacts (F,4) bool (:mod:`core.fitting.contacts`). The clip fit's lock
passes (:func:`core.fitting.clip.fit_clip`) pull each planted point to its anchor; the anchors are free points of
that energy, solved by block coordinate descent: each round puts them at their span's mean of the feet so far.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import torch
from scipy.ndimage import gaussian_filter1d

from . import contacts as ct
from .windows import FitState

if TYPE_CHECKING:
    from core.camera.path import CameraPath

__all__ = ["anchors", "root_follows"]


def anchors(feet: np.ndarray, planted: np.ndarray, ease: int, path: CameraPath | None = None) -> torch.Tensor:
    """(F,4,3) camera-frame feet, (F,4) planted → (F,4,3) float32 the lock's targets: each span's mean point,
    also for ``ease`` frames either side (:func:`.contacts.lock_targets`); for a moving camera (``path``,
    :class:`core.camera.path.CameraPath`) the mean where the feet stand in the world, seen from each frame's camera."""
    if path is None:
        return torch.as_tensor(ct.lock_targets(feet, planted, ease), dtype=torch.float32)
    from core.camera.path import to_reference
    ref = ct.lock_targets(to_reference(feet, path), planted, ease) - path.centres[:, None]
    return torch.as_tensor(np.einsum("fij,fnj->fni", path.rotations, ref), dtype=torch.float32)


def root_follows(s: FitState, feet: np.ndarray, targets: np.ndarray, weights: np.ndarray) -> FitState:
    """Move the root so that the locked points sit on their anchors on average (what is left after the
    lock term): per frame the lock-weighted mean offset, scaled by the frame's largest lock weight (so the shift
    fades in and out with the lock's ease) and smoothed over ±1 frame (so it adds no jitter). ``feet``,
    ``targets`` (F,4,3), ``weights`` (F,4) (:func:`.contacts.lock_weights`)."""
    w = weights[..., None]
    shift = ((targets - feet) * w).sum(1) / np.maximum(w.sum(1), 1e-9)        # (F,3)
    shift = gaussian_filter1d(shift * weights.max(1, keepdims=True), 1.0, axis=0, mode="nearest")
    return FitState(s.body_aa, s.root6d, s.transl + torch.as_tensor(shift, dtype=torch.float32))
