"""The camera's path in the world from the person's planted feet (metric: the body sets the scale).

Input: the fitted foot points in the camera frame and the camera rotations from the background
(:mod:`core.camera.background`). Rotated into the first camera's axes (``R_tᵀ p``) the feet still carry the
camera's translation ``C_t`` (its centre in those axes): a planted point sits still at ``R_tᵀ p_t + C_t``.

1. Floor and "near the floor" from the rotated feet (:func:`core.fitting.contacts.estimate_floor`).
2. First guess of the camera's velocity: a planted foot moves in the rotated camera frame only because the
   camera does, so minus the foot points' velocities cluster at the camera's velocity (swing feet scatter):
   the densest cluster within ±0.3 s (a weighted mean shift, low points weighted up), integrated.
3. Contacts (:func:`core.fitting.contacts.point_contacts`) on the feet in that world.
4. Least squares per axis: every contact span's points share one anchor, the camera's second differences are
   small (weight ``smooth``); ``C_0 = 0`` fixes the gauge. Steps 3–4 run twice.

Frames without a planted foot (jumps) get the smooth interpolation of the least squares. Output frame: the
"reference" frame — the first camera's axes and centre (OpenCV, y down).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.ndimage import gaussian_filter1d

from core.fitting import contacts as ct

__all__ = ["CameraPath", "MOVING_CONTACTS", "camera_path_from_feet", "to_reference"]

#: Contacts seen from a moving camera: the feet's world positions carry the camera path's errors too, so the
#: speed is taken on positions smoothed over 0.1 s and the thresholds are looser than the static fit's. Tuned
#: on the procedural walk (bench/render_moving.py --motion walk): with the true camera the fitted feet move at a
#: median 0.22 m/s while truly planted and 1.28 m/s in swing at this smoothing.
MOVING_CONTACTS = ct.ContactConfig(height=0.08, speed=0.6, smooth=0.1)
#: The longest time a person is in the air in a jump (s): a 45 cm standing vertical jump hangs 2·√(2h/g) ≈ 0.6 s.
MAX_FLIGHT = 0.6


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


def _camera_velocity(feet_rot: np.ndarray, h: np.ndarray, valid: np.ndarray, fps: float, window: float = 0.3,
                     spread: float = 0.25, low: float = 0.08) -> np.ndarray:
    """(F,3) the camera's velocity (m/s) as the planted feet show it (``h`` (F,P) heights above the floor)."""
    """A planted point moves in the rotated
    camera frame only because the camera does, so minus the points' velocities cluster at the camera's
    velocity while swing feet scatter. Per frame the densest cluster within ±``window`` s (a Cauchy-weighted
    mean shift from the median, low points weighted up); frames without data are interpolated."""
    w_low = np.exp(-np.clip(h, 0, None) / low) * valid[:, None]                          # (F,P)
    v = -np.gradient(gaussian_filter1d(feet_rot, 1.5 * fps / 30.0, axis=0, mode="nearest"), axis=0) * fps
    n, half = len(v), max(int(round(window * fps)), 1)
    vel = np.full((n, 3), np.nan)
    for t in range(n):
        a, b = max(t - half, 0), min(t + half + 1, n)
        samples, w0 = v[a:b].reshape(-1, 3), w_low[a:b].ravel()
        if w0.sum() < 1e-6:
            continue
        m = np.zeros(3)                                  # the mode nearest a still camera
        for _ in range(8):
            w = w0 / (1.0 + (np.linalg.norm(samples - m, axis=1) / spread) ** 2)
            m = (w[:, None] * samples).sum(0) / w.sum()
        vel[t] = m
    ok = np.isfinite(vel[:, 0])
    if not ok.any():
        return np.zeros((n, 3))
    return np.stack([np.interp(np.arange(n), np.flatnonzero(ok), vel[ok, c]) for c in range(3)], 1)


def _stance_chain(feet_rot: np.ndarray, h: np.ndarray, valid: np.ndarray, fps: float, flight: float = 0.12,
                  speed_cost: float = 0.1, hysteresis: float = 0.01) -> np.ndarray:
    """Camera centres (F,3) by chaining the stance points: per frame the foot point that is low (along the
    floor's normal) and still in the world (its speed with the camera's recent velocity added back, ``speed_cost``
    m of height per m/s, the camera's velocity from :func:`_camera_velocity`; the current point keeps a ``hysteresis`` m bonus) stands still in the world; when another point takes over, its anchor is placed from the two
    points' offset in that same frame (the fit's whole-body translation error cancels in it). Frames where
    even the lowest point is ``flight`` m above its usual low level (jumps) or invalid get the camera
    interpolated between their neighbours."""
    n = len(feet_rot)
    base = 0.0                                                                # h: height above the local floor
    v = np.gradient(gaussian_filter1d(feet_rot, 1.0, axis=0, mode="nearest"), axis=0) * fps   # (F,P,3) m/s
    cam_v = _camera_velocity(feet_rot, h, valid, fps)
    centres = np.full((n, 3), np.nan)
    anchor, point = None, -1
    for t in range(n):
        if not valid[t]:
            continue
        cost = h[t] + speed_cost * np.linalg.norm(v[t] + cam_v[t], axis=1)      # low and still in the world
        if point >= 0 and anchor is not None:
            cost[point] -= hysteresis
        k = int(np.argmin(cost))
        if h[t].min() - base > flight:                                          # airborne: no anchor
            anchor = None
            continue
        if anchor is None:                                                      # first contact / landing
            anchor = feet_rot[t, k] + _extrapolate(centres, t, max(int(round(MAX_FLIGHT * fps)), 1))
        elif k != point:
            anchor = anchor + feet_rot[t, k] - feet_rot[t, point]
        point = k
        centres[t] = anchor - feet_rot[t, k]
    ok = np.isfinite(centres[:, 0])
    if not ok.any():
        return np.zeros((n, 3))
    idx = np.flatnonzero(ok)
    centres = np.stack([np.interp(np.arange(n), idx, centres[idx, c]) for c in range(3)], 1)
    return centres - centres[0]


def _level_heights(centres: np.ndarray, h: np.ndarray, level: np.ndarray, valid: np.ndarray, up: np.ndarray,
                   flight: float) -> np.ndarray:
    """The centres' height (along ``up``) from the floor, not from the chain: on every frame with a foot down
    the lowest foot point stands on one level floor, so the camera's height is minus that point's height ``h``
    (F,P) (rotated frame); frames in flight or without a person are interpolated. The chain adds each hand-over's
    vertical offset, a random walk that the floor fitted afterwards reads as a slope (tilted world, path rising)."""
    low = h.min(1)
    down = valid & (low - level <= flight)
    if down.sum() < 2:
        return centres
    idx = np.flatnonzero(down)
    height = np.interp(np.arange(len(h)), idx, -low[idx])
    return centres - np.outer(centres @ up, up) + np.outer(height, up)


def _sliding_level(h: np.ndarray, valid: np.ndarray, fps: float) -> np.ndarray:
    """(F,) the floor's level along "up" from the camera: the 10th percentile of the lowest foot point's height
    ``h`` (F,P) over a sliding 2 s."""
    low = np.where(valid, h.min(1), np.nan)
    size = max(int(2 * fps), 3)
    return np.array([np.nanpercentile(low[max(t - size // 2, 0):t + size // 2 + 1], 10)
                     if np.isfinite(low[max(t - size // 2, 0):t + size // 2 + 1]).any() else 0.0
                     for t in range(len(low))])


def _from_floor(key_pairs, rot: np.ndarray, centres: np.ndarray, up: np.ndarray, level: np.ndarray):
    """→ (rotations corrected by the floor's odometry, centres whose horizontal steps come from it where a pair was
    solved; the chain's steps elsewhere and the height from the feet everywhere)."""
    from core.camera.odometry import floor_odometry

    odo = floor_odometry(key_pairs, rot, up, level)
    if odo.pairs[0] == 0:
        return rot, centres
    step, vo = np.diff(centres, axis=0), odo.steps[1:]
    ok = np.isfinite(vo[:, 0])
    step[ok] = vo[ok] - np.outer(vo[ok] @ up, up) + np.outer(step[ok] @ up, up)
    return odo.rotations, np.concatenate([centres[:1], centres[:1] + np.cumsum(step, axis=0)])


def _pin(centres: np.ndarray, still: np.ndarray) -> np.ndarray:
    """The centres with their frame-to-frame steps dropped where the camera stood (``still`` (F,), step t−1 → t):
    a camera that only turns leaves no parallax in the background, and the feet's chain there carries the fit's
    drift (a balancing person's feet held off the floor, depth noise) as camera travel."""
    step = np.diff(centres, axis=0)
    step[still[1:]] = 0.0
    return np.concatenate([centres[:1], centres[:1] + np.cumsum(step, axis=0)])


def _extrapolate(centres: np.ndarray, t: int, hang: int) -> np.ndarray:
    """Where the camera is at frame t after a flight: carried on at the velocity before it for at most ``hang``
    frames (0 at the start). Longer "flights" are feet the fit holds off the floor (a raised foot while the
    other is misplaced), not jumps: carried on for their whole length, the velocity at take-off (noisy) adds
    metres (an in-place jump-and-balance clip travelled 3 m)."""
    idx = np.flatnonzero(np.isfinite(centres[:t, 0]))
    if len(idx) == 0:
        return np.zeros(3)
    if idx[-1] == t:
        return centres[t]
    if len(idx) < 6:
        return centres[idx[-1]]
    vel = (centres[idx[-1]] - centres[idx[-6]]) / (idx[-1] - idx[-6])
    return centres[idx[-1]] + vel * min(t - idx[-1], hang)


def camera_path_from_feet(feet_cam: np.ndarray, rotations: np.ndarray, valid: np.ndarray, fps: float,
                          hips_cam: np.ndarray | None = None, cfg: ct.ContactConfig = MOVING_CONTACTS,
                          smooth: float = 6.0, flight: float = 0.12,
                          background=None) -> tuple[CameraPath, np.ndarray, ct.Floor]:
    """feet_cam (F,P,3) fitted foot points (heels, toes) in the camera frame; rotations (F,3,3) reference →
    camera t; valid (F,); hips_cam (F,3) the fitted hips' centre (camera frame) for a first "up": people stand
    upright on average, so the mean feet → hips direction in the reference frame is close to gravity (None:
    the floor of the first 1.5 s); background: the :class:`core.camera.background.CameraRotations` the rotations
    came from, or None: where its key-frame pairs see enough floor the centre's horizontal moves (and a correction
    of the rotations) come from the floor (:mod:`core.camera.odometry`) instead of the chain, and where it found
    the camera standing (``still``) the centre stays put → (:class:`CameraPath`, planted (F,P) bool, floor in the
    reference frame)."""
    valid = np.asarray(valid, bool)
    rot = np.asarray(rotations, np.float64)
    feet_rot = np.einsum("fji,fnj->fni", rot, np.asarray(feet_cam, np.float64))
    # "up" from the body (or the first 1.5 s), heights above a sliding floor level: a floor fitted to the
    # untranslated feet of the whole clip would be tilted by the camera's travel
    up = None
    if hips_cam is not None and valid.any():
        d = np.einsum("fji,fj->fi", rot, np.asarray(hips_cam, np.float64) - np.asarray(feet_cam, np.float64).mean(1))
        d = d[valid] / np.linalg.norm(d[valid], axis=1, keepdims=True)
        up = d.mean(0) / np.linalg.norm(d.mean(0))
        h = feet_rot @ up
    else:
        first = np.arange(len(valid)) < max(int(1.5 * fps), 10)
        h = ct.estimate_floor(feet_rot[first] if (valid & first).any() else feet_rot,
                              valid[first] if (valid & first).any() else valid, cfg).height(feet_rot)
    level = _sliding_level(h, valid, fps)
    centres = _stance_chain(feet_rot, h - level[:, None], valid, fps, flight)
    if up is not None:
        centres = _level_heights(centres, h, level, valid, up, flight)
    if up is not None and getattr(background, "key_pairs", None):
        rot1, centres1 = _from_floor(background.key_pairs, rot, centres, up, level)
        feet1 = np.einsum("fji,fnj->fni", rot1, np.asarray(feet_cam, np.float64))
        refit = ct.estimate_floor(feet1 + centres1[:, None], valid, cfg)   # the floor under the travelled feet:
        if refit.fitted and refit.normal @ up > np.cos(np.radians(15)):   # a truer "up" than the body's lean
            up = refit.normal
            h = feet_rot @ up
            level = _sliding_level(h, valid, fps)
            rot1, centres1 = _from_floor(background.key_pairs, rot, centres, up, level)
        rot, centres = rot1, centres1
        feet_rot = np.einsum("fji,fnj->fni", rot, np.asarray(feet_cam, np.float64))
    still = getattr(background, "still", None)
    if still is not None and np.any(still):
        centres = _pin(centres, np.asarray(still, bool)[:len(centres)])
    centres = gaussian_filter1d(centres, max(smooth * fps / 30.0, 0.5), axis=0, mode="nearest")
    centres -= centres[0]
    feet = feet_rot + centres[:, None]
    floor = ct.estimate_floor(feet, valid, cfg)
    if not floor.fitted and up is not None:              # too little spread to tilt it: the body's up
        floor = ct.Floor(up, -float(np.percentile((feet @ up)[valid], 5)), False)
    planted = ct.point_contacts(feet, valid, fps, floor, cfg)
    return CameraPath(rot, centres), planted, floor
