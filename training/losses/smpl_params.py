"""SMPL parameter losses (SPIN): L2 on rotation matrices and on betas, where a target exists.

Targets come from ground truth (``has_smpl``) or, SPIN-style, from a stored SMPLify fit; the
mask says which samples have one. Mean over the masked samples' entries; 0 when none.
"""
from __future__ import annotations

import torch

__all__ = ["pose_loss", "betas_loss"]


def _masked_mse(pred: torch.Tensor, gt: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    m = mask.to(pred.dtype).reshape(-1, *([1] * (pred.dim() - 1)))
    sq = (pred - gt.to(pred.dtype)).square() * m
    per_sample = pred[0].numel()
    return sq.sum() / (m.sum() * per_sample).clamp_min(1.0)


def pose_loss(pred_rotmats: torch.Tensor, gt_rotmats: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """MSE between (B, 24, 3, 3) local rotation matrices, over samples with mask (B,) = 1."""
    return _masked_mse(pred_rotmats, gt_rotmats, mask)


def betas_loss(pred_betas: torch.Tensor, gt_betas: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """MSE between (B, NB) shape coefficients, over samples with mask (B,) = 1."""
    return _masked_mse(pred_betas, gt_betas, mask)
