"""A vectorised, z-buffered CPU triangle rasterizer (numpy) with a pinhole camera.

Frames and pixels:

- Points are in the **camera frame** (OpenCV / SPIN: x right, y down, z forward, metres). A
  point is visible only with z > ``near``.
- Pixel (row i, column j) has its centre at image coordinates (x=j, y=i), OpenCV's convention;
  a pixel belongs to a triangle when its centre lies inside it (no anti-aliasing).

The algorithm is the usual bounding-box one, done for all triangles at once: every triangle
expands into the pixel centres of its bounding box (a ragged ``np.repeat``), edge functions
keep the inside ones, 1/z is interpolated linearly in screen space (perspective-correct depth
and barycentrics), and a per-pixel ``np.minimum.at`` depth test picks the nearest triangle.
Work grows with the pixels the triangles cover, not with the image size.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["PinholeCamera", "Fragments", "project", "rasterize"]

_MAX_CANDIDATES = 4_000_000  # pixel candidates per chunk (bounded memory on big renders)


@dataclass(frozen=True)
class PinholeCamera:
    """Intrinsics of an image of ``width`` × ``height`` pixels (no distortion).

    ``u = fx · x / z + cx``, ``v = fy · y / z + cy`` for a camera-frame point (x, y, z).
    """

    fx: float
    fy: float
    cx: float
    cy: float
    width: int
    height: int

    @classmethod
    def from_fov(cls, fov_deg: float, width: int, height: int) -> PinholeCamera:
        """Square pixels, horizontal field of view ``fov_deg``, principal point at the centre."""
        f = 0.5 * width / np.tan(np.radians(fov_deg) / 2)
        return cls(f, f, (width - 1) / 2, (height - 1) / 2, width, height)

    @property
    def K(self) -> np.ndarray:
        """(3, 3) intrinsic matrix."""
        return np.array([[self.fx, 0, self.cx], [0, self.fy, self.cy], [0, 0, 1]], np.float64)


@dataclass
class Fragments:
    """Per-pixel rasterization result for an (H, W) image.

    face_id (H, W) int32, −1 where no triangle covers the pixel; depth (H, W) float32 camera z,
    +inf on background; bary (H, W, 3) float32 perspective-correct barycentric weights of the
    face's three vertices (zeros on background).
    """

    face_id: np.ndarray
    depth: np.ndarray
    bary: np.ndarray

    @property
    def mask(self) -> np.ndarray:
        """(H, W) bool foreground."""
        return self.face_id >= 0


def project(points: np.ndarray, camera: PinholeCamera) -> tuple[np.ndarray, np.ndarray]:
    """(N, 3) camera-frame points → ((N, 2) pixel coords, (N,) depth z)."""
    pts = np.asarray(points, np.float64)
    z = pts[:, 2]
    with np.errstate(divide="ignore", invalid="ignore"):
        uv = np.stack([camera.fx * pts[:, 0] / z + camera.cx, camera.fy * pts[:, 1] / z + camera.cy], 1)
    return uv, z


def _face_coefficients(uv: np.ndarray, z: np.ndarray, faces: np.ndarray, near: float):
    """Edge-function coefficients of every drawable face: w_k(x, y) = a_k x + b_k y + c_k,
    normalised so the three sum to 1 and are all ≥ 0 inside. Returns the kept face ids,
    (F', 3) a, b, c, (F', 3) 1/z and the integer pixel bounding boxes."""
    p = uv[faces]  # (F, 3, 2)
    zf = z[faces]
    x0, y0 = p[:, 0, 0], p[:, 0, 1]
    x1, y1 = p[:, 1, 0], p[:, 1, 1]
    x2, y2 = p[:, 2, 0], p[:, 2, 1]
    area = (x1 - x0) * (y2 - y0) - (x2 - x0) * (y1 - y0)
    keep = np.all(zf > near, axis=1) & (np.abs(area) > 1e-12) & np.isfinite(area)
    ids = np.flatnonzero(keep)
    x0, y0, x1, y1, x2, y2, area = (v[ids] for v in (x0, y0, x1, y1, x2, y2, area))
    # w0 is the edge function of edge (1, 2), w1 of (2, 0), w2 of (0, 1), each over the signed area.
    a = np.stack([y1 - y2, y2 - y0, y0 - y1], 1) / area[:, None]
    b = np.stack([x2 - x1, x0 - x2, x1 - x0], 1) / area[:, None]
    c = np.stack([x1 * y2 - x2 * y1, x2 * y0 - x0 * y2, x0 * y1 - x1 * y0], 1) / area[:, None]
    pf = p[ids]
    lo = np.ceil(pf.min(axis=1)).astype(np.int64)
    hi = np.floor(pf.max(axis=1)).astype(np.int64)
    return ids, a, b, c, 1.0 / zf[ids], lo, hi


def rasterize(vertices: np.ndarray, faces: np.ndarray, camera: PinholeCamera, near: float = 1e-3) -> Fragments:
    """Rasterize a triangle mesh seen by ``camera``.

    vertices (V, 3) camera frame (metres, z forward); faces (F, 3) integer vertex ids.
    Faces with any vertex at z ≤ ``near`` are skipped (no clipping). Both windings are drawn.
    """
    faces = np.asarray(faces, np.int64)
    if faces.ndim != 2 or faces.shape[1] != 3:
        raise ValueError(f"faces must be (F, 3), got {faces.shape}")
    W, H = int(camera.width), int(camera.height)
    uv, z = project(vertices, camera)
    ids, a, b, c, invz, lo, hi = _face_coefficients(uv, z, faces, near)
    lo = np.maximum(lo, 0)
    hi = np.minimum(hi, [W - 1, H - 1])
    w = hi[:, 0] - lo[:, 0] + 1
    h = hi[:, 1] - lo[:, 1] + 1
    ok = (w > 0) & (h > 0)
    ids, a, b, c, invz, lo, w, h = ids[ok], a[ok], b[ok], c[ok], invz[ok], lo[ok], w[ok], h[ok]

    zbuf = np.full(H * W, np.inf)
    best_face = np.full(H * W, -1, np.int64)
    best_bary = np.zeros((H * W, 3))
    n = w * h
    bounds = np.searchsorted(np.cumsum(n), np.arange(0, n.sum() + _MAX_CANDIDATES, _MAX_CANDIDATES), "right")
    for s, e in zip(bounds[:-1], bounds[1:]):
        if e <= s:
            continue
        sl = slice(s, e)
        cnt = n[sl]
        f = np.repeat(np.arange(e - s), cnt)  # local face index of every candidate pixel
        local = np.arange(cnt.sum()) - np.repeat(np.cumsum(cnt) - cnt, cnt)
        px = lo[sl][f, 0] + local % w[sl][f]
        py = lo[sl][f, 1] + local // w[sl][f]
        wts = a[sl][f] * px[:, None] + b[sl][f] * py[:, None] + c[sl][f]  # (N, 3) screen barycentrics
        inside = np.all(wts >= -1e-9, axis=1)
        f, px, py, wts = f[inside], px[inside], py[inside], wts[inside]
        persp = wts * invz[sl][f]  # perspective-correct: interpolate 1/z, then renormalise
        inv_depth = persp.sum(1)
        depth = 1.0 / inv_depth
        pix = py * W + px
        np.minimum.at(zbuf, pix, depth)
        win = depth <= zbuf[pix]
        best_face[pix[win]] = ids[sl][f[win]]
        best_bary[pix[win]] = persp[win] / inv_depth[win, None]
    face_id = best_face.reshape(H, W).astype(np.int32)
    bary = best_bary.reshape(H, W, 3).astype(np.float32)
    return Fragments(face_id=face_id, depth=zbuf.reshape(H, W).astype(np.float32), bary=bary)
