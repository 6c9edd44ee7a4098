"""Evaluation metrics (SPIN's definitions): MPJPE, PA-MPJPE, 2D PCK, segmentation accuracy/F1.

3D errors are computed on LSP's 14 joints taken from SMPL's 24 (:data:`SMPL_TO_LSP14`, the
joints SPIN evaluates on H36M), after aligning both skeletons at the mid-hip ("pelvis"), and
returned in the input units (metres for the project's data; ×1000 for the mm tables).
PA-MPJPE ("reconstruction error") first applies the similarity transform (rotation, uniform
scale, translation) that best maps the prediction onto the ground truth (Umeyama/Procrustes,
via ``roma.rigid_points_registration``), per sample.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import roma
import torch

__all__ = ["SMPL_TO_LSP14", "procrustes_align", "mpjpe", "pa_mpjpe", "pck", "SegmentationScores"]

#: LSP order (R ankle, R knee, R hip, L hip, L knee, L ankle, R wrist, R elbow, R shoulder,
#: L shoulder, L elbow, L wrist, neck, head) as SMPL joint ids.
SMPL_TO_LSP14 = (8, 5, 2, 1, 4, 7, 21, 19, 17, 16, 18, 20, 12, 15)
_HIPS_LSP14 = (2, 3)


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
          align: tuple[int, ...] = _HIPS_LSP14) -> torch.Tensor:
    """Mean per-joint position error after aligning both sets at the mean of joints ``align``.
    pred/gt (B, J, 3), vis (B, J) optional 0/1 → (B,)."""
    ia = list(align)
    return _mean_err(pred - pred[:, ia].mean(1, keepdim=True), gt - gt[:, ia].mean(1, keepdim=True), vis)


def pa_mpjpe(pred: torch.Tensor, gt: torch.Tensor, vis: torch.Tensor | None = None) -> torch.Tensor:
    """MPJPE after Procrustes alignment (rotation + scale + translation) → (B,)."""
    return _mean_err(procrustes_align(pred, gt, vis), gt, vis)


def pck(pred: torch.Tensor, gt: torch.Tensor, threshold: float) -> torch.Tensor:
    """Fraction of visible 2D joints within ``threshold`` (same units as the points).
    pred (B, J, 2), gt (B, J, 3) [x, y, vis] → (B,) (NaN for a sample with no visible joint)."""
    vis = (gt[..., 2] > 0).to(pred.dtype)
    hit = ((pred - gt[..., :2]).norm(dim=-1) <= threshold).to(pred.dtype) * vis
    return hit.sum(-1) / vis.sum(-1)


@dataclass
class SegmentationScores:
    """Accumulates pixel counts over a dataset, SPIN's LSP segmentation evaluation:
    accuracy = correct / all pixels; F1 = mean over classes of 2TP / (2TP + FP + FN)."""

    num_classes: int
    tp: np.ndarray = field(init=False)
    fp: np.ndarray = field(init=False)
    fn: np.ndarray = field(init=False)
    correct: int = 0
    total: int = 0

    def __post_init__(self) -> None:
        self.tp, self.fp, self.fn = (np.zeros(self.num_classes, np.int64) for _ in range(3))

    def add(self, pred: np.ndarray, gt: np.ndarray) -> None:
        """pred, gt: integer label images of the same shape (any leading batch dims)."""
        pred, gt = np.asarray(pred).reshape(-1).astype(np.int64), np.asarray(gt).reshape(-1).astype(np.int64)
        if pred.shape != gt.shape:
            raise ValueError(f"segmentation shapes differ: {pred.shape} vs {gt.shape}")
        self.correct += int((pred == gt).sum())
        self.total += gt.size
        conf = np.bincount(gt * self.num_classes + pred, minlength=self.num_classes ** 2)
        conf = conf.reshape(self.num_classes, self.num_classes)  # rows: truth, cols: prediction
        tp = np.diag(conf)
        self.tp += tp
        self.fp += conf.sum(0) - tp
        self.fn += conf.sum(1) - tp

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else float("nan")

    @property
    def f1(self) -> float:
        denom = 2 * self.tp + self.fp + self.fn
        per_class = np.where(denom > 0, 2 * self.tp / np.maximum(denom, 1), np.nan)
        return float(np.nanmean(per_class)) if np.isfinite(per_class).any() else float("nan")
