"""Synthetic occluders pasted on the person: oriented bar, circle, axis-aligned rectangle.

The seed paper (HKMR, ECCV 2020) evaluates under three occlusion protocols — a bar, a circle
and a rectangle pasted on the person — and the same shapes serve as a training augmentation.
The paper gives no further parameters in what we could read; our protocol, stated once:

- the **person's box** in the crop is the bounding box of the foreground mask when known,
  else of the visible keypoints grown by 15 % of its size per side, else the central
  ``res / 1.2`` square (SPIN's boxes are the person's box × 1.2);
- the shape covers ``area`` × the box's area (evaluation default 0.2; training draws
  U(0.1, 0.3)); bar: thickness t and length L = k·t with k ~ U(4, 8), orientation ~ U(0°, 180°);
  circle: radius √(area·A/π); rectangle: axis-aligned, aspect w/h ~ U(0.5, 2);
- it lies **inside** the box: its centre is uniform over the positions where it fits (a bar
  that cannot fit at its aspect gets shorter, down to a square, then is laid along the box's
  long side; anything still too big is clipped to the box);
- it is filled with one uniform random RGB colour.

Evaluation protocols are deterministic per (seed, sample index).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["OCCLUDER_KINDS", "OcclusionConfig", "Occluder", "person_box", "make_occluder", "paste_occluder"]

OCCLUDER_KINDS: tuple[str, ...] = ("bar", "circle", "rectangle")


@dataclass
class OcclusionConfig:
    """Training augmentation: with probability ``prob`` a sample gets one occluder of a kind
    drawn from ``kinds``, covering U(area_min, area_max) of the person's box."""

    prob: float = 0.0
    kinds: list = field(default_factory=lambda: list(OCCLUDER_KINDS))
    area_min: float = 0.1
    area_max: float = 0.3

    def __post_init__(self) -> None:
        bad = [k for k in self.kinds if k not in OCCLUDER_KINDS]
        if bad or not self.kinds:
            raise ValueError(f"occlusion.kinds: unknown or empty {list(self.kinds)}; choose from {OCCLUDER_KINDS}")
        if not 0 < self.area_min <= self.area_max <= 1 or not 0 <= self.prob <= 1:
            raise ValueError(f"occlusion: need 0 ≤ prob ≤ 1 and 0 < area_min ≤ area_max ≤ 1, got {self}")


@dataclass
class Occluder:
    """kind; mask (H, W) bool pixels covered; box (4,) person box x0, y0, x1, y1 (crop pixels);
    area the requested fraction; color (3,) RGB 0–255."""

    kind: str
    mask: np.ndarray
    box: np.ndarray
    area: float
    color: np.ndarray


def person_box(res: int, keypoints: np.ndarray | None = None, mask: np.ndarray | None = None) -> np.ndarray:
    """Person box (x0, y0, x1, y1) in crop pixels, clipped to the crop (see module docstring).
    keypoints (N, 3) crop pixels + visibility; mask (res, res) foreground."""
    if mask is not None and mask.any():
        ys, xs = np.nonzero(mask)
        box = np.array([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1], np.float64)
    elif keypoints is not None and (keypoints[:, 2] > 0).sum() >= 2:
        p = keypoints[keypoints[:, 2] > 0, :2]
        lo, hi = p.min(0), p.max(0)
        pad = 0.15 * (hi - lo).max()
        box = np.r_[lo - pad, hi + pad]
    else:
        half = res / 2.4
        box = np.array([res / 2 - half, res / 2 - half, res / 2 + half, res / 2 + half])
    box = np.clip(box, 0, res)
    if box[2] - box[0] < 2 or box[3] - box[1] < 2:  # degenerate (person outside the crop)
        half = res / 2.4
        box = np.array([res / 2 - half, res / 2 - half, res / 2 + half, res / 2 + half])
    return box


def _polygon(kind: str, area_px: float, w: float, h: float, rng: np.random.Generator) -> np.ndarray:
    """Shape outline centred at the origin, (N, 2), fitting in w × h when possible."""
    if kind == "circle":
        r = np.sqrt(area_px / np.pi)
        t = np.linspace(0, 2 * np.pi, 64, endpoint=False)
        return np.stack([r * np.cos(t), r * np.sin(t)], 1)
    if kind == "rectangle":
        aspect = rng.uniform(0.5, 2.0)  # width / height
        aspect = np.clip(aspect, area_px / h**2, w**2 / area_px) if area_px < w * h else aspect
        rw, rh = np.sqrt(area_px * aspect), np.sqrt(area_px / aspect)
        return np.array([[-rw, -rh], [rw, -rh], [rw, rh], [-rw, rh]]) / 2
    k0 = rng.uniform(4, 8)
    # Shorten until it fits (down to a square); if it never fits at the drawn orientation,
    # lay it along the box's long side.
    for theta in (rng.uniform(0, np.pi), 0.0 if w >= h else np.pi / 2):
        c, s = abs(np.cos(theta)), abs(np.sin(theta))
        for k in np.linspace(k0, 1.0, 32):
            t = np.sqrt(area_px / k)
            length = k * t
            if length * c + t * s <= w and length * s + t * c <= h:
                break
        else:
            continue
        break
    d = np.array([np.cos(theta), np.sin(theta)])
    n = np.array([-d[1], d[0]])
    return np.array([(-d * length - n * t) / 2, (d * length - n * t) / 2, (d * length + n * t) / 2,
                     (-d * length + n * t) / 2])


def make_occluder(kind: str, box: np.ndarray, area: float, res: int, rng: np.random.Generator) -> Occluder:
    """Draw one occluder of ``kind`` covering ``area`` of ``box`` inside a res × res crop."""
    if kind not in OCCLUDER_KINDS:
        raise ValueError(f"unknown occluder kind {kind!r}; choose from {OCCLUDER_KINDS}")
    x0, y0, x1, y1 = (float(v) for v in box)
    w, h = x1 - x0, y1 - y0
    poly = _polygon(kind, area * w * h, w, h, rng)
    half = np.abs(poly).max(0)
    lo = np.array([x0, y0]) + np.minimum(half, [w / 2, h / 2])
    hi = np.array([x1, y1]) - np.minimum(half, [w / 2, h / 2])
    centre = rng.uniform(lo, hi) - 0.5  # box edges lie between pixels; pixel centres are integers
    # A pixel is covered when its centre (integer coordinates) lies inside the shape: unbiased
    # area, unlike a polygon filler that also paints every boundary pixel.
    yy, xx = np.mgrid[0:res, 0:res].astype(np.float64)
    px, py = xx - centre[0], yy - centre[1]
    if kind == "circle":
        covered = px**2 + py**2 <= (poly**2).sum(1).max()
    else:  # convex quad, corners counter-clockwise or clockwise: inside = same side of every edge
        edges = np.roll(poly, -1, axis=0) - poly
        side = [(ex * (py - cy) - ey * (px - cx)) for (cx, cy), (ex, ey) in zip(poly, edges)]
        covered = np.all(np.stack(side) >= 0, 0) | np.all(np.stack(side) <= 0, 0)
    inside = (xx >= x0 - 0.5) & (xx < x1 - 0.5) & (yy >= y0 - 0.5) & (yy < y1 - 0.5)
    color = rng.integers(0, 256, 3).astype(np.uint8)
    return Occluder(kind=kind, mask=covered & inside, box=np.asarray(box, np.float64),
                    area=float(area), color=color)


def paste_occluder(img: np.ndarray, occ: Occluder) -> np.ndarray:
    """Return ``img`` (H, W, 3) with the occluder's pixels set to its colour (same dtype)."""
    out = img.copy()
    out[occ.mask] = occ.color.astype(img.dtype)
    return out
