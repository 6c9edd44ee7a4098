"""The camera's path in the world from the person's planted feet (metric: the body sets the scale).

Input: the fitted foot points in the camera frame and the camera rotations from the background
(:mod:`core.camera.background`). Rotated into the first camera's axes (``R_tᵀ p``) the feet still carry the
camera's translation ``C_t`` (its centre in those axes): a planted point sits still at ``R_tᵀ p_t + C_t``.

1. Floor and "near the floor" from the rotated feet (:func:`core.fitting.contacts.estimate_floor`).
2. First guess of the camera's velocity: minus the median velocity of the foot points near the floor
   (a planted foot moves in the rotated camera frame only because the camera does), smoothed, held through
   flight phases, integrated.
3. Contacts (:func:`core.fitting.contacts.point_contacts`) on the feet in that world.
4. Least squares per axis: every contact span's points share one anchor, the camera's second differences are
   small (weight ``smooth``); ``C_0 = 0`` fixes the gauge. Steps 3–4 run twice.

Frames without a planted foot (jumps) get the smooth interpolation of the least squares. Output frame: the
"reference" frame — the first camera's axes and centre (OpenCV, y down).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.ndimage import gaussian_filter1d
from scipy.sparse.linalg import lsqr

from core.fitting import contacts as ct

__all__ = ["CameraPath", "camera_path_from_feet", "to_reference"]


@dataclass
class CameraPath:
    """rotations (F,3,3) reference → camera t; centres (F,3) camera centre in the reference frame (metres);
    world → camera t: ``P_cam = R_t (P_ref − C_t)``."""

    rotations: np.ndarray
    centres: np.ndarray


def to_reference(points: np.ndarray, path: CameraPath) -> np.ndarray:
    """(F,...,3) camera-frame points → reference frame."""
    p = np.asarray(points, np.float64)
    flat = p.reshape(len(p), -1, 3)
    out = np.einsum("fji,fnj->fni", path.rotations, flat) + path.centres[:, None]
    return out.reshape(p.shape)


def _first_guess(feet_rot: np.ndarray, valid: np.ndarray, fps: float, cfg: ct.ContactConfig) -> np.ndarray:
    floor = ct.estimate_floor(feet_rot, valid, cfg)
    h = floor.height(feet_rot)
    base = np.nanpercentile(np.where(valid[:, None], h, np.nan), 5, axis=0)
    low = (h - base <= cfg.height) & valid[:, None]
    sm = gaussian_filter1d(feet_rot, max(cfg.smooth * fps, 0.5), axis=0, mode="nearest")
    v = np.gradient(sm, axis=0) * fps                                         # (F,4,3) m/s
    vel = np.full((len(v), 3), np.nan)
    for t in np.flatnonzero(low.any(1)):
        vel[t] = -np.median(v[t, low[t]], axis=0)
    ok = np.isfinite(vel[:, 0])
    if not ok.any():
        return np.zeros((len(v), 3))
    vel = np.stack([np.interp(np.arange(len(v)), np.flatnonzero(ok), vel[ok, c]) for c in range(3)], 1)
    vel = gaussian_filter1d(vel, 0.1 * fps, axis=0, mode="nearest")
    c = np.cumsum(vel, axis=0) / fps
    return c - c[0]


def _spans(flags: np.ndarray) -> list[tuple[int, int]]:
    d = np.diff(np.r_[0, flags.astype(np.int8), 0])
    return list(zip(np.flatnonzero(d == 1), np.flatnonzero(d == -1)))


def _solve(feet_rot: np.ndarray, planted: np.ndarray, guess: np.ndarray, smooth: float) -> np.ndarray:
    """Least squares camera centres (F,3) with one anchor per contact span and point."""
    n = len(feet_rot)
    rows, cols, vals, rhs = [], [], [], []
    r = 0
    spans = [(k, a, b) for k in range(planted.shape[1]) for a, b in _spans(planted[:, k]) if b - a >= 2]
    if not spans:
        return guess
    for s, (k, a, b) in enumerate(spans):
        for t in range(a, b):                              # foot_rot + C_t − A_s = 0
            rows += [r, r]
            cols += [t, n + s]
            vals += [1.0, -1.0]
            rhs.append(-feet_rot[t, k])
            r += 1
    for t in range(1, n - 1):                              # smooth camera: second differences
        rows += [r, r, r]
        cols += [t - 1, t, t + 1]
        vals += [smooth, -2 * smooth, smooth]
        rhs.append(np.zeros(3))
        r += 1
    rows.append(r)
    cols.append(0)
    vals.append(1e3)
    rhs.append(np.zeros(3))                                # gauge C_0 = 0
    r += 1
    A = sp.csr_matrix((vals, (rows, cols)), shape=(r, n + len(spans)))
    rhs = np.asarray(rhs)
    x0 = np.r_[guess, np.zeros((len(spans), 3))]
    out = np.empty((n, 3))
    for c in range(3):
        sol = lsqr(A, rhs[:, c] - A @ x0[:, c], atol=1e-10, btol=1e-10, iter_lim=20 * (n + len(spans)))[0]
        out[:, c] = (x0[:, c] + sol)[:n]
    return out - out[0]


def camera_path_from_feet(feet_cam: np.ndarray, rotations: np.ndarray, valid: np.ndarray, fps: float,
                          cfg: ct.ContactConfig = ct.ContactConfig(), smooth: float = 3.0,
                          rounds: int = 2) -> tuple[CameraPath, np.ndarray, ct.Floor]:
    """feet_cam (F,4,3) fitted heel/toe points in the camera frame; rotations (F,3,3) reference → camera t;
    valid (F,) → (:class:`CameraPath`, planted (F,4) bool, floor in the reference frame)."""
    valid = np.asarray(valid, bool)
    rot = np.asarray(rotations, np.float64)
    feet_rot = np.einsum("fji,fnj->fni", rot, np.asarray(feet_cam, np.float64))
    centres = _first_guess(feet_rot, valid, fps, cfg)
    for _ in range(rounds):
        feet = feet_rot + centres[:, None]
        floor = ct.estimate_floor(feet, valid, cfg)
        planted = ct.point_contacts(feet, valid, fps, floor, cfg)
        centres = _solve(feet_rot, planted & valid[:, None], centres, smooth)
    feet = feet_rot + centres[:, None]
    floor = ct.estimate_floor(feet, valid, cfg)
    planted = ct.point_contacts(feet, valid, fps, floor, cfg)
    return CameraPath(rot, centres), planted, floor
