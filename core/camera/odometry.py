"""The camera's travel from the floor it sees (metric: the floor's height comes from the person's feet).

Input: key-frame pairs of background tracks (:attr:`core.camera.background.CameraRotations.key_pairs`: frames a < b
about 0.5 s apart, unit bearings in each camera), the rotations from the background (reference → camera t) and
the floor from the feet: "up" and its level below the camera (reference axes, metres). A track whose bearing at
frame a points at least ``min_depression`` below the horizon is taken as a floor point: the ray meets the floor
at ``X = s r_a`` (``s = level / (r_a·up)``, camera a's centre as origin). Seen from frame b it lies along
``R(ω) r_b`` from ``C_b − C_a = D``; per pair the robust least squares (``scipy.optimize.least_squares``, soft-L1,
tracks on walls or the person drop out as outliers) gives D and a small rotation ω — the part of the
rotation-only estimate that was the travel's parallax read as pan (a trucking camera over-pans: 9° of 3° on a
60-frame walk). Pairs are solved in order, each with the rotations corrected by the pairs before it.

Frames: reference = the first camera's axes (OpenCV, y down), as :mod:`core.camera.path`.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from scipy.optimize import least_squares

__all__ = ["FloorOdometry", "floor_odometry"]


@dataclass
class FloorOdometry:
    """rotations (F,3,3) corrected reference → camera t; steps (F,3) the centre's move t−1 → t in the reference
    frame (metres; NaN where no pair was solved); pairs: how many key-frame pairs were solved, of how many."""

    rotations: np.ndarray
    steps: np.ndarray
    pairs: tuple[int, int]


def _solve(ra: np.ndarray, rb: np.ndarray, level: float, up: np.ndarray, min_depression: float, max_dist: float,
           min_points: int, scale: float):
    """One pair: bearings (N,3) in reference axes → (D (3,), ω (3,)) or None (too few floor points)."""
    cosd = ra @ up
    sel = cosd < -np.sin(min_depression)
    s = level / cosd[sel]
    ok = (s > 0) & (s < max_dist)
    X, rb = ra[sel][ok] * s[ok, None], rb[sel][ok]
    if len(X) < min_points:
        return None

    def res(x):
        v = X - x[3:]
        return (v / np.linalg.norm(v, axis=1, keepdims=True) - rb @ cv2.Rodrigues(x[:3])[0].T).ravel()
    sol = least_squares(res, np.zeros(6), loss="soft_l1", f_scale=scale)
    return sol.x[3:], sol.x[:3]


def floor_odometry(key_pairs: list, rotations: np.ndarray, up: np.ndarray, level: np.ndarray,
                   min_depression: float = np.radians(8.0), max_dist: float = 25.0, min_points: int = 8,
                   scale: float = 0.003, max_turn: float = np.radians(3.0)) -> FloorOdometry:
    """key_pairs [(a, b, bearings_a (N,3), bearings_b (N,3))] in order; rotations (F,3,3); up (3,) unit, level (F,)
    the floor's height along ``up`` from the camera's centre (negative: below) → :class:`FloorOdometry`. ``scale``:
    the soft-L1 scale (radians); a pair whose correction turns more than ``max_turn`` is not trusted."""
    rot = np.asarray(rotations, np.float64)
    n = len(rot)
    fix = np.repeat(np.eye(3)[None], n, 0)                      # G_t: corrected R_t = R_t G_tᵀ
    steps = np.full((n, 3), np.nan)
    done = 0
    g = np.eye(3)
    last = 0
    for a, b, ba, bb in key_pairs:
        if b >= n or not np.isfinite(level[a]):
            continue
        fix[last:a + 1] = g
        ra = np.asarray(ba, np.float64) @ rot[a] @ g.T          # r = G Rᵀ b
        rb = np.asarray(bb, np.float64) @ rot[b] @ g.T
        out = _solve(ra, rb, float(level[a]), up, min_depression, max_dist, min_points, scale)
        if out is None or np.linalg.norm(out[1]) > max_turn:
            last = a
            continue
        D, w = out
        for t in range(a + 1, b + 1):                           # the correction grows through the pair
            fix[t] = cv2.Rodrigues(w * (t - a) / (b - a))[0] @ g
        steps[a + 1:b + 1] = D / (b - a)
        g = fix[b]
        last, done = b, done + 1
    fix[last:] = g
    return FloorOdometry(np.einsum("fij,fkj->fik", rot, fix), steps, (done, len(key_pairs)))
