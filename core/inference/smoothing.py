"""One-Euro filter (Casiez et al., CHI 2012) on translations and, on the sphere, on rotations.

Per frame, with sampling period Te = 1/fps and the smoothing factor of a first-order low-pass
``α(fc) = r / (1 + r)``, ``r = 2π · fc · Te``:

    speed   ŝ_t = α(d_cutoff) · s_t + (1 − α(d_cutoff)) · ŝ_{t−1}
    cutoff  fc  = min_cutoff + beta · |ŝ_t|
    value   x̂_t = x̂_{t−1} + α(fc) · (x_t − x̂_{t−1})

Rotations are filtered on the sphere, never in Euler angles: the difference ``x_t − x̂_{t−1}``
is the shortest-arc rotation vector ``log(q̂_{t−1}⁻¹ q_t)`` (|·| ≤ π, so the filter can never
turn the long way round, whatever the quaternions' signs) and the update is
``q̂_t = q̂_{t−1} · exp(α · log(q̂_{t−1}⁻¹ q_t))`` (a slerp by α); speed is its angle × fps.

Lag: slow motion is smoothed with ``min_cutoff``; the ``beta`` term only raises the cutoff, so
a step is followed at least as fast as by the plain low-pass: within
:func:`step_lag_frames` frames it has covered 90 % of the step.
Invalid frames are left untouched and split the clip into independently filtered segments.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import roma
import torch

__all__ = ["OneEuroParams", "SmoothingConfig", "alpha", "step_lag_frames", "one_euro", "one_euro_rotations",
           "smooth_motion", "valid_segments"]


@dataclass
class OneEuroParams:
    """min_cutoff (Hz): smoothing at rest (lower = smoother, more lag); beta (s / unit): how fast
    the cutoff rises with speed (higher = less lag in fast moves); d_cutoff (Hz) for the speed."""

    min_cutoff: float = 1.0
    beta: float = 0.5
    d_cutoff: float = 1.0

    def validate(self) -> "OneEuroParams":
        if self.min_cutoff <= 0 or self.beta < 0 or self.d_cutoff <= 0:
            raise ValueError(f"One-Euro needs min_cutoff > 0, beta ≥ 0, d_cutoff > 0; got {self}")
        return self


@dataclass
class SmoothingConfig:
    """Rotation parameters in rad/s, translation parameters in m/s."""

    rotation: OneEuroParams = field(default_factory=lambda: OneEuroParams(1.5, 0.3))
    translation: OneEuroParams = field(default_factory=lambda: OneEuroParams(1.0, 0.5))

    def __post_init__(self) -> None:
        self.rotation.validate()
        self.translation.validate()


def alpha(cutoff: np.ndarray | float, fps: float) -> np.ndarray:
    r = 2.0 * math.pi * np.asarray(cutoff, np.float64) / fps
    return r / (1.0 + r)


def step_lag_frames(fps: float, min_cutoff: float, fraction: float = 0.9) -> int:
    """Frames after which a step has been followed by at least ``fraction`` (upper bound)."""
    a = float(alpha(min_cutoff, fps))
    return int(math.ceil(math.log(1.0 - fraction) / math.log(1.0 - a)))


def one_euro(x: np.ndarray, fps: float, p: OneEuroParams) -> np.ndarray:
    """(F, D) signal → (F, D) filtered (each channel on its own)."""
    x = np.asarray(x, np.float64)
    out = np.empty_like(x)
    if len(x) == 0:
        return out
    a_d = alpha(p.d_cutoff, fps)
    out[0], speed = x[0], np.zeros(x.shape[1:])
    for t in range(1, len(x)):
        speed = a_d * (x[t] - out[t - 1]) * fps + (1 - a_d) * speed
        out[t] = out[t - 1] + alpha(p.min_cutoff + p.beta * np.abs(speed), fps) * (x[t] - out[t - 1])
    return out


def one_euro_rotations(rotmats: np.ndarray, fps: float, p: OneEuroParams) -> np.ndarray:
    """(F, J, 3, 3) rotations → (F, J, 3, 3) filtered on the sphere (see module docstring)."""
    rot = torch.as_tensor(np.asarray(rotmats), dtype=torch.float64)
    if len(rot) == 0:
        return np.asarray(rotmats, np.float64).copy()
    q = roma.rotmat_to_unitquat(rot)  # (F, J, 4) XYZW; signs are irrelevant below
    out = torch.empty_like(q)
    a_d = float(alpha(p.d_cutoff, fps))
    out[0], speed = q[0], torch.zeros(q.shape[1], dtype=torch.float64)
    for t in range(1, len(q)):
        delta = roma.unitquat_to_rotvec(roma.quat_product(roma.quat_conjugation(out[t - 1]), q[t]))
        speed = a_d * delta.norm(dim=-1) * fps + (1 - a_d) * speed
        a = torch.as_tensor(alpha((p.min_cutoff + p.beta * speed).numpy(), fps))
        out[t] = roma.quat_normalize(roma.quat_product(out[t - 1], roma.rotvec_to_unitquat(a[:, None] * delta)))
    return roma.unitquat_to_rotmat(out).numpy()


def valid_segments(valid: np.ndarray) -> list[tuple[int, int]]:
    """[start, stop) runs of consecutive True values."""
    v = np.concatenate([[False], np.asarray(valid, bool), [False]])
    edges = np.flatnonzero(np.diff(v.astype(np.int8)))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist()))


def smooth_motion(rotmats: np.ndarray, trans: np.ndarray, valid: np.ndarray, fps: float,
                  cfg: SmoothingConfig) -> tuple[np.ndarray, np.ndarray]:
    """Filter rotmats (F, 24, 3, 3) and trans (F, 3) on each valid segment; invalid frames are
    returned unchanged."""
    rot, tr = np.array(rotmats, np.float64), np.array(trans, np.float64)
    for a, b in valid_segments(valid):
        rot[a:b] = one_euro_rotations(rot[a:b], fps, cfg.rotation)
        tr[a:b] = one_euro(tr[a:b], fps, cfg.translation)
    return rot, tr
