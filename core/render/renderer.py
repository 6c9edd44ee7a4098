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

import cv2
import numpy as np

from .parts import part_image
from .rasterizer import Fragments, PinholeCamera, project, rasterize
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


def _window(vertices: np.ndarray, camera: PinholeCamera, near: float = 1e-3) -> tuple[int, int, int, int] | None:
    """Integer pixel window (x0, y0, x1, y1), end-exclusive, that holds every pixel centre the mesh can cover."""
    uv, z = project(np.asarray(vertices, np.float64), camera)
    uv = uv[z > near]
    if not len(uv) or not np.isfinite(uv).all():
        return None
    x0, y0 = np.maximum(np.floor(uv.min(0)).astype(int), 0)
    x1, y1 = np.minimum(np.ceil(uv.max(0)).astype(int) + 1, [camera.width, camera.height])
    return (int(x0), int(y0), int(x1), int(y1)) if x1 > x0 and y1 > y0 else None


def overlay(image: np.ndarray, vertices: np.ndarray, faces: np.ndarray, camera: PinholeCamera,
            color: tuple[float, float, float] = (0.55, 0.7, 0.95), alpha: float = 0.8,
            light: Light = Light(), max_size: int | None = None) -> np.ndarray:
    """Draw a shaded mesh over ``image`` (H, W, 3) uint8 RGB with opacity ``alpha``; the camera's
    width/height must match the image. Returns a new uint8 image.

    Only the window the mesh covers is rasterized, shaded and blended (pixel centres and results as
    a full-image render; cost grows with the body's size on screen, not the frame's). ``max_size``
    (pixels) renders that window with its longer side at most that long and resizes it up: a bounded
    cost per frame at any video resolution, with softer edges."""
    if image.shape[:2] != (camera.height, camera.width):
        raise ValueError(f"overlay: image is {image.shape[1]}×{image.shape[0]} but the camera renders "
                         f"{camera.width}×{camera.height}; build the camera for the image size")
    if max_size is not None and max_size < 1:
        raise ValueError(f"overlay: max_size must be ≥ 1 pixel, got {max_size}")
    out = image.copy()
    win = _window(vertices, camera)
    if win is None:
        return out
    x0, y0, x1, y1 = win
    w, h = x1 - x0, y1 - y0
    scale = 1.0 if max_size is None else min(1.0, max_size / max(w, h))
    sw, sh = max(1, round(w * scale)), max(1, round(h * scale))
    sx, sy = sw / w, sh / h  # pixel centre j of the small window sits at x0 − 0.5 + (j + 0.5) / sx
    sub = PinholeCamera(camera.fx * sx, camera.fy * sy, (camera.cx - x0 + 0.5) * sx - 0.5,
                        (camera.cy - y0 + 0.5) * sy - 0.5, sw, sh)
    res = render_mesh(vertices, faces, sub, np.asarray(color, np.float32), light)
    rgb, mask = res.rgb, res.mask
    if (sw, sh) != (w, h):
        rgb = cv2.resize(rgb, (w, h), interpolation=cv2.INTER_LINEAR)
        mask = cv2.resize(mask.astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR)  # soft coverage
    out[y0:y1, x0:x1] = composite(image[y0:y1, x0:x1], rgb, mask, alpha=alpha)
    return out
