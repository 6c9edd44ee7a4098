"""Weak-perspective camera (SPIN convention) vs its equivalent perspective camera."""
from __future__ import annotations

import torch

from core.geometry.projection import (crop_to_pixels, perspective_project, weak_perspective_project,
                                  weak_perspective_to_translation)


def test_weak_perspective_matches_distant_perspective():
    g = torch.Generator().manual_seed(0)
    pts = torch.randn(2, 30, 3, generator=g) * 0.3
    pts[..., 2] *= 0.01  # a nearly flat body: weak perspective is then exact up to depth spread
    cam = torch.tensor([[0.9, 0.05, -0.1], [1.2, -0.2, 0.3]])
    weak = weak_perspective_project(pts, cam)
    persp = perspective_project(pts, weak_perspective_to_translation(cam, 5000.0, 224), 5000.0, 224)
    torch.testing.assert_close(persp, weak, atol=2e-4, rtol=0)
    torch.testing.assert_close(weak_perspective_to_translation(cam)[:, 2], 2 * 5000.0 / (224 * cam[:, 0]))


def test_crop_coordinates():
    corners = torch.tensor([[[-1.0, -1.0], [0.0, 0.0], [1.0, 1.0]]])
    torch.testing.assert_close(crop_to_pixels(corners, 224), torch.tensor([[[0.0, 0.0], [112.0, 112.0], [224.0, 224.0]]]))
    torch.testing.assert_close(weak_perspective_project(torch.tensor([[[0.5, -0.5, 3.0]]]), torch.tensor([[2.0, 0.0, 0.0]])),
                               torch.tensor([[[1.0, -1.0]]]))
