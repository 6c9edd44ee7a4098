"""Square person crops and the crop ↔ image transform.

A box is ``(cx, cy, size)`` in image pixels (OpenCV convention: pixel centres at integers):
the square of side ``size`` centred on ``(cx, cy)``. Its crop is ``res × res`` with the
convention of :mod:`core.geometry.crop` and ``core.geometry.projection``: normalised crop
coordinates n ∈ [−1, 1] span the square edge to edge, n = 0 at the centre, so

    image point = (cx, cy) + n · size / 2          (the crop → image transform)

Regions outside the image are black (letterboxing for free). Normalisation to the network's
input (ImageNet mean/std) happens on the device, after the uint8 batch is moved there.
"""
from __future__ import annotations

import numpy as np
import torch

from core.geometry.crop import IMAGENET_MEAN, IMAGENET_STD, crop_image, crop_matrix

__all__ = ["full_frame_box", "box_from_points", "box_matrix", "crop", "crop_to_image",
           "image_to_crop", "normalize_batch"]


def full_frame_box(width: int, height: int) -> np.ndarray:
    """(3,) box covering the whole frame, letterboxed to a square: the longer side."""
    return np.array([(width - 1) / 2.0, (height - 1) / 2.0, float(max(width, height))])


def box_from_points(points: np.ndarray, weights: np.ndarray | None = None, scale: float = 1.2,
                    min_size: float = 16.0) -> np.ndarray | None:
    """(3,) square box around the weighted 2D points (K, 2) (weights (K,) > 0 count), side =
    ``scale`` × the larger extent; None when fewer than 2 points count."""
    pts = np.asarray(points, np.float64)
    keep = np.isfinite(pts).all(1) & (np.ones(len(pts), bool) if weights is None else np.asarray(weights) > 0)
    if keep.sum() < 2:
        return None
    lo, hi = pts[keep].min(0), pts[keep].max(0)
    return np.array([*(lo + hi) / 2.0, max(float((hi - lo).max()) * scale, min_size)])


def box_matrix(box: np.ndarray, res: int) -> np.ndarray:
    """(2, 3) affine map image pixel → crop pixel for ``box`` (cx, cy, size): SPIN's
    (center, scale = size / 200) crop without rotation or flip."""
    return crop_matrix(np.asarray(box[:2]), float(box[2]) / 200.0, res)


def crop(image: np.ndarray, box: np.ndarray, res: int = 224) -> np.ndarray:
    """(H, W, 3) uint8 → (res, res, 3) uint8 crop of ``box``; outside the image → 0."""
    return crop_image(image, box_matrix(box, res), res)


def crop_to_image(n: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """Normalised crop coords (B, K, 2) + boxes (B, 3) → image pixels (B, K, 2)."""
    b = np.asarray(boxes, np.float64)
    return b[:, None, :2] + np.asarray(n, np.float64) * (b[:, None, 2:3] / 2.0)


def image_to_crop(points: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """Image pixels (B, K, 2) + boxes (B, 3) → normalised crop coords (B, K, 2)."""
    b = np.asarray(boxes, np.float64)
    return (np.asarray(points, np.float64) - b[:, None, :2]) / (b[:, None, 2:3] / 2.0)


def normalize_batch(batch: torch.Tensor, channels_last: bool = False) -> torch.Tensor:
    """(B, H, W, 3) uint8 (any device) → (B, 3, H, W) float32 ImageNet-normalised."""
    x = batch.permute(0, 3, 1, 2).float().div_(255.0)
    mean = torch.tensor(IMAGENET_MEAN, device=x.device).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_STD, device=x.device).view(1, 3, 1, 1)
    x = (x - mean) / std
    return x.contiguous(memory_format=torch.channels_last if channels_last else torch.contiguous_format)
