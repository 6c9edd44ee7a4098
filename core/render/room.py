"""A textured room ray-cast per pixel: backgrounds with exact parallax for moving-camera footage (issue 22).

World: Y up, metres; floor y = 0, walls x = box[0], x = box[1], z = box[2], z = box[3]. Textures are the
procedural backgrounds of :mod:`.appearance` with extra solid squares (corners a feature tracker can follow),
tiled at ``PX_PER_M`` pixels per metre. Used by bench/render_moving.py and the camera tests.
"""
from __future__ import annotations

import cv2
import numpy as np

from .appearance import random_background

__all__ = ["PX_PER_M", "room_textures", "room_background"]

PX_PER_M = 120.0


def room_textures(seed: int) -> list[np.ndarray]:
    """Four (H,W,3) uint8 RGB textures: floor, side walls, back wall (deterministic by ``seed``)."""
    rng = np.random.default_rng(seed)
    out = []
    for size in ((1600, 1600), (600, 1600), (600, 1600), (600, 1600)):
        tex = random_background(rng, *size)
        for _ in range(60):                                        # corners for the tracker
            col = tuple(int(v) for v in rng.integers(0, 256, 3))
            x, y = int(rng.integers(0, size[1])), int(rng.integers(0, size[0]))
            s = int(rng.integers(8, 40))
            cv2.rectangle(tex, (x, y), (x + s, y + s), col, -1)
        out.append(tex)
    return out


def room_background(R: np.ndarray, t: np.ndarray, K: np.ndarray, w: int, h: int, tex, box) -> np.ndarray:
    """(h,w,3) uint8 RGB background seen by the camera R, t (world → OpenCV camera) with intrinsics K: floor and
    walls of ``box`` (x0, x1, z0, z1) textured with ``tex`` (:func:`room_textures`)."""
    c = -R.T @ t
    uu, vv = np.meshgrid(np.arange(w, dtype=np.float64), np.arange(h, dtype=np.float64))
    rays = np.stack([(uu - K[0, 2]) / K[0, 0], (vv - K[1, 2]) / K[1, 1], np.ones_like(uu)], -1) @ R  # (h,w,3)
    best = np.full((h, w), np.inf)
    img = np.zeros((h, w, 3), np.uint8)
    planes = [(1, 0.0, (0, 2), 0), (0, box[0], (2, 1), 1), (0, box[1], (2, 1), 2), (2, box[2], (0, 1), 3),
              (2, box[3], (0, 1), 1)]
    for axis, value, (ua, va), ti in planes:
        with np.errstate(divide="ignore", invalid="ignore"):
            s = (value - c[axis]) / rays[..., axis]
        s = np.where(np.isfinite(s) & (s > 0), s, np.inf)
        hit = s < best
        if not hit.any():
            continue
        p = c + rays * np.where(np.isfinite(s), s, 0)[..., None]
        tx = tex[ti]
        mx = (p[..., ua] * PX_PER_M).astype(np.float32) % tx.shape[1]
        my = (p[..., va] * PX_PER_M).astype(np.float32) % tx.shape[0]
        col = cv2.remap(tx, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_WRAP)
        shade = 0.75 if ti == 0 else 1.0
        img[hit] = (col[hit] * shade).astype(np.uint8)
        best = np.minimum(best, s)
    return img


