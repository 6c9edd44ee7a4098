"""Cameras for crop-based regression (SPIN's conventions).

Frames: the regressor's global orientation already maps SMPL's body into the **camera frame**
(OpenCV: x right, y down, z forward), so posed SMPL points are projected as they come out of
the body model, with no extra axis flip.

- **Weak perspective** ``cam = [s, tx, ty]`` (B, 3): ``x2d = s · (X[:, :2] + [tx, ty])`` in
  normalised crop coordinates, −1 … 1 across the crop (pixel = (x2d + 1) · img_res / 2).
- **Equivalent perspective translation** (SPIN): with focal length f (pixels, 5000 by default)
  and crop size ``img_res``, the body sits at ``t = [tx, ty, 2f / (img_res · s)]``.
"""
from __future__ import annotations

import torch

__all__ = ["weak_perspective_project", "weak_perspective_to_translation", "perspective_project",
           "crop_to_pixels"]


def weak_perspective_project(points: torch.Tensor, cam: torch.Tensor) -> torch.Tensor:
    """points (B, N, 3) camera frame, cam (B, 3) [s, tx, ty] → (B, N, 2) normalised crop coords."""
    return cam[:, None, :1] * (points[..., :2] + cam[:, None, 1:])


def weak_perspective_to_translation(cam: torch.Tensor, focal_length: float = 5000.0,
                                    img_res: int = 224, eps: float = 1e-9) -> torch.Tensor:
    """cam (B, 3) → camera-frame translation (B, 3) ``[tx, ty, 2f / (img_res · s)]`` (SPIN)."""
    depth = 2.0 * focal_length / (img_res * cam[:, 0] + eps)
    return torch.stack([cam[:, 1], cam[:, 2], depth], dim=-1)


def perspective_project(points: torch.Tensor, transl: torch.Tensor, focal_length: float = 5000.0,
                        img_res: int = 224) -> torch.Tensor:
    """Pinhole projection, principal point at the crop centre: points (B, N, 3) + transl (B, 3)
    → (B, N, 2) normalised crop coords (same units as :func:`weak_perspective_project`)."""
    p = points + transl[:, None]
    return p[..., :2] / p[..., 2:3] * (2.0 * focal_length / img_res)


def crop_to_pixels(x2d: torch.Tensor, img_res: int = 224) -> torch.Tensor:
    """Normalised crop coords (−1 … 1) → pixel coords (0 … img_res)."""
    return (x2d + 1.0) * (img_res / 2.0)
