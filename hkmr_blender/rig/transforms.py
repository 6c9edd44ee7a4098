"""Rig math for SMPL → Blender, numpy only (Blender ships numpy, not torch/scipy).

Conventions
- Rotation matrices act on column vectors; batches are leading axes: (..., 3, 3).
- Axis-angle (..., 3); quaternions WXYZ (..., 4), Blender's order.
- SMPL's canonical frame is Y-up (metres, body facing +Z); Blender is Z-up. ``C_Y_TO_Z`` is the
  +90° rotation about X that maps the first into the second: (x, y, z) ↦ (x, −z, y). It, the
  axis-angle/quaternion conversions and ``convert_up_axis`` live in :mod:`.base.rotations` (core's
  ``hkmr convert`` needs them too) and are re-exported here.
- SMPL forward kinematics: global orientation R₀ rotates the body about the pelvis joint J₀,
  then ``trans`` is added: pelvis world = J₀ + trans; joint i world = G_p·(J_i − J_p) + joint p.
"""
from __future__ import annotations

import numpy as np

from ..base.rotations import (
    C_Y_TO_Z,
    axis_angle_to_matrix,
    convert_up_axis,
    matrix_to_axis_angle,
    matrix_to_quaternion,
)

__all__ = ["C_Y_TO_Z", "axis_angle_to_matrix", "matrix_to_axis_angle", "matrix_to_quaternion",
           "quaternion_to_matrix", "quaternion_continuity", "slerp", "resample", "fill_invalid",
           "rest_conjugate", "root_location", "local_from_pose",
           "convert_up_axis", "gaussian_smooth", "smooth_quaternions"]


def quaternion_to_matrix(q: np.ndarray) -> np.ndarray:
    """(..., 4) WXYZ (any norm > 0) → (..., 3, 3) rotation."""
    q = np.asarray(q, dtype=np.float64)
    q = q / np.linalg.norm(q, axis=-1, keepdims=True)
    w, x, y, z = np.moveaxis(q, -1, 0)
    out = np.stack([1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y),
                    2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x),
                    2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)], axis=-1)
    return out.reshape(q.shape[:-1] + (3, 3))


def quaternion_continuity(q: np.ndarray) -> np.ndarray:
    """Flip signs along axis 0 (time) so consecutive quaternions have a non-negative dot
    product; Blender then interpolates the short way. (F, ..., 4) → same shape."""
    q = np.array(q, dtype=np.float64, copy=True)
    if len(q) < 2:
        return q
    dots = np.sum(q[1:] * q[:-1], axis=-1)
    flips = np.cumprod(np.where(dots < 0, -1.0, 1.0), axis=0)
    q[1:] *= flips[..., None]
    return q


def slerp(q0: np.ndarray, q1: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Spherical interpolation of unit quaternions (..., 4) at t (...,) ∈ [0, 1], shortest arc."""
    dot = np.sum(q0 * q1, axis=-1)
    q1 = np.where(dot[..., None] < 0, -q1, q1)
    dot = np.clip(np.abs(dot), 0.0, 1.0)
    theta = np.arccos(dot)
    sin = np.sin(theta)
    near = sin < 1e-6  # nearly identical: linear interpolation is exact to float precision
    safe = np.where(near, 1.0, sin)
    w0 = np.where(near, 1.0 - t, np.sin((1.0 - t) * theta) / safe)
    w1 = np.where(near, t, np.sin(t * theta) / safe)
    out = w0[..., None] * q0 + w1[..., None] * q1
    return out / np.linalg.norm(out, axis=-1, keepdims=True)


def _brackets(times: np.ndarray, new_times: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Indices i0, i1 and weight w with new_t = (1−w)·t[i0] + w·t[i1]; clamped at the ends."""
    i1 = np.clip(np.searchsorted(times, new_times, side="right"), 1, len(times) - 1)
    i0 = i1 - 1
    span = times[i1] - times[i0]
    w = np.clip((new_times - times[i0]) / np.where(span > 0, span, 1.0), 0.0, 1.0)
    return i0, i1, w


def resample(times: np.ndarray, quats: np.ndarray, trans: np.ndarray, new_times: np.ndarray
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """SLERP quaternions (F,...,4) and lerp translations (F,3) from ``times`` (F,) seconds,
    strictly increasing, to ``new_times`` (K,). Returns (quats (K,J,4), trans (K,3), i0, i1, w)."""
    times = np.asarray(times, np.float64)
    if len(times) == 1:
        k = len(new_times)
        zeros = np.zeros(k, dtype=np.int64)
        return np.repeat(quats, k, 0), np.repeat(trans, k, 0), zeros, zeros, np.zeros(k)
    i0, i1, w = _brackets(times, np.asarray(new_times, np.float64))
    q0 = quats[i0]
    q = slerp(q0, quats[i1], np.broadcast_to(w.reshape((-1,) + (1,) * (q0.ndim - 2)), q0.shape[:-1]))
    t = (1.0 - w)[:, None] * trans[i0] + w[:, None] * trans[i1]
    return q, t, i0, i1, w


def fill_invalid(times: np.ndarray, quats: np.ndarray, trans: np.ndarray, bad: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Replace frames where ``bad`` (F,) is True by SLERP/lerp between the nearest good frames
    (held constant before the first and after the last good frame). Needs ≥ 1 good frame."""
    good = ~np.asarray(bad, bool)
    if good.all():
        return quats, trans
    if not good.any():
        raise ValueError("every frame is marked invalid or low-confidence: nothing to interpolate from")
    q, t, *_ = resample(np.asarray(times)[good], quats[good], trans[good], np.asarray(times)[~good])
    quats, trans = quats.copy(), trans.copy()
    quats[~good], trans[~good] = q, t
    return quats, trans


def rest_conjugate(rot: np.ndarray, bone_rest: np.ndarray, frame: np.ndarray = C_Y_TO_Z) -> np.ndarray:
    """Joint-local rotations R (..., J, 3, 3) in the motion's frame → pose-bone rotations
    ``B⁻¹ · A · R · A⁻¹ · B`` for bones with armature-space rest rotations B (J, 3, 3)
    (``bone.matrix_local.to_3x3()``), where A (3, 3) maps the motion's frame into armature space
    (``C_Y_TO_Z`` for an unrotated armature; ``M_rot⁻¹ · C`` when the object is rotated by M).
    Exact for ANY rest orientation and roll: the bone's world delta B·R_bone·B⁻¹ equals A·R·A⁻¹."""
    b = np.asarray(bone_rest, np.float64)
    bt = np.swapaxes(b, -1, -2)  # B is a rotation: B⁻¹ = Bᵀ
    return bt @ frame @ rot @ frame.T @ b


def root_location(trans: np.ndarray, root_rest: np.ndarray, frame: np.ndarray = C_Y_TO_Z,
                  scale: float = 1.0) -> np.ndarray:
    """SMPL ``trans`` (F, 3) → the root pose-bone's ``location`` (F, 3).

    SMPL rotates the body about J₀ and then adds ``trans``, so the pelvis sits at J₀ + trans.
    Blender rotates the root bone about its own head, which rests at A·J₀; a pose-bone location
    ℓ moves the head by B₀·ℓ in armature space. Hence ℓ = B₀ᵀ · A · trans / scale (``scale`` is
    the armature object's uniform scale) — no R·J₀ term appears because both rotate about J₀."""
    return (np.asarray(trans, np.float64) @ (np.asarray(root_rest).T @ frame).T) / scale


def local_from_pose(pose_rot: np.ndarray, bone_rest: np.ndarray, parents) -> np.ndarray:
    """Posed armature-space bone rotations P (F, J, 3, 3) and rests B (J, 3, 3) → joint-local
    rotations L with G_i = P_i·B_iᵀ = G_parent·L_i (armature frame). Inverse of :func:`rest_conjugate`
    chained through the tree; used to bake/retarget evaluated poses (visual keying)."""
    g = pose_rot @ np.swapaxes(bone_rest, -1, -2)
    out = np.empty_like(g)
    for i, p in enumerate(parents):
        out[:, i] = g[:, i] if p < 0 else np.swapaxes(g[:, p], -1, -2) @ g[:, i]
    return out


def gaussian_smooth(x: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian filter along axis 0 (frames), edges padded by reflection. sigma in frames; 0 = copy."""
    x = np.asarray(x, np.float64)
    if sigma <= 0 or len(x) < 2:
        return x.copy()
    radius = int(np.ceil(3 * sigma))
    k = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    k /= k.sum()
    pad = np.pad(x, [(radius, radius)] + [(0, 0)] * (x.ndim - 1), mode="reflect" if len(x) > radius else "edge")
    out = np.zeros_like(x)
    for i, w in enumerate(k):
        out += w * pad[i:i + len(x)]
    return out


def smooth_quaternions(q: np.ndarray, sigma: float) -> np.ndarray:
    """Smooth rotations (F, ..., 4) on the sphere: sign-continuous, Gaussian-averaged, renormalised."""
    out = gaussian_smooth(quaternion_continuity(q), sigma)
    return out / np.linalg.norm(out, axis=-1, keepdims=True)
