"""The full-image pinhole camera the clip fit projects through (CLIFF-style, not a crop camera).

Camera frame: OpenCV, metres — x right, y down, z forward (away from the camera). Pixels follow
:class:`core.detect.landmarks.Landmarks`: x right, y down, origin at the top-left pixel's *corner*,
so the image centre is ``(W/2, H/2)``. The default focal length is the frame diagonal in pixels
(CLIFF's choice, :func:`core.geometry.full_image_camera.default_focal_length`), about 53° horizontal field of
view on a 16:9 phone video; pass the real one when it is known.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from core.fitting.smplify import estimate_translation
from core.geometry.full_image_camera import default_focal_length

__all__ = ["FullCamera"]


@dataclass(frozen=True)
class FullCamera:
    """focal (pixels), principal point (cx, cy) in pixels; one static camera for the whole clip."""

    focal: float
    cx: float
    cy: float

    @classmethod
    def for_image(cls, width: int, height: int, focal: float | None = None) -> "FullCamera":
        """Principal point at the image centre; focal ``focal`` or the frame diagonal."""
        if width <= 0 or height <= 0:
            raise ValueError(f"image size must be positive, got {width}×{height}")
        f = default_focal_length(width, height) if focal is None else float(focal)
        if not f > 0:
            raise ValueError(f"focal length must be a positive number of pixels, got {focal}")
        return cls(f, width / 2.0, height / 2.0)

    def project(self, points: torch.Tensor) -> torch.Tensor:
        """(..., 3) camera-frame points → (..., 2) pixels (depth clamped at 1 cm in front of the lens)."""
        z = points[..., 2:3].clamp_min(1e-2)
        return points[..., :2] / z * self.focal + points.new_tensor([self.cx, self.cy])

    def translation_for(self, points: torch.Tensor, pixels: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
        """Closed-form translation (B, 3) putting camera-frame ``points`` (B, N, 3) (no translation yet)
        onto ``pixels`` (B, N, 2) with ``weights`` (B, N): weighted linear least squares (SMPLify's
        :func:`core.fitting.smplify.estimate_translation` with this camera's focal and centre)."""
        centred = pixels - pixels.new_tensor([self.cx, self.cy])
        kp = torch.cat([centred, weights[..., None]], -1)
        return estimate_translation(points, kp, focal_length=self.focal, img_res=2)
