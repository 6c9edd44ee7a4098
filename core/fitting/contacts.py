"""Foot contacts from fitted heel/toe points: the floor, planted points, and where to lock them.

Input: the four foot points (left heel, left toe, right heel, right toe; :data:`core.fitting.terms.FOOT_POINTS`)
of the fitted body, (F,4,3) metres in the camera frame (OpenCV: y down). The camera is static, so a fixed
point in the world is a fixed point in the camera frame; "up" is the floor's normal, not the camera's −y
(a phone is rarely level). A point is planted when it is near its lowest height over the clip and slow;
a foot is planted when its heel or its toe is.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.ndimage import gaussian_filter1d

from hkmr_blender.base.spans import contact_spans

__all__ = ["Floor", "ContactConfig", "TRUTH_CONTACTS", "truth_contacts", "estimate_floor", "point_contacts",
           "clean_runs", "low_points", "foot_contacts", "lock_targets", "lock_weights"]

_CAMERA_UP = np.array([0.0, -1.0, 0.0])


@dataclass(frozen=True)
class Floor:
    """Plane ``normal · p + offset = 0`` in the camera frame; ``normal`` (3,) unit, pointing up (towards the
    person); ``height(p) = normal · p + offset`` (metres). ``fitted``: False when the feet did not spread
    enough to tilt the plane and the camera's −y was kept as up."""

    normal: np.ndarray
    offset: float
    fitted: bool

    def height(self, points: np.ndarray) -> np.ndarray:
        return np.asarray(points) @ self.normal + self.offset


@dataclass(frozen=True)
class ContactConfig:
    """Thresholds: ``height`` m above the point's own lowest level (5th percentile over the clip);
    ``speed`` m/s, on positions smoothed over time by a Gaussian of ``smooth`` s. The defaults suit fitted
    feet, which jitter (0.23–0.27 m/s median while truly planted, bench/bench_fit.py); clean feet can use
    4 cm / 0.3 m/s. Gaps of ≤ ``max_gap`` s between two runs are filled (one anchor, not two: the jump between
    two anchors would be a pop), then runs shorter than ``min_duration`` s are dropped; the floor is tilted only
    when the lowest points span ≥ ``min_spread`` m in two directions and the tilt stays ≤ ``max_tilt`` rad.
    ``ray_weight``: the share of the speed along the camera's viewing ray that counts (:func:`point_contacts`'
    ``camera_at``)."""

    # 8 cm / 0.45 m/s, not 6 / 0.5: the first pass's feet stand 6–8 cm above their low level on planted frames it
    # missed (skate in true contacts −39 % on the eval6 renders, every other error within its guard; issue 20 s14)
    height: float = 0.08
    speed: float = 0.45
    smooth: float = 0.05
    max_gap: float = 0.1
    min_duration: float = 0.1
    min_spread: float = 0.3
    max_tilt: float = 0.6
    ray_weight: float = 0.2


#: what counts as planted on clean feet (motion capture, the benchmarks' truth): 4 cm, 0.3 m/s
TRUTH_CONTACTS = ContactConfig(height=0.04, speed=0.3)


def truth_contacts(feet: np.ndarray, fps: float, cfg: ContactConfig = TRUTH_CONTACTS) -> np.ndarray:
    """(F,4,3) clean foot points of a whole clip (camera-like frame: y down; a Y-up world flipped) → (F,4) bool
    planted by ``cfg`` (default :data:`TRUTH_CONTACTS`) over the floor :func:`estimate_floor` finds under them."""
    valid = np.ones(len(feet), bool)
    return point_contacts(feet, valid, fps, estimate_floor(feet, valid, cfg), cfg)


def estimate_floor(feet: np.ndarray, valid: np.ndarray, cfg: ContactConfig = ContactConfig()) -> Floor:
    """Plane through the foot points that touch the ground: first the lowest point of each valid frame
    (camera −y as up) within 5 cm of their low 10th percentile, then, twice, every foot point within 3 cm
    of the plane so far (least squares). Keeps the camera's −y as up when those points do not spread over
    ``cfg.min_spread`` in two directions or would tilt it by more than ``cfg.max_tilt``."""
    f = np.asarray(feet, np.float64)[np.asarray(valid, bool)]
    if len(f) == 0:
        raise ValueError("no valid frame to estimate the floor from")
    low = f[np.arange(len(f)), np.argmin(f @ _CAMERA_UP, axis=1)]          # (N,3) lowest point per frame
    h = low @ _CAMERA_UP
    pts = low[h <= np.percentile(h, 10) + 0.05]
    normal, fitted = _CAMERA_UP, False
    offset = -float(np.median(pts @ normal))
    every = f.reshape(-1, 3)
    for _ in range(3):
        if len(pts) < 3:
            break
        centred = pts - pts.mean(0)
        _, s, vt = np.linalg.svd(centred, full_matrices=False)
        spread = 4.0 * s[:2] / np.sqrt(len(pts))                              # ≈ extent (±2σ) in the plane
        n = vt[2] if np.dot(vt[2], _CAMERA_UP) > 0 else -vt[2]
        if spread[1] < cfg.min_spread or np.arccos(np.clip(n @ _CAMERA_UP, -1, 1)) > cfg.max_tilt:
            break
        normal, fitted, offset = n, True, -float(pts.mean(0) @ n)
        pts = every[np.abs(every @ normal + offset) <= 0.03]
    if fitted:
        offset = -float(np.median(pts @ normal)) if len(pts) else offset
    return Floor(normal, offset, fitted)


def point_contacts(feet: np.ndarray, valid: np.ndarray, fps: float, floor: Floor,
                   cfg: ContactConfig = ContactConfig(), camera_at: np.ndarray | None = None) -> np.ndarray:
    """(F,4,3) foot points → (F,4) bool planted: within ``cfg.height`` of the point's own low level above
    ``floor``, slower than ``cfg.speed`` (central differences over valid neighbours), in runs of at least
    ``cfg.min_duration``. Invalid frames are never in contact. ``camera_at`` (3,): where the camera is in the
    feet's frame (a static camera: the origin) or None; given, the speed along each point's viewing ray counts
    ``cfg.ray_weight`` times only: a monocular fit's depth moves where the image does not (on rendered real
    mocap the fitted feet moved 0.4–1.4 m/s along the ray while truly planted, 0.10–0.15 m/s across it)."""
    f = np.asarray(feet, np.float64)
    valid = np.asarray(valid, bool)
    low = low_points(f, valid, floor, cfg)
    speed = np.full(low.shape, np.inf)
    if len(f) >= 2:
        sm = gaussian_filter1d(f, max(cfg.smooth * fps, 1e-3), axis=0, mode="nearest")
        v = np.gradient(sm, axis=0) * fps                                       # (F,4,3) m/s
        both = np.zeros(len(f), bool)
        both[1:-1] = valid[:-2] & valid[2:]
        both[0], both[-1] = valid[0] & valid[min(1, len(f) - 1)], valid[-1] & valid[max(len(f) - 2, 0)]
        if camera_at is not None:
            ray = sm - np.asarray(camera_at, np.float64)
            ray /= np.maximum(np.linalg.norm(ray, axis=-1, keepdims=True), 1e-9)
            along = (v * ray).sum(-1, keepdims=True)
            v = v - (1.0 - cfg.ray_weight) * along * ray
        speed[both] = np.linalg.norm(v[both], axis=-1)
    return clean_runs(low & (speed <= cfg.speed) & valid[:, None], valid, fps, cfg)


def clean_runs(planted: np.ndarray, valid: np.ndarray, fps: float, cfg: ContactConfig = ContactConfig()) -> np.ndarray:
    """(F,4) bool → a copy with gaps of ≤ ``cfg.max_gap`` s between two runs filled (over valid frames only),
    then runs shorter than ``cfg.min_duration`` s dropped."""
    planted = np.array(planted, bool)
    valid = np.asarray(valid, bool)
    keep = max(1, int(round(cfg.min_duration * fps)))
    gap = int(round(cfg.max_gap * fps))
    for k in range(planted.shape[1]):
        spans = contact_spans(planted[:, k])
        for (_, e0), (s1, _) in zip(spans[:-1], spans[1:]):
            if s1 - e0 - 1 <= gap and valid[e0 + 1:s1].all():
                planted[e0 + 1:s1, k] = True
        for a, b in contact_spans(planted[:, k]):
            if b - a + 1 < keep:
                planted[a:b + 1, k] = False
    return planted


def low_points(feet: np.ndarray, valid: np.ndarray, floor: Floor, cfg: ContactConfig = ContactConfig()) -> np.ndarray:
    """(F,4,3) foot points → (F,4) bool: within ``cfg.height`` of the point's own low level (its 5th percentile
    height above ``floor`` over the valid frames)."""
    h = floor.height(np.asarray(feet, np.float64))                              # (F,4)
    valid = np.asarray(valid, bool)
    base = np.array([np.percentile(h[valid, k], 5) for k in range(h.shape[1])]) if valid.any() else np.zeros(4)
    return h - base <= cfg.height


def foot_contacts(points: np.ndarray, low: np.ndarray | None = None) -> np.ndarray:
    """(F,4) point contacts → (F,2) bool [left, right]: heel or toe planted (the motion file's ``contacts``).
    With ``low`` (F,4) (:func:`low_points`) a toe counts only while its heel is low too: a planted toe under a
    raised heel is a foot pushing off, not standing (the fit still locks that toe)."""
    p = np.asarray(points, bool)
    if low is not None:
        p = p.copy()
        p[:, [1, 3]] &= np.asarray(low, bool)[:, [0, 2]]
    return np.stack([p[:, 0] | p[:, 1], p[:, 2] | p[:, 3]], 1)


def lock_targets(feet: np.ndarray, planted: np.ndarray, ease: int = 0) -> np.ndarray:
    """(F,4,3) points, (F,4) planted → (F,4,3) where each planted point should stay: the mean of its
    positions over its contact span, also for the ``ease`` frames either side (:func:`lock_weights`);
    elsewhere the point itself (unused)."""
    out = np.array(feet, np.float64)
    for k in range(out.shape[1]):
        spans = contact_spans(planted[:, k])
        anchors = [out[a:b + 1, k].mean(0) for a, b in spans]
        for (a, b), m in zip(spans, anchors):
            lo, hi = max(a - ease, 0), min(b + ease + 1, len(out))
            edge = [f for f in range(lo, hi) if not planted[f, k]]
            out[a:b + 1, k] = m
            out[edge, k] = m  # an ease frame between two spans keeps the nearer one's (the later span wins ties)
    return out


def lock_weights(planted: np.ndarray, ease: int) -> np.ndarray:
    """(F,4) planted → (F,4) float weights of the lock term: 1 in each contact span, falling linearly to 0
    over ``ease`` frames before and after it, so the foot is let go gradually (a hard release makes it pop
    back to where the free fit wants it in one frame)."""
    w = np.asarray(planted, np.float64).copy()
    for k in range(w.shape[1]):
        for a, b in contact_spans(planted[:, k]):
            for i in range(1, ease + 1):
                v = 1.0 - i / (ease + 1)
                for f in (a - i, b + i):
                    if 0 <= f < len(w):
                        w[f, k] = max(w[f, k], v)
    return w
