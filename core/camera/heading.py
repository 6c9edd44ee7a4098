"""The body's heading from where it goes: a moving camera's fit turns a side-on body towards the camera.

Seen side-on, BlazePose's 3D world landmarks put the hip line 8–14° off towards the camera (the shoulders 1–9°;
measured against the truth of rendered CMU subjects 3 and 7 and the procedural walk, docs/experiments.md "Moving
camera, part 4"), and the 2D landmarks barely see the difference, so the fitted root faces 6–20° too much towards
the camera. On a static camera that error stays in the body; with a moving camera it reaches the world: the
root's heading and the path it travels disagree (a crab walk), and root motion exported from it drives a
character sideways. People walk, run and jump mostly where they face: over the frames where the fitted pelvis
moves fast and within ``gate`` of the fitted facing, the speed-weighted circular mean of the angle between
travel and facing is what the root's heading is off by (the truth of the tuning clips: 0.2°, −0.8°, −3.6°).
Frames moving sideways or backwards fall outside the gate; too few forward frames (a person in place, a clip
of side steps) give no correction.

Frames: the moving camera's reference frame (:mod:`core.camera.path`: first camera's axes, OpenCV y down),
``up`` the floor's normal in it (towards the person). Used by :func:`core.fitting.clip.fit_clip` on the moving-camera
path only (a static camera's fit is untouched), between the first pass and the foot-lock pass. Since the fit itself
undoes most of the bias by view (:mod:`core.fitting.facing`), this turn corrects what is left from the travel; on the
five follow tuning clips it still lowers the root error summed 1,156 → 955 mm (docs/experiments.md "Moving camera,
part 5")."""
from __future__ import annotations

import numpy as np
from scipy.ndimage import gaussian_filter1d

__all__ = ["WINDOW", "heading_offset", "turn_about_up", "turned_to_travel"]

#: Pelvis speed (m/s, smoothed over 0.25 s) above which a frame says where the person goes: a slow walk is ~1 m/s.
MIN_SPEED = 0.4
#: Frames whose travel is more than this off the fitted facing are side or back steps: not used (degrees).
GATE_DEG = 45.0
#: At least this much of the clip (s) must move forward for a correction.
MIN_TIME = 1.0
#: The largest correction (degrees): the detector's bias is 6–20°; more is a motion this rule does not describe.
MAX_DEG = 25.0
#: The bias follows the view (it changes as the camera pans and the person turns): per frame the mean over a
#: Gaussian window of this σ (s). Tuning clips, estimated camera, root error summed over six: one offset for the
#: clip 1,390 mm, σ 1.5 s 1,332 mm (docs/experiments.md "Moving camera, part 4").
WINDOW = 1.5


def _yaw_in_plane(vectors: np.ndarray, up: np.ndarray) -> np.ndarray:
    """(F,) angle of each (F,3) vector's projection on the plane ⊥ ``up``, about ``up``, from a fixed axis."""
    a = np.cross(up, [1.0, 0.0, 0.0] if abs(up[0]) < 0.9 else [0.0, 0.0, 1.0])
    a /= np.linalg.norm(a)
    b = np.cross(up, a)
    return np.arctan2(vectors @ b, vectors @ a)


def heading_offset(pelvis: np.ndarray, forward: np.ndarray, up: np.ndarray, valid: np.ndarray, fps: float,
                   min_speed: float = MIN_SPEED, gate_deg: float = GATE_DEG, min_time: float = MIN_TIME,
                   max_deg: float = MAX_DEG, window: float | None = WINDOW) -> float | np.ndarray:
    """pelvis (F,3) and the root's forward axis (F,3) in the reference frame, up (3,), valid (F,) → the angle
    (radians, about ``up``, right-handed) that turns the fitted facing onto the direction of travel: per frame (F,)
    over a Gaussian window of σ ``window`` s (drawn towards the clip's mean where the window holds no forward
    frames, clipped to ±``max_deg``), or one for the clip (``window=None``); 0.0 when fewer than ``min_time`` s of
    valid frames move forward faster than ``min_speed`` or the clip's mean exceeds ``max_deg``."""
    up = np.asarray(up, np.float64) / np.linalg.norm(up)
    valid = np.asarray(valid, bool)
    if valid.sum() < 3:
        return 0.0
    idx = np.flatnonzero(valid)
    p = np.stack([np.interp(np.arange(len(pelvis)), idx, np.asarray(pelvis, np.float64)[idx, c]) for c in range(3)], 1)
    vel = np.gradient(gaussian_filter1d(p, max(0.25 * fps, 0.5), axis=0, mode="nearest"), axis=0) * fps
    vel = vel - np.outer(vel @ up, up)
    speed = np.linalg.norm(vel, axis=1)
    d = _yaw_in_plane(vel, up) - _yaw_in_plane(np.asarray(forward, np.float64), up)
    d = (d + np.pi) % (2 * np.pi) - np.pi
    use = valid & (speed > min_speed) & (np.abs(d) < np.radians(gate_deg))
    if use.sum() < min_time * fps:
        return 0.0
    w = speed[use]
    off = float(np.arctan2((w * np.sin(d[use])).sum(), (w * np.cos(d[use])).sum()))
    if abs(off) > np.radians(max_deg):
        return 0.0
    if window is None:
        return off
    # per frame: the same mean over a Gaussian window in time, drawn towards the clip's by its weight
    ws = np.where(use, speed, 0.0)
    sig = max(window * fps, 1.0)
    s_ = gaussian_filter1d(ws * np.sin(d), sig, mode="constant") + 1e-3 * min_speed * np.sin(off)
    c_ = gaussian_filter1d(ws * np.cos(d), sig, mode="constant") + 1e-3 * min_speed * np.cos(off)
    local = np.arctan2(s_, c_)
    return np.clip(local, -np.radians(max_deg), np.radians(max_deg))


def turn_about_up(rotations: np.ndarray, up: np.ndarray, angle) -> np.ndarray:
    """(F,3,3) per-frame camera-frame rotations that turn by ``angle`` (radians, one or (F,)) about the world's
    ``up`` (reference frame), for a camera with ``rotations`` (F,3,3) reference → camera t: ``R_t · Rot(up, angle) · R_tᵀ``."""
    up = np.asarray(up, np.float64) / np.linalg.norm(up)
    k = np.array([[0, -up[2], up[1]], [up[2], 0, -up[0]], [-up[1], up[0], 0]])
    r = np.asarray(rotations, np.float64)
    a = np.broadcast_to(np.asarray(angle, np.float64), (len(r),))[:, None, None]
    turn = np.eye(3) + np.sin(a) * k + (1 - np.cos(a)) * (k @ k)
    return np.einsum("fij,fjk,flk->fil", r, turn, r)


def turned_to_travel(root: np.ndarray, points: np.ndarray, pelvis: np.ndarray, rotations: np.ndarray, up: np.ndarray,
                     valid: np.ndarray, fps: float) -> tuple[np.ndarray, np.ndarray] | None:
    """A moving camera's fitted body turned to face where it goes: root (F,3,3) camera-frame root orientations,
    points (F,N,3) camera-frame vectors that turn with the body (the hip-centred 3D landmarks the fit follows),
    pelvis (F,3) in the reference frame, rotations (F,3,3) reference → camera t, up (3,) the floor's normal in the
    reference frame → (root, points) turned about ``up`` by :func:`heading_offset` (about the pelvis: positions
    stay), or None when there is no turn."""
    forward = np.einsum("fji,fj->fi", rotations, root[:, :, 2])           # the body faces +Z (SMPL)
    angle = heading_offset(pelvis, forward, up, valid, fps)
    if np.all(angle == 0.0):
        return None
    turn = turn_about_up(rotations, up, angle)
    return np.einsum("fij,fjk->fik", turn, root), np.einsum("fij,fnj->fni", turn, points)
