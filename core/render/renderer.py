"""One entry point for the three users of the CPU renderer.

- synthetic training images: :func:`render_mesh` (shaded RGB + mask + part labels + depth);
- overlays of predictions on video frames / crops: :func:`overlay`;
- evaluation masks and part segmentations: :func:`render_mesh` with ``shade=False``.

All geometry is in the camera frame (OpenCV / SPIN: x right, y down, z forward, metres). A
crop-based regressor's output (SPIN's focal length 5000 px on a 224 px crop) is rendered with
``PinholeCamera.for_crop()`` and ``core.geometry.projection.weak_perspective_to_translation``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .parts import part_image
from .rasterizer import Fragments, PinholeCamera, rasterize
from .shading import Light, composite, shade

__all__ = ["RenderResult", "render_mesh", "overlay", "crop_camera"]


@dataclass
class RenderResult:
    """rgb (H, W, 3) float32 in [0, 1] (None when not shaded); mask (H, W) bool;
    parts (H, W) uint8 labels (None without face labels); depth (H, W) float32 (+inf on
    background); fragments for anything else (face ids, barycentrics)."""

    rgb: np.ndarray | None
    mask: np.ndarray
    parts: np.ndarray | None
    depth: np.ndarray
    fragments: Fragments


def crop_camera(img_res: int = 224, focal_length: float = 5000.0) -> PinholeCamera:
    """The camera SPIN's crop-based regressors assume: square ``img_res`` crop, principal point
    at its centre, the same pixel convention as ``core.geometry.projection.perspective_project``."""
    c = (img_res - 1) / 2.0
    return PinholeCamera(focal_length, focal_length, c, c, img_res, img_res)


def render_mesh(vertices: np.ndarray, faces: np.ndarray, camera: PinholeCamera,
                vertex_colors: np.ndarray | tuple[float, float, float] = (0.7, 0.7, 0.7),
                light: Light = Light(), face_labels: np.ndarray | None = None, shade_rgb: bool = True,
                smooth: bool = True) -> RenderResult:
    """Rasterize and (optionally) shade one mesh.

    vertices (V, 3) camera frame; faces (F, 3); vertex_colors (V, 3) or one RGB; face_labels
    (F,) integer labels for the ``parts`` image (e.g. :func:`core.render.parts.face_part_labels`).
    """
    verts = np.asarray(vertices, np.float64)
    faces = np.asarray(faces, np.int64)
    frags = rasterize(verts, faces, camera)
    rgb = shade(frags, verts, faces, np.asarray(vertex_colors, np.float32), light, smooth) if shade_rgb else None
    parts = part_image(frags, face_labels) if face_labels is not None else None
    return RenderResult(rgb=rgb, mask=frags.mask, parts=parts, depth=frags.depth, fragments=frags)


def overlay(image: np.ndarray, vertices: np.ndarray, faces: np.ndarray, camera: PinholeCamera,
            color: tuple[float, float, float] = (0.55, 0.7, 0.95), alpha: float = 0.8,
            light: Light = Light()) -> np.ndarray:
    """Draw a shaded mesh over ``image`` (H, W, 3) uint8 RGB with opacity ``alpha``; the camera's
    width/height must match the image. Returns a new uint8 image."""
    if image.shape[:2] != (camera.height, camera.width):
        raise ValueError(f"overlay: image is {image.shape[1]}×{image.shape[0]} but the camera renders "
                         f"{camera.width}×{camera.height}; build the camera for the image size")
    res = render_mesh(vertices, faces, camera, np.asarray(color, np.float32), light)
    return composite(image, res.rgb, res.mask, alpha=alpha)
