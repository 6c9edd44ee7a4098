"""Camera rotation from the background: features tracked outside the person, a robust rotation per frame pair.

Frames are tracked in grey, downscaled to at most ``max_width`` pixels. Corners (``cv2.goodFeaturesToTrack``)
are found outside the person's detected box (grown by ``person_margin``), followed to the next frame with
pyramidal Lucas–Kanade (``cv2.calcOpticalFlowPyrLK``), kept when the backward track returns within
``fb_px``; they are refreshed every frame. With the intrinsics each track becomes a pair of unit bearing
vectors; the rotation-only model ``b₂ = R b₁`` is fitted by RANSAC over 2-point samples (orthogonal
Procrustes, :func:`_kabsch`) and refined on its inliers. Translation of the camera shows up as parallax the
model does not explain; near, low-textured or person-covered frames get fewer inliers and are filled by
interpolating the rotation. The camera's translation is not taken from the background (its scale is not in
the image): :mod:`core.camera.path` gets it from the planted feet.

Standing camera (turns, does not travel): long tracks are also followed from one key frame to the next,
``key_seconds`` apart; over that baseline a camera that only turns still fits the rotation-only model to the
tracking noise, while one that travels leaves parallax between near and far background. Where the rotation-only
residual over the key-frame pair (its ``parallax_q`` quantile, tracking pixels) stays below ``still_px`` the
frames of that pair are marked :attr:`CameraRotations.still` and :mod:`core.camera.path` keeps the camera's centre
where it is there (the planted feet alone would read a balancing person's drift as camera travel).

Static camera: when the median background motion stays below ``static_px`` (full-resolution pixels) in all
but ``static_frac`` of the frame pairs, :attr:`CameraRotations.static` is True and the caller keeps the
static-camera path exactly.

Frames: OpenCV camera (x right, y down, z forward). ``rotations[t]`` maps the first frame's camera axes to
frame t's: ``b_t = rotations[t] @ b_0`` for a direction fixed in the world.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

import cv2
import numpy as np

__all__ = ["CameraMotionConfig", "CameraRotations", "estimate_rotations", "person_mask_boxes"]


@dataclass(frozen=True)
class CameraMotionConfig:
    """Tracking and decision settings (see the module docstring)."""

    max_width: int = 480
    max_corners: int = 300
    quality: float = 0.005
    min_distance: int = 10
    person_margin: float = 0.2
    fb_px: float = 0.7
    ransac_px: float = 2.0
    ransac_iterations: int = 100
    min_inliers: int = 12
    static_px: float = 0.25
    static_frac: float = 0.05
    key_seconds: float = 0.5
    parallax_q: float = 0.9
    still_px: float = 0.5
    min_key_tracks: int = 20


@dataclass
class CameraRotations:
    """rotations (F,3,3) first camera → camera t (see the module docstring); measured (F,) bool: frame t's
    rotation from frame t−1 was measured (else interpolated; frame 0 is True); inliers (F,) int tracks
    that agreed; motion_px (F,) median background track length from the previous frame (full-res pixels);
    static: the camera did not move (the static path applies); still (F,) bool: the camera's centre did not
    travel between frame t−1 and t (only turned: no parallax over its key-frame pair); parallax_px (F,) that
    pair's rotation-only residual (tracking pixels, NaN: not measured)."""

    rotations: np.ndarray
    measured: np.ndarray
    inliers: np.ndarray
    motion_px: np.ndarray
    static: bool
    still: np.ndarray | None = None
    parallax_px: np.ndarray | None = None
    key_pairs: list | None = None


def person_mask_boxes(boxes: np.ndarray, found: np.ndarray, num_frames: int) -> np.ndarray:
    """(F,4) person boxes x0,y0,x1,y1 for every frame: detected ones, nearest detected elsewhere (NaN if none)."""
    out = np.full((num_frames, 4), np.nan)
    idx = np.flatnonzero(np.asarray(found, bool)[:num_frames])
    if len(idx):
        near = idx[np.clip(np.searchsorted(idx, np.arange(num_frames)), 0, len(idx) - 1)]
        prev = idx[np.clip(np.searchsorted(idx, np.arange(num_frames)) - 1, 0, len(idx) - 1)]
        pick = np.where(np.abs(prev - np.arange(num_frames)) < np.abs(near - np.arange(num_frames)), prev, near)
        out = np.asarray(boxes, np.float64)[pick]
    return out


def _kabsch(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Rotation(s) R minimising Σ‖b − R a‖² for (..., N, 3) unit vectors → (..., 3, 3)."""
    u, _, vt = np.linalg.svd(np.swapaxes(b, -1, -2) @ a)
    d = np.sign(np.linalg.det(u @ vt))
    u = u.copy()
    u[..., :, 2] *= d[..., None]
    return u @ vt


def _bearings(px: np.ndarray, K: np.ndarray) -> np.ndarray:
    v = np.c_[(px[:, 0] - K[0, 2]) / K[0, 0], (px[:, 1] - K[1, 2]) / K[1, 1], np.ones(len(px))]
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _robust_rotation(a: np.ndarray, b: np.ndarray, thr: float, iters: int, rng) -> tuple[np.ndarray, np.ndarray]:
    """RANSAC over 2-bearing samples (all hypotheses at once); ``thr`` angular (radians). → (R, inlier mask)."""
    i = np.stack([rng.choice(len(a), 2, replace=False) for _ in range(iters)])
    hyp = _kabsch(a[i], b[i])                                           # (iters,3,3)
    inl = np.linalg.norm(b[None] - a[None] @ np.swapaxes(hyp, -1, -2), axis=-1) < thr
    best = inl[int(inl.sum(1).argmax())]
    R = _kabsch(a[best], b[best])
    for _ in range(2):                                   # refine: inliers of the refined model
        best = np.linalg.norm(b - a @ R.T, axis=1) < thr
        R = _kabsch(a[best], b[best])
    return R, best


def _grey(img: np.ndarray, scale: float) -> np.ndarray:
    g = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY) if img.ndim == 3 else img
    return cv2.resize(g, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale != 1 else g


def estimate_rotations(frames: Iterable[np.ndarray], K: np.ndarray, boxes: np.ndarray,
                       cfg: CameraMotionConfig = CameraMotionConfig(), fps: float = 30.0) -> CameraRotations:
    """frames: RGB (H,W,3) uint8 (or grey) images in order; K (3,3) full-resolution intrinsics; boxes (F,4)
    person boxes in full-resolution pixels (NaN: none); fps sets the key-frame baseline → :class:`CameraRotations`
    for the frames given."""
    rng = np.random.default_rng(0)
    rel, meas, inl, mot = [np.eye(3)], [True], [0], [0.0]
    prev = prev_box = None
    Ks = scale = None
    keys, key_rng = _KeyTracks(), np.random.default_rng(1)  # its own draws: the rotations stay as they were
    for k, img in enumerate(frames):
        if scale is None:
            scale = min(1.0, cfg.max_width / img.shape[1])
            Ks = np.diag([scale, scale, 1.0]) @ np.asarray(K, np.float64)
            keys.every = max(int(round(cfg.key_seconds * fps)), 2)
        g = _grey(img, scale)
        box = boxes[k] * scale if k < len(boxes) else np.full(4, np.nan)
        if prev is not None:
            R, ok, n, m = _pair(prev, g, prev_box, box, Ks, cfg, rng)
            rel.append(R)
            meas.append(ok)
            inl.append(n)
            mot.append(m / scale)
        keys.step(k, prev, g, box, Ks, cfg, key_rng)
        prev, prev_box = g, box
    if prev is not None:
        keys.step(keys.last, None, prev, prev_box, Ks, cfg, key_rng, final=True)
    rel, meas = np.array(rel), np.array(meas)
    motion = np.array(mot)
    moving = motion[1:][meas[1:]] > cfg.static_px if len(motion) > 1 else np.zeros(0, bool)
    static = len(moving) == 0 or moving.mean() <= cfg.static_frac
    rot = np.empty_like(rel)
    rot[0] = np.eye(3)
    filled = _fill_relative(rel, meas)
    for t in range(1, len(rel)):
        rot[t] = filled[t] @ rot[t - 1]
    parallax = keys.per_frame(len(rel))
    return CameraRotations(rot, meas, np.array(inl), motion, bool(static), parallax < cfg.still_px, parallax,
                           keys.pairs)


def _fill_relative(rel: np.ndarray, meas: np.ndarray) -> np.ndarray:
    """Unmeasured frame-to-frame rotations: the mean rotation vector of the nearest measured neighbours."""
    out = rel.copy()
    ok = np.flatnonzero(meas[1:]) + 1
    if len(ok) == 0:
        out[1:] = np.eye(3)
        return out
    vecs = np.array([cv2.Rodrigues(r)[0].ravel() for r in rel])
    for t in np.flatnonzero(~meas):
        if t == 0:
            continue
        v = np.array([np.interp(t, ok, vecs[ok, c]) for c in range(3)])
        out[t] = cv2.Rodrigues(v)[0]
    return out


class _KeyTracks:
    """Tracks followed frame to frame from one key frame to the next (``every`` frames), outside the person; at
    each next key frame the rotation-only residual of the pair (``parallax_q`` quantile, tracking pixels)."""

    def __init__(self):
        self.every, self.key, self.p0, self.p, self.last = 2, -1, None, None, 0
        self.spans: list[tuple[int, int, float]] = []
        self.pairs: list[tuple[int, int, np.ndarray, np.ndarray]] = []

    def step(self, k: int, prev, g, box, K, cfg: CameraMotionConfig, rng, final: bool = False):
        """Frame k (grey ``g``; ``prev`` the frame before, None: no tracking step); ``final``: only close the
        last pair."""
        self.last = k
        if self.p is not None and prev is not None and len(self.p):
            p1, st, _ = cv2.calcOpticalFlowPyrLK(prev, g, self.p, None, **_LK)
            back, st2, _ = cv2.calcOpticalFlowPyrLK(g, prev, p1, None, **_LK)
            ok = (st.ravel() == 1) & (st2.ravel() == 1) & \
                (np.linalg.norm((back - self.p).reshape(-1, 2), axis=1) < cfg.fb_px) & ~_in_box(p1, box, cfg)
            self.p0, self.p = self.p0[ok], p1[ok]
        if k - self.key < self.every and self.p is not None and not (final and 2 * (k - self.key) >= self.every):
            return
        if self.p is not None and len(self.p) >= cfg.min_key_tracks:
            a, b = _bearings(self.p0.reshape(-1, 2), K), _bearings(self.p.reshape(-1, 2), K)
            R, _ = _robust_rotation(a, b, 3 * cfg.ransac_px / K[0, 0], cfg.ransac_iterations, rng)
            res = np.linalg.norm(b - a @ R.T, axis=1) * K[0, 0]
            self.spans.append((self.key, k, float(np.quantile(res, cfg.parallax_q))))
            self.pairs.append((self.key, k, a.astype(np.float32), b.astype(np.float32)))
        if final:
            return
        mask = np.full(g.shape, 255, np.uint8)
        _mask_box(mask, box, cfg)
        p = cv2.goodFeaturesToTrack(g, cfg.max_corners, cfg.quality, cfg.min_distance, mask=mask, blockSize=7)
        self.key, self.p = k, (np.zeros((0, 1, 2), np.float32) if p is None else p)
        self.p0 = self.p.copy()

    def per_frame(self, n: int) -> np.ndarray:
        """(n,) the residual of the key-frame pair each frame step t−1 → t lies in (NaN: none measured); the
        last, shorter pair counts when it spans at least half a baseline (``finish`` measured it)."""
        out = np.full(n, np.nan)
        for a, b, r in self.spans:
            out[a + 1:b + 1] = r
        return out


_LK = dict(winSize=(21, 21), maxLevel=3, criteria=(cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 30, 0.01))


def _grown(box, cfg: CameraMotionConfig):
    x0, y0, x1, y1 = box
    mx, my = cfg.person_margin * (x1 - x0), cfg.person_margin * (y1 - y0)
    return x0 - mx, y0 - my, x1 + mx, y1 + my


def _mask_box(mask: np.ndarray, box, cfg: CameraMotionConfig) -> None:
    if box is not None and np.all(np.isfinite(box)):
        x0, y0, x1, y1 = _grown(box, cfg)
        mask[max(int(y0), 0):max(int(y1), 0), max(int(x0), 0):max(int(x1), 0)] = 0


def _in_box(p: np.ndarray, box, cfg: CameraMotionConfig) -> np.ndarray:
    q = p.reshape(-1, 2)
    if box is None or not np.all(np.isfinite(box)):
        return np.zeros(len(q), bool)
    x0, y0, x1, y1 = _grown(box, cfg)
    return (q[:, 0] > x0) & (q[:, 0] < x1) & (q[:, 1] > y0) & (q[:, 1] < y1)


def _pair(a: np.ndarray, b: np.ndarray, box_a, box_b, K, cfg: CameraMotionConfig, rng):
    """One frame pair → (R, measured, inliers, median track length in tracking pixels)."""
    mask = np.full(a.shape, 255, np.uint8)
    for box in (box_a, box_b):
        _mask_box(mask, box, cfg)
    p0 = cv2.goodFeaturesToTrack(a, cfg.max_corners, cfg.quality, cfg.min_distance, mask=mask, blockSize=7)
    if p0 is None or len(p0) < cfg.min_inliers:
        return np.eye(3), False, 0, 0.0
    p1, st, _ = cv2.calcOpticalFlowPyrLK(a, b, p0, None, **_LK)
    back, st2, _ = cv2.calcOpticalFlowPyrLK(b, a, p1, None, **_LK)
    good = (st.ravel() == 1) & (st2.ravel() == 1) & (np.linalg.norm((back - p0).reshape(-1, 2), axis=1) < cfg.fb_px)
    x0, x1 = p0.reshape(-1, 2)[good], p1.reshape(-1, 2)[good]
    if len(x0) < cfg.min_inliers:
        return np.eye(3), False, int(len(x0)), 0.0
    m = float(np.median(np.linalg.norm(x1 - x0, axis=1)))
    R, inl = _robust_rotation(_bearings(x0, K), _bearings(x1, K), cfg.ransac_px / K[0, 0], cfg.ransac_iterations,
                              rng)
    if inl.sum() < cfg.min_inliers:
        return np.eye(3), False, int(inl.sum()), m
    return R, True, int(inl.sum()), m
