"""Crop camera → full-image camera (CLIFF, Li et al. ECCV 2022, eq. 3).

The regressor predicts a weak-perspective camera ``[s, tx, ty]`` for its crop
(:mod:`core.geometry.projection`): a camera-frame point X lands at normalised crop coordinate
``n = s · (X_xy + t)``, i.e. at image pixel ``c_box + n · b / 2`` for a box of centre
``c_box`` and side ``b`` (:mod:`core.inference.crops`). A pinhole camera of focal length f
(pixels) and principal point ``c_img`` reproduces that for the points at depth ``T_z`` with

    T_z = 2 f / (b s),    T_xy = t + (c_box − c_img) · 2 / (b s)

— exact for points in the plane z = 0 of the body (weak perspective's assumption), close
for a body whose depth extent is small against T_z. Camera frame: OpenCV (x right, y down,
z forward), metres; pixels with integer centres, so ``c_img = ((W − 1)/2, (H − 1)/2)``.
"""
from __future__ import annotations

import math

import numpy as np

__all__ = ["default_focal_length", "principal_point", "crop_cam_to_full"]


def default_focal_length(width: int, height: int) -> float:
    """CLIFF's default: the frame diagonal in pixels (≈ 53° horizontal FOV on 16:9 frames)."""
    return float(math.hypot(width, height))


def principal_point(width: int, height: int) -> np.ndarray:
    return np.array([(width - 1) / 2.0, (height - 1) / 2.0])


def crop_cam_to_full(cam: np.ndarray, boxes: np.ndarray, width: int, height: int,
                     focal_length: float | None = None, eps: float = 1e-9) -> np.ndarray:
    """cam (B, 3) [s, tx, ty] + boxes (B, 3) (cx, cy, size) → camera-frame translation (B, 3)
    of the full-image pinhole camera (focal ``focal_length`` or :func:`default_focal_length`)."""
    cam = np.asarray(cam, np.float64)
    boxes = np.asarray(boxes, np.float64)
    f = default_focal_length(width, height) if focal_length is None else float(focal_length)
    bs = boxes[:, 2] * cam[:, 0]
    bs = np.where(np.abs(bs) < eps, eps, bs)
    offset = (boxes[:, :2] - principal_point(width, height)) * (2.0 / bs)[:, None]
    return np.concatenate([cam[:, 1:] + offset, (2.0 * f / bs)[:, None]], axis=1)

