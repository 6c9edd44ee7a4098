"""Rotations and the world up-axis change, numpy only (shared by core's ``hkmr convert`` and the add-on).

Rotation matrices act on column vectors; batches are leading axes: (..., 3, 3). Axis-angle (..., 3);
quaternions WXYZ (..., 4), Blender's order. SMPL's canonical frame is Y-up (metres, body facing +Z);
Blender and AMASS are Z-up. ``C_Y_TO_Z`` is the +90° rotation about X that maps the first into the
second: (x, y, z) ↦ (x, −z, y).
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from .motion import MotionFileError

__all__ = ["C_Y_TO_Z", "axis_angle_to_matrix", "matrix_to_quaternion", "matrix_to_axis_angle", "convert_up_axis",
           "to_file_up_axis"]

C_Y_TO_Z = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, -1.0], [0.0, 1.0, 0.0]])

_SMALL = 1e-8


def axis_angle_to_matrix(aa: np.ndarray) -> np.ndarray:
    """Rodrigues: (..., 3) axis-angle → (..., 3, 3); exact to float precision near zero."""
    aa = np.asarray(aa, dtype=np.float64)
    theta2 = np.sum(aa * aa, axis=-1)[..., None, None]
    theta = np.sqrt(theta2)
    small = theta2 < _SMALL
    safe = np.where(small, 1.0, theta)
    a = np.where(small, 1.0 - theta2 / 6.0, np.sin(safe) / safe)                       # sin θ / θ
    b = np.where(small, 0.5 - theta2 / 24.0, (1.0 - np.cos(safe)) / (safe * safe))   # (1 − cos θ) / θ²
    x, y, z = aa[..., 0], aa[..., 1], aa[..., 2]
    zero = np.zeros_like(x)
    k = np.stack([zero, -z, y, z, zero, -x, -y, x, zero], axis=-1).reshape(aa.shape[:-1] + (3, 3))
    return np.eye(3) + a * k + b * (k @ k)


def matrix_to_quaternion(m: np.ndarray) -> np.ndarray:
    """(..., 3, 3) rotation → (..., 4) unit quaternion WXYZ with w ≥ 0 (Shepperd's method)."""
    m = np.asarray(m, dtype=np.float64)
    m00, m11, m22 = m[..., 0, 0], m[..., 1, 1], m[..., 2, 2]
    # four candidate 4·q_k² values; pick the largest for numerical stability
    cand = np.stack([1 + m00 + m11 + m22, 1 + m00 - m11 - m22,
                     1 - m00 + m11 - m22, 1 - m00 - m11 + m22], axis=-1)
    best = np.argmax(cand, axis=-1)
    d = lambda i, j: m[..., i, j]  # noqa: E731
    rows = [np.stack([cand[..., 0], d(2, 1) - d(1, 2), d(0, 2) - d(2, 0), d(1, 0) - d(0, 1)], -1),
            np.stack([d(2, 1) - d(1, 2), cand[..., 1], d(1, 0) + d(0, 1), d(0, 2) + d(2, 0)], -1),
            np.stack([d(0, 2) - d(2, 0), d(1, 0) + d(0, 1), cand[..., 2], d(2, 1) + d(1, 2)], -1),
            np.stack([d(1, 0) - d(0, 1), d(0, 2) + d(2, 0), d(2, 1) + d(1, 2), cand[..., 3]], -1)]
    q = np.take_along_axis(np.stack(rows, axis=-2), best[..., None, None], axis=-2)[..., 0, :]
    q = q / np.linalg.norm(q, axis=-1, keepdims=True)
    return np.where(q[..., :1] < 0, -q, q)


def matrix_to_axis_angle(m: np.ndarray) -> np.ndarray:
    """(..., 3, 3) rotation → (..., 3) axis-angle with angle in [0, π]."""
    q = matrix_to_quaternion(m)
    v = q[..., 1:]
    s = np.linalg.norm(v, axis=-1, keepdims=True)
    angle = 2.0 * np.arctan2(s, q[..., :1])
    small = s < 1e-12
    return np.where(small, 2.0 * v, v * angle / np.where(small, 1.0, s))


def convert_up_axis(motion, to: str):
    """A Motion re-expressed in the world frame ``to`` ("y": SMPL canonical, "z": AMASS-style).

    The world is rotated by A about the origin (A = C_Y_TO_Z or its inverse). SMPL puts the pelvis at
    J₀ + trans and orients it by R₀, so the new root is R₀' = A·R₀ and trans' = A·(J₀ + trans) − J₀.
    Needs ``motion.rest_joints`` (J₀ depends on the body's betas)."""
    if to not in ("y", "z"):
        raise ValueError(f"up axis must be 'y' or 'z', got {to!r}")
    if motion.up_axis == to:
        return motion
    if motion.rest_joints is None:
        raise ValueError("converting the up axis needs rest_joints (the pelvis position J0 for these betas); "
                         "fill them from the body model first")
    a = C_Y_TO_Z if to == "z" else C_Y_TO_Z.T
    j0 = np.asarray(motion.rest_joints, np.float64)[0]
    poses = np.array(motion.poses, np.float64, copy=True)
    poses[:, :3] = matrix_to_axis_angle(a @ axis_angle_to_matrix(poses[:, :3]))
    trans = (np.asarray(motion.trans) + j0) @ a.T - j0
    view = motion.view                       # world → camera: P_cam = R Aᵀ P_world' + t
    if view is not None:
        view = replace(view, R=np.asarray(view.R, np.float64) @ a.T)
    return replace(motion, poses=poses, trans=trans, up_axis=to, view=view)


def to_file_up_axis(motion, up_axis: str, path, kind: str):
    """``motion`` in the up axis a file format stores (``kind`` names the format for the message); turning it
    needs the rest joints (the pelvis position), else a MotionFileError that names the file and the fix."""
    if motion.up_axis == up_axis:
        return motion
    if motion.rest_joints is None:
        raise MotionFileError(f"{path}: {kind} files are {up_axis.upper()}-up; turning this {motion.up_axis}-up "
                              "motion needs its rest joints (pelvis position). Convert with "
                              "`hkmr convert IN OUT --body MODEL`")
    return convert_up_axis(motion, up_axis)
