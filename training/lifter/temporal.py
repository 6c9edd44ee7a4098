"""Temporal pieces of the world lifter's training (:mod:`training.lifter.train`): shifted windows for a velocity
loss, and whole-limb depth flips held over several frames (BlazePose's "which leg is in front" mistake; arms too).

Shapes: features (B, T, 33, C) as :func:`core.model.keypoint_input.keypoint_features` builds them (channels 3:6 the
hip-centred world xyz, metres, camera axes: z away from the camera); landmark points (…, 33, 3) metres.
"""
from __future__ import annotations

import numpy as np
import torch

from core.detect.landmarks import BLAZEPOSE_NAMES

__all__ = ["LEGS", "ARMS", "shifted_windows", "velocity_loss", "flip_leg_depth"]

#: BlazePose leg landmarks below the hip (knee, ankle, heel, foot index) and the hip they hang from, left / right
LEGS = {s: (BLAZEPOSE_NAMES.index(f"{s}_hip"), tuple(BLAZEPOSE_NAMES.index(f"{s}_{p}")
                                                     for p in ("knee", "ankle", "heel", "foot_index")))
        for s in ("left", "right")}
#: BlazePose arm landmarks below the shoulder (elbow, wrist, pinky, index, thumb) and the shoulder, left / right
ARMS = {s: (BLAZEPOSE_NAMES.index(f"{s}_shoulder"), tuple(BLAZEPOSE_NAMES.index(f"{s}_{p}")
                                                          for p in ("elbow", "wrist", "pinky", "index", "thumb")))
        for s in ("left", "right")}


def shifted_windows(inputs: torch.Tensor, targets: torch.Tensor, window: int, shifts: int = 3
                    ) -> tuple[torch.Tensor, torch.Tensor]:
    """(B, window + shifts − 1, 33, C) features and (B·(window + shifts − 1), 33, 3) per-frame targets →
    (shifts·B, window, 33, C) windows starting at frames 0 … shifts − 1 and (shifts·B, 33, 3) their centre
    frames' targets, shift-major (rows k·B … (k+1)·B − 1 are shift k)."""
    b, total = inputs.shape[:2]
    if total != window + shifts - 1:
        raise ValueError(f"shifted_windows: {total} frames for window {window} and {shifts} shifts")
    tgt = targets.reshape(b, total, *targets.shape[1:])
    h = window // 2
    x = torch.cat([inputs[:, k:k + window] for k in range(shifts)])
    y = torch.cat([tgt[:, h + k] for k in range(shifts)])
    return x, y


def velocity_loss(pred: torch.Tensor, target: torch.Tensor, shifts: int = 3) -> torch.Tensor:
    """Shift-major (shifts·B, 33, 3) predictions and truth of consecutive centre frames → mean distance (m) between
    the predicted and the true frame-to-frame steps of every point."""
    p, t = pred.reshape(shifts, -1, *pred.shape[1:]), target.reshape(shifts, -1, *target.shape[1:])
    return ((p[1:] - p[:-1]) - (t[1:] - t[:-1])).norm(dim=-1).mean()


def flip_leg_depth(features: torch.Tensor, rng: np.random.Generator, prob: float, min_frames: int = 3,
                   limbs: dict = LEGS) -> torch.Tensor:
    """A copy of (B, T, 33, C) features where, with probability ``prob`` per window, one random leg's world depth
    (channel 5) is mirrored about its hip's depth over a random run of ≥ ``min_frames`` consecutive frames: the
    2D stays, the leg swings to the other side of the body in depth, as BlazePose's world landmarks do on side
    views. ``limbs``: :data:`ARMS` mirrors an arm about its shoulder instead. Frames without a person (all-zero
    features) stay zero."""
    out = features.clone()
    b, t = features.shape[:2]
    for i in np.flatnonzero(rng.random(b) < prob):
        hip, leg = limbs["left" if rng.random() < 0.5 else "right"]
        n = int(rng.integers(min(min_frames, t), t + 1))
        a = int(rng.integers(0, t - n + 1))
        z = out[i, a:a + n, :, 5]
        present = (features[i, a:a + n].abs().sum((-1, -2)) > 0).to(z.dtype)
        z[:, list(leg)] = z[:, list(leg)] + present[:, None] * 2 * (z[:, [hip]] - z[:, list(leg)])
    return out
