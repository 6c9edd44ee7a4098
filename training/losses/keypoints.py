"""Joint losses: 3D joints L1 (pelvis-aligned) and 2D joints L1 (visibility-weighted).

Both normalise by the total weight of the entries that count (visible joints of samples that
have the label), so an invisible joint's value never changes the loss and a batch without any
label gives exactly 0 (with a zero, not a missing, gradient).
"""
from __future__ import annotations

from collections.abc import Sequence

import torch

__all__ = ["keypoint_2d_loss", "keypoint_3d_loss", "align_to"]


def align_to(joints: torch.Tensor, idx: Sequence[int]) -> torch.Tensor:
    """(B, J, 3) → joints minus the mean of joints ``idx`` (e.g. (0,) pelvis, (1, 2) mid-hip)."""
    return joints - joints[:, list(idx)].mean(dim=1, keepdim=True)


def _weighted_l1(pred: torch.Tensor, gt: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """Σ w·|pred − gt| / (Σ w · D); pred/gt (B, J, D), w (B, J) ≥ 0."""
    err = (pred - gt).abs().sum(-1) * w
    return err.sum() / (w.sum() * pred.shape[-1]).clamp_min(1.0)


def keypoint_3d_loss(pred: torch.Tensor, gt: torch.Tensor, has_3d: torch.Tensor | None = None,
                     align: Sequence[int] = (0,)) -> torch.Tensor:
    """L1 between pelvis-aligned 3D joints.

    pred (B, J, 3) camera-frame metres; gt (B, J, 4) [xyz, visibility]; has_3d (B,) 0/1.
    Both sets are aligned by the mean of joints ``align`` (GT alignment uses its own joints).
    """
    w = gt[..., 3] if has_3d is None else gt[..., 3] * has_3d.to(gt.dtype)[:, None]
    return _weighted_l1(align_to(pred, align), align_to(gt[..., :3], align), w)


def keypoint_2d_loss(pred: torch.Tensor, gt: torch.Tensor) -> torch.Tensor:
    """L1 between 2D joints in normalised crop coordinates (−1…1).

    pred (B, J, 2); gt (B, J, 3) [x, y, visibility/confidence] (weights in [0, 1]).
    """
    return _weighted_l1(pred, gt[..., :2], gt[..., 2])
