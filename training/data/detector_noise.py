"""A BlazePose noise model: clean landmarks → what the detector would report, calibrated on renders.

Fitted by :func:`fit_noise` from detector-on-render pairs (:mod:`training.keypoints.calibrate`), stored as
a small JSON (``training/data/assets/blazepose_noise.json``, with its recipe), applied by :meth:`DetectorNoise.apply`
to windows of clean landmarks. What it reproduces, each as an empirical distribution (quantile table):

- **2D error** per landmark and image axis, in units of the person box's side (:func:`landmark_box` of the
  true points) — signed, so systematic offsets (BlazePose's hips are not SMPL's hips) are kept;
- **3D error** of the world landmarks per landmark and axis (metres), after a per-frame **scale** of the whole
  world skeleton (BlazePose's bone lengths vary from frame to frame), whose distribution is kept too;
- **visibility** per landmark;
- **left/right swaps** of the face, arms and legs groups, by |yaw| bin (0–45°, …, 135–180°; 0 = facing the camera);
- **missed frames** (no person found);
- **time**: errors of one landmark are AR(1)-correlated from frame to frame (lag-1 correlation ``rho`` of the
  normal scores, a Gaussian copula), as the detector's tracking mode makes them;
- **occlusion**: landmarks under an occluder draw their 2D/3D error and visibility from the tables measured for
  landmarks under the seed's occluders (pooled over landmarks), and a frame is missed at the occluded rate.

Not modelled (said so in docs/keypoint-model.md): correlations between landmarks, pose-dependent self-occlusion.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import ndtr

from core.detect.landmarks import BLAZEPOSE_NAMES
from core.model.keypoint_input import landmark_box
from training.data.occlusion import OCCLUDER_KINDS, make_occluder

__all__ = ["LEVELS", "MIRROR", "GROUPS", "YAW_BINS_DEG", "DetectorNoise", "NoisyWindows", "fit_noise",
           "occluded_landmarks", "swap_groups"]

FORMAT = "hkmr-detector-noise"
#: quantile levels of every table
LEVELS = np.array([0.0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99, 1.0])
#: landmark index of each landmark's left/right mirror
MIRROR = np.array([BLAZEPOSE_NAMES.index(n.replace("left", "#").replace("right", "left").replace("#", "right"))
                   for n in BLAZEPOSE_NAMES])
#: landmark groups that swap sides together
GROUPS = {"face": np.arange(1, 11), "arms": np.arange(11, 23), "legs": np.arange(23, 33)}
YAW_BINS_DEG = (0.0, 45.0, 90.0, 135.0, 180.0)
_OCC_GRID = 64  # occluders are drawn on a 64 × 64 grid spanning the person's box


def _q(x: np.ndarray, axis: int = 0) -> np.ndarray:
    """Quantile table of ``x`` along ``axis`` (moved last)."""
    return np.moveaxis(np.quantile(x, LEVELS, axis=axis), 0, -1)


def _from_table(table: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Inverse-CDF draw: table (..., Q) broadcast against u (...) uniform → (...) values (linear interpolation)."""
    pos = np.clip(np.searchsorted(LEVELS, u, side="right") - 1, 0, len(LEVELS) - 2)
    w = (u - LEVELS[pos]) / (LEVELS[pos + 1] - LEVELS[pos])
    table = np.broadcast_to(table, (*u.shape, len(LEVELS)))
    lo = np.take_along_axis(table, pos[..., None], -1)[..., 0]
    hi = np.take_along_axis(table, pos[..., None] + 1, -1)[..., 0]
    return lo + w * (hi - lo)


def _ar1_uniform(rng: np.random.Generator, shape: tuple[int, ...], rho: float) -> np.ndarray:
    """Uniforms of shape (B, T, ...) whose normal scores are AR(1) over axis 1 with lag-1 correlation rho."""
    z = rng.standard_normal(shape)
    for t in range(1, shape[1]):
        z[:, t] = rho * z[:, t - 1] + np.sqrt(1 - rho**2) * z[:, t]
    return ndtr(z)


def swap_groups(points: np.ndarray, swap: dict[str, np.ndarray]) -> np.ndarray:
    """(B, T, 33, D) with each group's left/right exchanged where ``swap[group]`` (B, T) is True."""
    out, mirrored = points.copy(), points[:, :, MIRROR]
    for g, idx in GROUPS.items():
        out[:, :, idx] = np.where(swap[g][..., None, None], mirrored[:, :, idx], points[:, :, idx])
    return out


def occluded_landmarks(points: np.ndarray, rng: np.random.Generator, kinds=OCCLUDER_KINDS,
                       area: tuple[float, float] = (0.1, 0.3), prob: float = 1.0) -> np.ndarray:
    """(B, T, 33, 2) true pixels → (B, T, 33) bool: under an occluder. With probability ``prob`` a window gets
    one occluder (kind from ``kinds``, area U(area) of its centre frame's landmark box grown by 10 % per side,
    :func:`training.data.occlusion.make_occluder` on a 64 × 64 grid over that box), fixed in the image over
    the window."""
    b, t = points.shape[:2]
    out = np.zeros(points.shape[:3], bool)
    for i in np.flatnonzero(rng.random(b) < prob):
        c = points[i, t // 2]
        lo, hi = c.min(0), c.max(0)
        lo, size = lo - 0.1 * (hi - lo), np.maximum(1.2 * (hi - lo), 1e-6)
        occ = make_occluder(str(rng.choice(list(kinds))), np.array([0.0, 0.0, _OCC_GRID, _OCC_GRID]),
                            rng.uniform(*area), _OCC_GRID, rng)
        ij = np.floor((points[i] - lo) / size * _OCC_GRID).astype(int)
        inside = ((ij >= 0) & (ij < _OCC_GRID)).all(-1)
        ij = np.clip(ij, 0, _OCC_GRID - 1)
        out[i] = occ.mask[ij[..., 1], ij[..., 0]] & inside
    return out


@dataclass
class NoisyWindows:
    """points2d (B,T,33,2) px; visibility (B,T,33); world (B,T,33,3) m; found (B,T) bool; occluded (B,T,33)."""

    points2d: np.ndarray
    visibility: np.ndarray
    world: np.ndarray
    found: np.ndarray
    occluded: np.ndarray


@dataclass
class DetectorNoise:
    """The calibrated tables (see module docstring); build with :meth:`load` or :func:`fit_noise`."""

    err2d: np.ndarray       # (33, 2, Q) box-side units
    err3d: np.ndarray       # (33, 3, Q) metres
    scale3d: np.ndarray     # (Q,)
    visibility: np.ndarray  # (33, Q)
    swap: dict[str, np.ndarray]  # group → (len(YAW_BINS_DEG) − 1,) probability per |yaw| bin
    miss: float
    rho: float
    occ_err2d: np.ndarray   # (2, Q)
    occ_err3d: np.ndarray   # (3, Q)
    occ_visibility: np.ndarray  # (Q,)
    occ_miss: float
    meta: dict[str, Any]

    def apply(self, points2d: np.ndarray, world: np.ndarray, yaw: np.ndarray, rng: np.random.Generator,
              occluded: np.ndarray | None = None) -> NoisyWindows:
        """Clean (B,T,33,2) px, (B,T,33,3) hip-centred world m, (B,T) yaw rad, optional (B,T,33) occluded → detections."""
        b, t = points2d.shape[:2]
        occ = np.zeros(points2d.shape[:3], bool) if occluded is None else occluded
        ybin = np.clip(np.digitize(np.degrees(np.abs(yaw[:, t // 2])), YAW_BINS_DEG[1:-1]), 0, 3)
        swap = {g: np.repeat((rng.random(b) < self.swap[g][ybin])[:, None], t, 1) for g in GROUPS}
        u = _ar1_uniform(rng, (b, t, 33, 6), self.rho)
        e2 = np.where(occ[..., None], _from_table(self.occ_err2d, u[..., :2]), _from_table(self.err2d, u[..., :2]))
        e3 = np.where(occ[..., None], _from_table(self.occ_err3d, u[..., 2:5]), _from_table(self.err3d, u[..., 2:5]))
        vis = np.where(occ, _from_table(self.occ_visibility, u[..., 5]), _from_table(self.visibility, u[..., 5]))
        side = np.ptp(landmark_box(points2d)[..., [0, 2]], -1)
        p2 = swap_groups(points2d, swap) + e2 * side[..., None, None]
        scale = _from_table(self.scale3d, _ar1_uniform(rng, (b, t), self.rho))
        w3 = (swap_groups(world, swap) + e3) * scale[..., None, None]
        miss = np.where(occ.any(-1), self.occ_miss, self.miss)
        found = rng.random((b, t)) >= miss
        return NoisyWindows(p2.astype(np.float32), vis.astype(np.float32), w3.astype(np.float32), found, occ)

    # ---- storage ----------------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        arr = {k: getattr(self, k).round(6).tolist() for k in
               ("err2d", "err3d", "scale3d", "visibility", "occ_err2d", "occ_err3d", "occ_visibility")}
        return {"format": FORMAT, "version": 1, "levels": LEVELS.tolist(), "yaw_bins_deg": list(YAW_BINS_DEG),
                "landmarks": list(BLAZEPOSE_NAMES), **arr, "swap": {g: np.round(v, 6).tolist() for g, v in self.swap.items()},
                "miss": self.miss, "rho": self.rho, "occ_miss": self.occ_miss, "meta": self.meta}

    def save(self, path: str | os.PathLike) -> None:
        from hkmr_blender.base.atomic import atomic_write

        text = json.dumps(self.to_dict(), indent=1)
        atomic_write(os.fspath(path), lambda f: f.write(text.encode()))

    @classmethod
    def load(cls, path: str | os.PathLike) -> "DetectorNoise":
        path = os.fspath(path)
        with open(path, encoding="utf-8") as f:
            d = json.load(f)
        if d.get("format") != FORMAT or d.get("levels") != LEVELS.tolist():
            raise ValueError(f"{path}: not an {FORMAT} v1 file with this code's quantile levels; re-run "
                             f"python -m training.keypoints.calibrate")
        arr = {k: np.asarray(d[k], np.float64) for k in
               ("err2d", "err3d", "scale3d", "visibility", "occ_err2d", "occ_err3d", "occ_visibility")}
        return cls(**arr, swap={g: np.asarray(v) for g, v in d["swap"].items()}, miss=float(d["miss"]),
                   rho=float(d["rho"]), occ_miss=float(d["occ_miss"]), meta=dict(d.get("meta", {})))


def _swap_flags(truth: np.ndarray, det: np.ndarray) -> dict[str, np.ndarray]:
    """Per frame and group: True where the detection is closer to the mirrored truth (N, 33, 2) → (N,)."""
    out = {}
    for g, idx in GROUPS.items():
        direct = np.linalg.norm(det[:, idx] - truth[:, idx], axis=-1).mean(-1)
        mirrored = np.linalg.norm(det[:, idx] - truth[:, MIRROR[idx]], axis=-1).mean(-1)
        out[g] = mirrored < 0.5 * direct
    return out


def _world_scale(det: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """Per-frame least-squares scale of the detector's world skeleton to the truth's: (N,33,3) ×2 → (N,)."""
    return (det * truth).sum((1, 2)) / np.maximum((truth * truth).sum((1, 2)), 1e-12)


def _lag1(x: np.ndarray, clip: np.ndarray) -> float:
    """Lag-1 correlation of normal scores of x (N, K) within clips (consecutive rows of the same clip)."""
    from scipy.stats import norm, rankdata

    z = norm.ppf((rankdata(x, axis=0) - 0.5) / len(x))
    same = clip[1:] == clip[:-1]
    a, b = z[:-1][same].ravel(), z[1:][same].ravel()
    return float(np.clip(np.corrcoef(a, b)[0, 1], 0.0, 0.99)) if len(a) > 2 else 0.0


def fit_noise(truth2d: np.ndarray, det2d: np.ndarray, truth_world: np.ndarray, det_world: np.ndarray,
              visibility: np.ndarray, found: np.ndarray, yaw: np.ndarray, clip: np.ndarray,
              occluded: np.ndarray, occluder: np.ndarray, meta: dict[str, Any] | None = None) -> DetectorNoise:
    """Fit the tables from N frames of detector-on-render pairs: truth2d/det2d (N,33,2) px; truth_world (N,33,3)
    camera-frame hip-centred m; det_world (N,33,3); visibility (N,33); found (N,) bool; yaw (N,) rad; clip (N,)
    clip ids (rows in frame order); occluded (N,33) bool (landmark under an occluder); occluder (N,) bool (an
    occluder was drawn on the frame). Frames without an occluder give the clear tables; the occluded landmarks
    of frames with one give the occluded tables."""
    clear = found & ~occluder
    t2, d2, tw, dw = truth2d[clear], det2d[clear], truth_world[clear], det_world[clear]
    sw = _swap_flags(t2, d2)
    ybin = np.clip(np.digitize(np.degrees(np.abs(yaw[clear])), YAW_BINS_DEG[1:-1]), 0, 3)
    swap = {g: np.array([f[ybin == k].mean() if (ybin == k).any() else 0.0 for k in range(4)]) for g, f in sw.items()}
    fixed = swap_groups(t2[:, None], {g: f[:, None] for g, f in sw.items()})[:, 0]
    fixed_w = swap_groups(tw[:, None], {g: f[:, None] for g, f in sw.items()})[:, 0]
    side = np.ptp(landmark_box(fixed)[:, [0, 2]], -1)
    e2 = (d2 - fixed) / side[:, None, None]
    scale = _world_scale(dw, fixed_w)
    e3 = dw / scale[:, None, None] - fixed_w
    occ_rows = found & occluder & occluded.any(1)
    m = occluded[occ_rows]
    ot2, od2 = truth2d[occ_rows], det2d[occ_rows]
    oside = np.ptp(landmark_box(ot2)[:, [0, 2]], -1)
    oe2 = ((od2 - ot2) / oside[:, None, None])[m]
    # The occluded frames' world scale is clamped into the range the clear frames showed. Unclamped, the least-
    # squares scale of a frame whose occluded landmarks BlazePose placed wildly went to ~0, and dividing by it blew
    # the occluded 3D errors up to tens of metres (the 2026-11-29 table's ends were −101 … +44 m). The detector's
    # scale is drawn from the clear table when sampling anyway; what the occluded table must hold is the placement.
    otw, odw = truth_world[occ_rows], det_world[occ_rows]
    osc_raw = _world_scale(odw, otw)
    osc = np.clip(osc_raw, scale.min(), scale.max())
    oe3 = (odw / osc[:, None, None] - otw)[m]
    if not m.any():  # no occluded landmark seen: the occluded tables are the clear ones, pooled
        oe2, oe3, ovis = e2.reshape(-1, 2), e3.reshape(-1, 3), visibility[clear].ravel()
    else:
        ovis = visibility[occ_rows][m]
    has_occ = occluder & occluded.any(1)
    stats = {"median_err2d": np.median(e2, 0).round(5).tolist(), "median_visibility":
             np.median(visibility[clear], 0).round(4).tolist(), "median_abs_err3d_m": np.median(np.abs(e3), 0).round(4).tolist(),
             "frames_clear": int(clear.sum()), "frames_occluded": int(occ_rows.sum()),
             "landmarks_occluded": int(m.sum()), "median_visibility_occluded": float(np.median(ovis)),
             "frames_occluded_scale_clamped": int((osc != osc_raw).sum()),
             "occluded_err3d_q25_q75_m": np.quantile(oe3, [0.25, 0.75], 0).T.round(4).tolist()}
    return DetectorNoise(
        err2d=_q(e2), err3d=_q(e3), scale3d=_q(scale), visibility=_q(visibility[clear]), swap=swap,
        miss=float(1 - found[~occluder].mean()), rho=_lag1(e2.reshape(len(e2), -1), clip[clear]),
        occ_err2d=_q(oe2), occ_err3d=_q(oe3), occ_visibility=_q(ovis),
        occ_miss=float(1 - found[has_occ].mean()) if has_occ.any() else 0.0,
        meta={**(meta or {}), "stats": stats})
