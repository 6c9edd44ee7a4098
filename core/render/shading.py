"""Shading and compositing on top of :mod:`core.render.rasterizer` fragments (numpy).

Lambert shading with one directional light plus ambient, either flat (one normal per face)
or smooth (vertex normals interpolated with the fragments' barycentrics). Directions are in
the camera frame (x right, y down, z forward). Colours are float RGB in [0, 1].
"""
from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from .rasterizer import Fragments

__all__ = ["Light", "face_normals", "vertex_normals", "shade", "composite"]


@dataclass(frozen=True)
class Light:
    """Directional light: ``direction`` points *from the light towards the scene* (camera frame);
    ``color`` RGB intensity of the direct term, ``ambient`` RGB intensity of the ambient term."""

    direction: tuple[float, float, float] = (0.3, 0.5, 1.0)
    color: tuple[float, float, float] = (0.8, 0.8, 0.8)
    ambient: tuple[float, float, float] = field(default=(0.35, 0.35, 0.35))


def face_normals(vertices: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """(V, 3), (F, 3) → (F, 3) unit normals, right-handed in the vertex order ``(v1−v0) × (v2−v0)``."""
    v = vertices[faces]
    n = np.cross(v[:, 1] - v[:, 0], v[:, 2] - v[:, 0])
    return n / np.maximum(np.linalg.norm(n, axis=1, keepdims=True), 1e-12)


def vertex_normals(vertices: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """(V, 3) unit normals: area-weighted sum of the adjacent faces' normals."""
    v = vertices[faces]
    n = np.cross(v[:, 1] - v[:, 0], v[:, 2] - v[:, 0])  # length = 2 × area
    idx = faces.reshape(-1)
    out = np.stack([np.bincount(idx, np.repeat(n[:, c], 3), len(vertices)) for c in range(3)], 1)
    return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)


def shade(frags: Fragments, vertices: np.ndarray, faces: np.ndarray, vertex_colors: np.ndarray,
          light: Light = Light(), smooth: bool = True) -> np.ndarray:
    """Lambert-shaded colours of the covered pixels.

    vertex_colors (V, 3) or (3,) RGB in [0, 1]. Two-sided: a normal facing away from the
    camera is flipped, so inner surfaces seen through holes are lit too.
    Returns (H, W, 3) float32 in [0, 1], black on background.
    """
    H, W = frags.face_id.shape
    out = np.zeros((H, W, 3), np.float32)
    m = frags.mask
    if not m.any():
        return out
    fid = frags.face_id[m]
    bary = frags.bary[m][..., None]  # (P, 3, 1)
    tri = faces[fid]  # (P, 3)
    cols = np.asarray(vertex_colors, np.float32)
    col = (cols[tri] * bary).sum(1) if cols.ndim == 2 else np.broadcast_to(cols, (len(fid), 3))
    if smooth:
        nrm = (vertex_normals(vertices, faces)[tri] * bary).sum(1)
        nrm /= np.maximum(np.linalg.norm(nrm, axis=1, keepdims=True), 1e-12)
    else:
        nrm = face_normals(vertices, faces)[fid]
    # The view ray of pixel p is its 3D point (camera at the origin); flip normals facing away.
    pts = (vertices[tri] * bary).sum(1)
    nrm = np.where(((nrm * pts).sum(1) > 0)[:, None], -nrm, nrm)
    ldir = -np.asarray(light.direction, np.float64)
    ldir /= np.linalg.norm(ldir)
    lambert = np.clip(nrm @ ldir, 0.0, None)[:, None]
    rgb = col * (np.asarray(light.ambient) + lambert * np.asarray(light.color))
    out[m] = np.clip(rgb, 0.0, 1.0)
    return out


def composite(background: np.ndarray, foreground: np.ndarray, mask: np.ndarray, alpha: float = 1.0,
              feather: int = 0) -> np.ndarray:
    """Alpha-blend ``foreground`` over ``background`` where ``mask`` is set.

    background (H, W, 3) uint8 or float in [0, 1]; foreground (H, W, 3) float in [0, 1];
    mask (H, W) bool, or float coverage in [0, 1] (soft edges); alpha the foreground opacity; ``feather`` > 0 fades the mask's inner edge
    over that many pixels (softens the rasterizer's aliasing). Returns the background's dtype.
    """
    a = mask.astype(np.float32) * float(alpha)
    if feather > 0:  # blur inwards only: pixels outside the mask never take the foreground
        a = cv2.blur(a, (2 * feather + 1,) * 2) * (a > 0)
    bg = background.astype(np.float32) / (255.0 if background.dtype == np.uint8 else 1.0)
    out = bg * (1 - a[..., None]) + foreground.astype(np.float32) * a[..., None]
    if background.dtype == np.uint8:
        return np.clip(out * 255.0 + 0.5, 0, 255).astype(np.uint8)
    return out.astype(background.dtype)
