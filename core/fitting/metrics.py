"""Motion-quality scores of a fitted clip (pure numpy functions; printed by ``hkmr demo``, used by the bench).

- 2D reprojection error as a fraction of the 2D torso length (mid-shoulder to mid-hip), per frame;
- jitter: mean acceleration magnitude of points over consecutive valid frames, m/s²;
- foot skate: mean horizontal slide of planted foot points between consecutive frames, mm per frame.

Pose errors against ground truth (MPJPE, PA-MPJPE) are :mod:`core.geometry.metrics`.
"""
from __future__ import annotations

import numpy as np

__all__ = ["reprojection_error", "jitter", "foot_skate"]


def reprojection_error(pred_px: np.ndarray, obs_px: np.ndarray, weight: np.ndarray, torso_px: float) -> np.ndarray:
    """pred/obs (F,L,2) pixels, weight (F,L) ≥ 0 (e.g. visibility ≥ 0.5 as 0/1) → (F,) weighted mean
    distance / ``torso_px`` (a fraction: ×100 for %); NaN for frames with no weight."""
    w = np.asarray(weight, np.float64)
    d = np.linalg.norm(np.asarray(pred_px, np.float64) - np.asarray(obs_px, np.float64), axis=-1)
    tot = w.sum(1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(tot > 0, (d * w).sum(1) / tot, np.nan) / float(torso_px)


def jitter(points: np.ndarray, fps: float, valid: np.ndarray | None = None) -> float:
    """points (F,N,3) metres → mean ‖p[t+1] − 2p[t] + p[t−1]‖·fps² (m/s²) over frames t whose two
    neighbours and itself are valid; NaN when there are none."""
    p = np.asarray(points, np.float64)
    v = np.ones(len(p), bool) if valid is None else np.asarray(valid, bool)
    if len(p) < 3:
        return float("nan")
    ok = v[2:] & v[1:-1] & v[:-2]
    if not ok.any():
        return float("nan")
    acc = np.linalg.norm(p[2:] - 2 * p[1:-1] + p[:-2], axis=-1)[ok]
    return float(acc.mean() * fps ** 2)


def foot_skate(feet: np.ndarray, planted: np.ndarray, up: np.ndarray) -> float:
    """feet (F,P,3) metres, planted (F,P) bool, up (3,) unit → mean displacement orthogonal to ``up`` of a
    point between consecutive frames where it is planted in both, in mm per frame; NaN when never planted."""
    f = np.asarray(feet, np.float64)
    pl = np.asarray(planted, bool)
    u = np.asarray(up, np.float64) / np.linalg.norm(up)
    step = f[1:] - f[:-1]
    horiz = step - (step @ u)[..., None] * u
    both = pl[1:] & pl[:-1]
    if not both.any():
        return float("nan")
    return float(np.linalg.norm(horiz, axis=-1)[both].mean() * 1000.0)
