"""Metrics: Procrustes invariances, alignment, PCK and segmentation counts on hand-made cases."""
from __future__ import annotations

import numpy as np
import roma
import torch

from training.metrics import SegmentationScores, mpjpe, pa_mpjpe, pck


def test_pa_mpjpe_of_similarity_copy_is_zero():
    g = torch.Generator().manual_seed(0)
    gt = torch.randn(5, 14, 3, generator=g)
    rot = roma.random_rotmat(5)
    pred = 1.7 * gt @ rot.transpose(1, 2) + torch.randn(5, 1, 3, generator=g) * 3
    assert pa_mpjpe(pred, gt).max() < 1e-5
    assert mpjpe(pred, gt).min() > 0.1  # plain MPJPE does see the rotation/scale


def test_pa_mpjpe_is_at_most_mpjpe_and_positive_for_a_real_error():
    g = torch.Generator().manual_seed(1)
    gt = torch.randn(4, 14, 3, generator=g)
    pred = gt + 0.05 * torch.randn(4, 14, 3, generator=g)
    pa, plain = pa_mpjpe(pred, gt), mpjpe(pred, gt)
    assert torch.all(pa > 1e-3) and torch.all(pa <= plain + 1e-6)


def test_mpjpe_aligns_at_the_hips_and_respects_visibility():
    gt = torch.randn(1, 14, 3)
    assert mpjpe(gt + 4.0, gt) < 1e-6
    pred = gt.clone()
    pred[0, 0] += torch.tensor([0.3, 0.0, 0.4])  # ankle off by 0.5, hips untouched
    assert torch.isclose(mpjpe(pred, gt), torch.tensor(0.5 / 14))
    vis = torch.ones(1, 14)
    vis[0, 0] = 0
    assert mpjpe(pred, gt, vis) < 1e-6


def test_pck_counts_visible_joints_within_threshold():
    gt = torch.zeros(1, 4, 3)
    gt[..., 2] = torch.tensor([1.0, 1.0, 1.0, 0.0])
    pred = torch.tensor([[[0.0, 0.05], [0.0, 0.2], [0.09, 0.0], [5.0, 5.0]]])
    assert torch.isclose(pck(pred, gt, 0.1), torch.tensor(2 / 3))


def test_segmentation_accuracy_and_f1_by_hand():
    gt = np.array([[0, 0, 1, 1], [0, 0, 1, 1]])
    pred = np.array([[0, 1, 1, 1], [0, 0, 0, 1]])
    s = SegmentationScores(2)
    s.add(pred, gt)
    assert s.accuracy == 6 / 8
    # class 0: tp 3, fp 1, fn 1 → 6/8; class 1: tp 3, fp 1, fn 1 → 6/8
    assert np.isclose(s.f1, 0.75)
    s.add(gt, gt)  # accumulates over images
    assert s.accuracy == 14 / 16
