"""Rotation conversions in torch: 6D (SPIN layout) ↔ matrix ↔ axis-angle ↔ quaternion.

Thin, documented wrappers over roma (BSD-3) so the whole project speaks one convention:

- **6D** is SPIN's: the first two *columns* of the rotation matrix, stored row-major as a
  (3, 2) view → shape (..., 6) = [R00, R01, R10, R11, R20, R21]; decoded by Gram–Schmidt.
- **axis-angle** (rotation vector): (..., 3), angle = norm in radians (SMPL's ``poses``).
- **quaternions** are **WXYZ** here (Blender's order); roma's XYZW is converted at the edge.
- Matrices act on column vectors: ``x_world = R @ x_local``.
"""
from __future__ import annotations

import roma
import torch

__all__ = ["rot6d_to_matrix", "matrix_to_rot6d", "axis_angle_to_matrix", "matrix_to_axis_angle",
           "matrix_to_quaternion", "quaternion_to_matrix", "axis_angle_to_rot6d"]


def rot6d_to_matrix(x: torch.Tensor) -> torch.Tensor:
    """(..., 6) SPIN-layout 6D → (..., 3, 3) rotation matrices (Gram–Schmidt on the columns)."""
    if x.shape[-1] != 6:
        raise ValueError(f"6D rotations need a last dimension of 6, got {tuple(x.shape)}")
    return roma.special_gramschmidt(x.reshape(*x.shape[:-1], 3, 2))


def matrix_to_rot6d(rotmat: torch.Tensor) -> torch.Tensor:
    """(..., 3, 3) → (..., 6): the first two columns in SPIN's (3, 2) row-major layout."""
    return rotmat[..., :, :2].reshape(*rotmat.shape[:-2], 6)


def axis_angle_to_matrix(rotvec: torch.Tensor) -> torch.Tensor:
    """(..., 3) rotation vectors (radians) → (..., 3, 3)."""
    return roma.rotvec_to_rotmat(rotvec)


def matrix_to_axis_angle(rotmat: torch.Tensor) -> torch.Tensor:
    """(..., 3, 3) → (..., 3) rotation vectors with angle in [0, π]."""
    return roma.rotmat_to_rotvec(rotmat)


def axis_angle_to_rot6d(rotvec: torch.Tensor) -> torch.Tensor:
    """(..., 3) → (..., 6) SPIN-layout 6D."""
    return matrix_to_rot6d(axis_angle_to_matrix(rotvec))


def matrix_to_quaternion(rotmat: torch.Tensor) -> torch.Tensor:
    """(..., 3, 3) → (..., 4) unit quaternions, **WXYZ**, with w ≥ 0."""
    q = roma.rotmat_to_unitquat(rotmat)  # XYZW
    q = torch.cat([q[..., 3:], q[..., :3]], dim=-1)
    return torch.where(q[..., :1] < 0, -q, q)


def quaternion_to_matrix(quat: torch.Tensor) -> torch.Tensor:
    """(..., 4) quaternions, **WXYZ** (normalised here) → (..., 3, 3)."""
    q = torch.cat([quat[..., 1:], quat[..., :1]], dim=-1)
    return roma.unitquat_to_rotmat(q / q.norm(dim=-1, keepdim=True))
