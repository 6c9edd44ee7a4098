"""Evaluation metrics (SPIN's definitions): MPJPE, PA-MPJPE, 2D PCK, segmentation accuracy/F1.

The 3D joint errors (:func:`mpjpe`, :func:`pa_mpjpe`, :func:`procrustes_align`, LSP-14 joint
ids) live in :mod:`core.geometry.metrics` (``hkmr demo`` scores with them too) and are
re-exported here; this module adds the 2D and segmentation scores.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from core.geometry.metrics import SMPL_TO_LSP14, mpjpe, pa_mpjpe, procrustes_align

__all__ = ["SMPL_TO_LSP14", "procrustes_align", "mpjpe", "pa_mpjpe", "pck", "SegmentationScores"]


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
