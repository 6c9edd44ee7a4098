"""3D joint errors (SPIN's definitions): MPJPE and PA-MPJPE.

Errors are computed after aligning both skeletons at the mean of the ``align`` joints (by
default the two hips of LSP's 14 joints, :data:`SMPL_TO_LSP14`, the joints SPIN evaluates on
H36M) and returned in the input units (metres for the project's data; ×1000 for mm).
PA-MPJPE ("reconstruction error") first applies the similarity transform (rotation, uniform
scale, translation) that best maps the prediction onto the ground truth (Umeyama/Procrustes,
via ``roma.rigid_points_registration``), per sample. Used by ``training.evaluate`` and
``hkmr demo``.
"""
from __future__ import annotations

import roma
import torch

__all__ = ["SMPL_TO_LSP14", "HIPS_LSP14", "procrustes_align", "mpjpe", "pa_mpjpe"]

#: LSP order (R ankle, R knee, R hip, L hip, L knee, L ankle, R wrist, R elbow, R shoulder,
#: L shoulder, L elbow, L wrist, neck, head) as SMPL joint ids.
SMPL_TO_LSP14 = (8, 5, 2, 1, 4, 7, 21, 19, 17, 16, 18, 20, 12, 15)
#: The hips in LSP-14 order: the default alignment joints of :func:`mpjpe`.
HIPS_LSP14 = (2, 3)


def procrustes_align(pred: torch.Tensor, gt: torch.Tensor, weights: torch.Tensor | None = None) -> torch.Tensor:
    """(B, J, 3) → pred mapped by the best similarity transform onto gt (float64 inside)."""
    p, g = pred.double(), gt.double()
    w = None if weights is None else weights.double()
    rot, t, s = roma.rigid_points_registration(p, g, weights=w, compute_scaling=True)
    return (s[:, None, None] * (p @ rot.transpose(1, 2)) + t[:, None]).to(pred.dtype)


def _mean_err(pred: torch.Tensor, gt: torch.Tensor, vis: torch.Tensor | None) -> torch.Tensor:
    err = (pred - gt).norm(dim=-1)
    if vis is None:
        return err.mean(-1)
    return (err * vis).sum(-1) / vis.sum(-1).clamp_min(1e-9)


def mpjpe(pred: torch.Tensor, gt: torch.Tensor, vis: torch.Tensor | None = None,
          align: tuple[int, ...] = HIPS_LSP14) -> torch.Tensor:
    """Mean per-joint position error after aligning both sets at the mean of joints ``align``.
    pred/gt (B, J, 3), vis (B, J) optional 0/1 → (B,)."""
    ia = list(align)
    return _mean_err(pred - pred[:, ia].mean(1, keepdim=True), gt - gt[:, ia].mean(1, keepdim=True), vis)


def pa_mpjpe(pred: torch.Tensor, gt: torch.Tensor, vis: torch.Tensor | None = None) -> torch.Tensor:
    """MPJPE after Procrustes alignment (rotation + scale + translation) → (B,)."""
    return _mean_err(procrustes_align(pred, gt, vis), gt, vis)
