"""Body poses for synthetic data: per-joint axis-angle limits, random poses, smooth clips.

Each joint's local rotation is a rotation vector (x, y, z) in SMPL's rest frame (Y-up, the
body faces +Z, its left is +X), and every component stays in a box [lo, hi] (radians). The
left-side limits are typed once; the right side is their mirror (x kept, y and z negated and
swapped), so the sampler is left/right symmetric. Signs, for the body's left side:

- hip x < 0 swings the thigh forward (flexion); knee x > 0 bends the knee; ankle x > 0 points
  the toes down; spine/neck/head x > 0 bends forward;
- hip z > 0 / shoulder z > 0 moves the limb up and outwards (abduction; shoulder z = −1.5
  lets the arm hang, z = 0 is the T-pose); shoulder y < 0 swings the arm forward; elbow y < 0
  folds the forearm forward; x about the limb's long axis is twist.

=============  ================  ================  ================  ===========================
joint          x (lo, hi)        y (lo, hi)        z (lo, hi)        neutral (x, y, z)
=============  ================  ================  ================  ===========================
pelvis         global orientation (sampled separately)
spine1/2/3     (−0.25, 0.45)     (−0.35, 0.35)     (−0.25, 0.25)     0
neck           (−0.35, 0.5)      (−0.5, 0.5)       (−0.3, 0.3)       0
head           (−0.35, 0.45)     (−0.55, 0.55)     (−0.3, 0.3)       0
left hip       (−1.9, 0.45)      (−0.5, 0.6)       (−0.25, 0.75)     (−0.05, 0, 0.05)
left knee      (0.0, 2.3)        (−0.1, 0.1)       (−0.05, 0.05)     (0.1, 0, 0)
left ankle     (−0.35, 0.65)     (−0.3, 0.3)       (−0.25, 0.25)     0
left foot      (−0.3, 0.35)      (0, 0)            (0, 0)            0
left collar    (−0.1, 0.1)       (−0.3, 0.25)      (−0.2, 0.35)      0
left shoulder  (−0.9, 0.9)       (−1.5, 0.5)       (−1.45, 1.1)      (0, −0.1, −1.2)
left elbow     (−0.5, 0.5)       (−2.3, 0.0)       (−0.1, 0.1)       (0, −0.3, 0)
left wrist     (−0.7, 0.7)       (−0.4, 0.4)       (−0.8, 0.8)       0
left hand      (−0.2, 0.2)       (−0.2, 0.2)       (−0.4, 0.4)       0
=============  ================  ================  ================  ===========================

A random pose is ``neutral + a · (u − neutral)`` per component with u ~ U(lo, hi) and an
activity a ~ U(0.25, 1) per joint: a convex mix of two in-range values, so always in range,
with natural poses more frequent than extreme ones. Clips interpolate random key poses with a
uniform cubic B-spline, whose weights are non-negative and sum to 1, so every frame stays
in range and the motion is C²-smooth.
"""
from __future__ import annotations

import cv2
import numpy as np

from hkmr_blender.base.skeleton import NUM_JOINTS, NUM_POSE_PARAMS

__all__ = ["POSE_LIMITS", "NEUTRAL_POSE", "within_limits", "sample_body_pose", "sample_global_orient",
           "compose_global_orient", "sample_tilt", "bspline_clip", "sample_clip_motion"]

_LEFT = {  # joint: ((xlo, xhi), (ylo, yhi), (zlo, zhi), neutral xyz)
    1: ((-1.9, 0.45), (-0.5, 0.6), (-0.25, 0.75), (-0.05, 0, 0.05)),
    4: ((0.0, 2.3), (-0.1, 0.1), (-0.05, 0.05), (0.1, 0, 0)),
    7: ((-0.35, 0.65), (-0.3, 0.3), (-0.25, 0.25), (0, 0, 0)),
    10: ((-0.3, 0.35), (0, 0), (0, 0), (0, 0, 0)),
    13: ((-0.1, 0.1), (-0.3, 0.25), (-0.2, 0.35), (0, 0, 0)),
    16: ((-0.9, 0.9), (-1.5, 0.5), (-1.45, 1.1), (0, -0.1, -1.2)),
    18: ((-0.5, 0.5), (-2.3, 0.0), (-0.1, 0.1), (0, -0.3, 0)),
    20: ((-0.7, 0.7), (-0.4, 0.4), (-0.8, 0.8), (0, 0, 0)),
    22: ((-0.2, 0.2), (-0.2, 0.2), (-0.4, 0.4), (0, 0, 0)),
}
_CENTRE = {
    3: ((-0.25, 0.45), (-0.35, 0.35), (-0.25, 0.25)), 6: ((-0.25, 0.45), (-0.35, 0.35), (-0.25, 0.25)),
    9: ((-0.25, 0.45), (-0.35, 0.35), (-0.25, 0.25)), 12: ((-0.35, 0.5), (-0.5, 0.5), (-0.3, 0.3)),
    15: ((-0.35, 0.45), (-0.55, 0.55), (-0.3, 0.3)),
}
_MIRROR = {1: 2, 4: 5, 7: 8, 10: 11, 13: 14, 16: 17, 18: 19, 20: 21, 22: 23}


def _tables() -> tuple[np.ndarray, np.ndarray]:
    limits = np.zeros((NUM_JOINTS, 3, 2))
    neutral = np.zeros((NUM_JOINTS, 3))
    limits[0] = [[-np.pi, np.pi]] * 3  # global orientation: unconstrained here
    for j, lim in _CENTRE.items():
        limits[j] = lim
    for j, (lx, ly, lz, neu) in _LEFT.items():
        limits[j] = (lx, ly, lz)
        neutral[j] = neu
        r = _MIRROR[j]
        limits[r] = (lx, (-ly[1], -ly[0]), (-lz[1], -lz[0]))
        neutral[r] = (neu[0], -neu[1], -neu[2])
    return limits, neutral


#: (24, 3, 2) [lo, hi] per joint and axis-angle component (radians; joint 0 unconstrained).
#: (24, 3) neutral pose the sampler mixes towards.
POSE_LIMITS, NEUTRAL_POSE = _tables()


def within_limits(pose: np.ndarray, tol: float = 1e-9) -> np.ndarray:
    """(..., 72) or (..., 24, 3) axis-angle → (...) bool: every body joint (1–23) in its box."""
    p = np.asarray(pose).reshape(*np.shape(pose)[:-1], NUM_JOINTS, 3) if np.shape(pose)[-1] == NUM_POSE_PARAMS else np.asarray(pose)
    b = p[..., 1:, :]
    return np.all((b >= POSE_LIMITS[1:, :, 0] - tol) & (b <= POSE_LIMITS[1:, :, 1] + tol), axis=(-2, -1))


def sample_body_pose(rng: np.random.Generator, n: int = 1) -> np.ndarray:
    """(n, 24, 3) random poses within :data:`POSE_LIMITS`; joint 0 (global orientation) is zero."""
    u = rng.uniform(POSE_LIMITS[:, :, 0], POSE_LIMITS[:, :, 1], (n, NUM_JOINTS, 3))
    a = rng.uniform(0.25, 1.0, (n, NUM_JOINTS, 1))
    pose = NEUTRAL_POSE + a * (u - NEUTRAL_POSE)
    pose[:, 0] = 0.0
    return pose


def compose_global_orient(yaw: np.ndarray, tilt: np.ndarray) -> np.ndarray:
    """(n,) yaw (rad, about the body's vertical axis) and (n, 3) tilt rotation vectors (SMPL
    frame) → (n, 3) camera-frame global orientations ``Rx(π) · tilt · yaw``: a 180° turn
    about x maps SMPL's Y-up body to the camera's y-down frame, facing the camera at yaw 0."""
    flip = np.diag([1.0, -1.0, -1.0])  # rotation by π about x
    out = np.zeros((len(yaw), 3))
    for i, (y, t) in enumerate(zip(yaw, tilt)):
        r = flip @ cv2.Rodrigues(np.asarray(t, np.float64).reshape(3, 1))[0] @ cv2.Rodrigues(np.array([0.0, y, 0.0]))[0]
        out[i] = cv2.Rodrigues(r)[0].reshape(3)
    return out


def sample_tilt(rng: np.random.Generator, n: int = 1, max_tilt: float = 0.35) -> np.ndarray:
    """(n, 3) rotation vectors about random horizontal axes (SMPL frame), angle ≤ ``max_tilt``."""
    ax = rng.normal(size=(n, 3)) * [1.0, 0.0, 1.0]
    ax /= np.maximum(np.linalg.norm(ax, axis=1, keepdims=True), 1e-9)
    return ax * rng.uniform(0, max_tilt, (n, 1))


def sample_global_orient(rng: np.random.Generator, n: int = 1, max_tilt: float = 0.35,
                         yaw_max: float = np.pi) -> np.ndarray:
    """(n, 3) camera-frame global orientations: yaw ~ U(−``yaw_max``, ``yaw_max``) (0 = facing the
    camera; π = all the way round), tilt ≤ ``max_tilt`` rad."""
    if not 0 <= yaw_max <= np.pi:
        raise ValueError(f"yaw_max must be in [0, π] radians, got {yaw_max}")
    return compose_global_orient(rng.uniform(-yaw_max, yaw_max, n), sample_tilt(rng, n, max_tilt))


def bspline_clip(keys: np.ndarray, frames: int) -> np.ndarray:
    """Uniform cubic B-spline through control points ``keys`` (K, ...) sampled at ``frames``
    evenly spaced times → (frames, ...). Needs K ≥ 4; stays in the control points' convex hull."""
    keys = np.asarray(keys, np.float64)
    k = len(keys)
    if k < 4:
        raise ValueError(f"a cubic B-spline clip needs at least 4 key poses, got {k}")
    t = np.linspace(0, k - 3, frames, endpoint=False) if frames > 1 else np.zeros(1)
    seg = np.minimum(t.astype(int), k - 4)
    s = (t - seg)[:, None]
    w = np.concatenate([(1 - s) ** 3, 3 * s**3 - 6 * s**2 + 4, -3 * s**3 + 3 * s**2 + 3 * s + 1, s**3], 1) / 6
    idx = seg[:, None] + np.arange(4)
    return np.einsum("fk,fk...->f...", w, keys[idx])


def sample_clip_motion(rng: np.random.Generator, frames: int, key_every: int = 12, max_tilt: float = 0.35,
                       yaw_max: float = np.pi) -> np.ndarray:
    """(frames, 72) camera-frame axis-angle poses of one smooth clip: a B-spline through random key
    poses every ``key_every`` frames; the yaw is a random walk through the keys (clipped to
    ±``yaw_max``, so the spline stays inside), one tilt for the clip."""
    nkeys = frames // key_every + 4
    body = bspline_clip(sample_body_pose(rng, nkeys), frames)
    walk = np.cumsum(rng.normal(0, 0.6, nkeys)) + rng.uniform(-yaw_max, yaw_max)
    if yaw_max < np.pi:
        walk = np.clip(walk, -yaw_max, yaw_max)
    yaw = bspline_clip(walk, frames)
    poses = body.reshape(frames, NUM_POSE_PARAMS)
    poses[:, :3] = compose_global_orient(yaw, np.repeat(sample_tilt(rng, 1, max_tilt), frames, 0))
    return poses
