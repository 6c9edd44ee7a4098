"""Procedural appearance for synthetic renders: backgrounds, body colours, lights (no downloads).

Backgrounds mix three generators: a linear two-colour gradient, multi-octave value noise
(random low-resolution grids upsampled bicubically) and random filled shapes (rectangles,
circles, lines, polygons). Bodies get "clothes" from the skinning regions: skin, a top (torso,
upper arms, and the forearms for long sleeves), trousers (hips, thighs, and the shins for long
trousers), shoes — each a random colour, optionally striped, with a little per-vertex noise.
Everything is drawn from the given ``numpy.random.Generator`` (deterministic by seed).
"""
from __future__ import annotations

import cv2
import numpy as np

from hkmr_blender.base.skeleton import NUM_JOINTS

from .shading import Light

__all__ = ["random_background", "body_colors", "random_light"]

_SKIN_TONES = np.array([[255, 224, 196], [241, 194, 155], [224, 172, 125], [198, 134, 90],
                        [161, 102, 64], [112, 70, 43], [80, 52, 35]], np.float64) / 255.0
# SMPL joints by clothing region.
_TORSO = [0, 3, 6, 9, 13, 14]
_UPPER_ARMS, _FOREARMS = [16, 17], [18, 19]
_THIGHS, _SHINS = [1, 2], [4, 5]
_FEET = [7, 8, 10, 11]


def _value_noise(rng: np.random.Generator, h: int, w: int, octaves: int = 4) -> np.ndarray:
    out = np.zeros((h, w, 3), np.float32)
    amp, total = 1.0, 0.0
    for o in range(octaves):
        cells = 2 + 2**o + int(rng.integers(0, 3))
        grid = rng.uniform(0, 1, (cells, cells, 3)).astype(np.float32)
        out += amp * cv2.resize(grid, (w, h), interpolation=cv2.INTER_CUBIC)
        total += amp
        amp *= 0.5
    return np.clip(out / total, 0, 1)


def random_background(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """(h, w, 3) uint8 RGB procedural background."""
    c0, c1 = rng.uniform(0, 1, 3), rng.uniform(0, 1, 3)
    a = rng.uniform(0, 2 * np.pi)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    t = (np.cos(a) * xx / w + np.sin(a) * yy / h)
    t = ((t - t.min()) / max(float(np.ptp(t)), 1e-6))[..., None]
    img = (1 - t) * c0 + t * c1
    mix = rng.uniform(0.2, 0.9)
    img = (1 - mix) * img + mix * _value_noise(rng, h, w) * rng.uniform(0.5, 1.5, 3)
    img = np.clip(img * 255, 0, 255).astype(np.uint8)
    for _ in range(int(rng.integers(0, 12))):
        col = tuple(int(v) for v in rng.integers(0, 256, 3))
        p = (int(rng.integers(0, w)), int(rng.integers(0, h)))
        kind = rng.integers(0, 4)
        size = int(rng.integers(4, max(5, min(h, w) // 3)))
        if kind == 0:
            cv2.rectangle(img, p, (p[0] + size, p[1] + int(rng.integers(4, size + 5))), col, -1)
        elif kind == 1:
            cv2.circle(img, p, size // 2, col, -1, lineType=cv2.LINE_AA)
        elif kind == 2:
            q = (int(rng.integers(0, w)), int(rng.integers(0, h)))
            cv2.line(img, p, q, col, int(rng.integers(1, 6)), lineType=cv2.LINE_AA)
        else:
            pts = (np.array(p) + rng.integers(-size, size + 1, (int(rng.integers(3, 7)), 2))).astype(np.int32)
            cv2.fillPoly(img, [pts], col, lineType=cv2.LINE_AA)
    if rng.uniform() < 0.5:
        img = cv2.GaussianBlur(img, (0, 0), rng.uniform(0.5, 2.5))
    return img


def body_colors(rng: np.random.Generator, vertex_joint: np.ndarray, rest_vertices: np.ndarray) -> np.ndarray:
    """(V, 3) float RGB in [0, 1]: clothing by skinning region (module docstring).

    vertex_joint (V,) dominant SMPL joint of each vertex; rest_vertices (V, 3) T-pose positions
    (Y-up), used for stripes so they move with the body.
    """
    skin = _SKIN_TONES[rng.integers(0, len(_SKIN_TONES))] * rng.uniform(0.9, 1.1)
    top, trousers, shoes = rng.uniform(0, 1, 3), rng.uniform(0, 1, 3) * rng.uniform(0.3, 1), rng.uniform(0, 0.5, 3)
    region = {j: skin for j in range(NUM_JOINTS)}
    region.update({j: top for j in _TORSO + _UPPER_ARMS})
    region.update({j: trousers for j in _THIGHS})
    region.update({j: shoes for j in _FEET})
    if rng.uniform() < 0.5:  # long sleeves
        region.update({j: top for j in _FOREARMS})
    if rng.uniform() < 0.7:  # long trousers
        region.update({j: trousers for j in _SHINS})
    table = np.stack([region[j] for j in range(NUM_JOINTS)])
    cols = table[vertex_joint].copy()
    if rng.uniform() < 0.4:  # horizontal stripes on the top
        on_top = np.isin(vertex_joint, _TORSO + _UPPER_ARMS)
        period = rng.uniform(0.03, 0.12)
        stripe = (np.floor(rest_vertices[:, 1] / period) % 2).astype(bool) & on_top
        cols[stripe] = rng.uniform(0, 1, 3)
    cols *= rng.uniform(0.93, 1.07, (len(cols), 1))  # fabric-like speckle
    return np.clip(cols, 0, 1).astype(np.float32)


def random_light(rng: np.random.Generator) -> Light:
    """A directional light from the camera's side of the scene, random intensity and tint."""
    d = np.array([rng.uniform(-1, 1), rng.uniform(-0.2, 1.0), rng.uniform(0.3, 1.0)])  # +y: from above
    tint = rng.uniform(0.85, 1.0, 3)
    direct = rng.uniform(0.5, 0.95) * tint
    ambient = rng.uniform(0.2, 0.5) * tint
    return Light(direction=tuple(d), color=tuple(direct), ambient=tuple(ambient))
