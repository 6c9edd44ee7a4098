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
    (3, F') a, b, c, (3, F') 1/z and the (F', 2) integer pixel bounding boxes lo, hi."""
    (x0, x1, x2), (y0, y1, y2) = uv[faces, 0].T, uv[faces, 1].T
    z0, z1, z2 = z[faces].T
    area = (x1 - x0) * (y2 - y0) - (x2 - x0) * (y1 - y0)
    keep = (z0 > near) & (z1 > near) & (z2 > near) & (np.abs(area) > 1e-12) & np.isfinite(area)
    ids = np.flatnonzero(keep)
    x0, y0, x1, y1, x2, y2, area = (v[ids] for v in (x0, y0, x1, y1, x2, y2, area))
    inv = 1.0 / area
    # w0 is the edge function of edge (1, 2), w1 of (2, 0), w2 of (0, 1), each over the signed area.
    a = np.stack([y1 - y2, y2 - y0, y0 - y1]) * inv
    b = np.stack([x2 - x1, x0 - x2, x1 - x0]) * inv
    c = np.stack([x1 * y2 - x2 * y1, x2 * y0 - x0 * y2, x0 * y1 - x1 * y0]) * inv
    invz = 1.0 / np.stack([z0[ids], z1[ids], z2[ids]])
    lo = np.ceil(np.stack([np.minimum(np.minimum(x0, x1), x2), np.minimum(np.minimum(y0, y1), y2)], 1))
    hi = np.floor(np.stack([np.maximum(np.maximum(x0, x1), x2), np.maximum(np.maximum(y0, y1), y2)], 1))
    return ids, a, b, c, invz, lo.astype(np.int64), hi.astype(np.int64)


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
    ids, a, b, c, invz, lo, w, h = ids[ok], a[:, ok], b[:, ok], c[:, ok], invz[:, ok], lo[ok], w[ok], h[ok]

    zbuf = np.full(H * W, np.inf)
    best_face = np.full(H * W, -1, np.int64)
    best_bary = np.zeros((H * W, 3))
    n = w * h
    bounds = np.searchsorted(np.cumsum(n), np.arange(0, n.sum() + _MAX_CANDIDATES, _MAX_CANDIDATES), "right")
    for s, e in zip(bounds[:-1], bounds[1:]):
        if e <= s:
            continue
        cnt = n[s:e]
        f = np.repeat(np.arange(s, e), cnt)  # face (kept-list index) of every candidate pixel
        local = np.arange(cnt.sum()) - np.repeat(np.cumsum(cnt) - cnt, cnt)
        wf = w[f]
        px = lo[f, 0] + local % wf
        py = lo[f, 1] + local // wf
        wts = [a[k, f] * px + b[k, f] * py + c[k, f] for k in range(3)]  # screen-space barycentrics
        inside = (wts[0] >= -1e-9) & (wts[1] >= -1e-9) & (wts[2] >= -1e-9)
        f, px, py = f[inside], px[inside], py[inside]
        persp = np.stack([wts[k][inside] * invz[k, f] for k in range(3)], 1)  # interpolate 1/z ...
        inv_depth = persp[:, 0] + persp[:, 1] + persp[:, 2]
        depth = 1.0 / inv_depth
        pix = py * W + px
        np.minimum.at(zbuf, pix, depth)
        win = depth <= zbuf[pix]
        best_face[pix[win]] = ids[f[win]]
        best_bary[pix[win]] = persp[win] / inv_depth[win, None]  # ... then renormalise
    face_id = best_face.reshape(H, W).astype(np.int32)
    bary = best_bary.reshape(H, W, 3).astype(np.float32)
    return Fragments(face_id=face_id, depth=zbuf.reshape(H, W).astype(np.float32), bary=bary)
