"""Crops from SPIN's (center, scale) boxes, with rotation and horizontal flip in one affine map —
the one crop convention of training data and inference.

SPIN convention: a box is ``center`` (2,) pixels and ``scale`` = box side / 200 px; the crop
maps the square of side ``200 · scale`` around ``center`` onto ``res × res`` pixels, rotated by
``rot`` degrees about the crop centre (SPIN's sign: the *points* turn by −rot in image
coordinates), then optionally mirrored left↔right. Pixel centres are integers (OpenCV).

Image, masks and keypoints all go through the same 2×3 matrix (:func:`crop_matrix`), so they
agree exactly; normalised crop coordinates are ``n = (2u + 1) / res − 1`` (the crop spans
[−1, 1] edge to edge, as ``core.geometry.projection`` expects; a mirror is exactly n ↦ −n).
"""
from __future__ import annotations

import cv2
import numpy as np

__all__ = ["crop_matrix", "crop_image", "transform_points", "to_normalized", "rotation_z",
           "IMAGENET_MEAN", "IMAGENET_STD"]

#: The network's input normalisation (ImageNet RGB mean / std), for training and inference alike.
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def crop_matrix(center: np.ndarray, scale: float, res: int, rot: float = 0.0, flip: bool = False) -> np.ndarray:
    """(2, 3) affine matrix: original-image pixel → crop pixel (see module docstring)."""
    size = 200.0 * float(scale)
    if size <= 0:
        raise ValueError(f"crop scale must be > 0, got {scale}")
    s = res / size
    a = np.radians(-rot)
    c, sn = np.cos(a) * s, np.sin(a) * s
    mid = (res - 1) / 2.0
    cx, cy = float(center[0]), float(center[1])
    # u = R·s·(x − center) + mid
    m = np.array([[c, -sn, mid - c * cx + sn * cy], [sn, c, mid - sn * cx - c * cy]])
    if flip:
        m[0] = -m[0]
        m[0, 2] += res - 1
    return m


def crop_image(img: np.ndarray, matrix: np.ndarray, res: int, nearest: bool = False) -> np.ndarray:
    """Warp ``img`` (H, W[, C]) with a :func:`crop_matrix` into (res, res[, C]); outside → 0.
    ``nearest`` for label images (masks, parts)."""
    flags = cv2.INTER_NEAREST if nearest else cv2.INTER_LINEAR
    return cv2.warpAffine(img, matrix, (res, res), flags=flags, borderMode=cv2.BORDER_CONSTANT, borderValue=0)


def transform_points(points: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """(N, 2) original-image pixels → (N, 2) crop pixels."""
    p = np.asarray(points, np.float64)
    return p @ matrix[:, :2].T + matrix[:, 2]


def to_normalized(uv: np.ndarray, res: int) -> np.ndarray:
    """Crop pixels (integer centres) → normalised crop coordinates in [−1, 1]."""
    return (2.0 * np.asarray(uv, np.float64) + 1.0) / res - 1.0


def rotation_z(rot: float) -> np.ndarray:
    """(3, 3) camera-frame rotation that matches :func:`crop_matrix`'s in-plane ``rot``
    (about the optical axis z; its x/y block is the 2D rotation applied to the points)."""
    a = np.radians(-rot)
    c, s = np.cos(a), np.sin(a)
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])
