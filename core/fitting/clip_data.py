"""What the clip fit's terms read (:mod:`.clip`): the detector's landmarks as tensors with their weights, the clip's
2D scale and time scale, and per-window slices of them.

Shapes: F frames, 33 BlazePose landmarks; pixels for 2D (camera y-down), metres for the world landmarks (BlazePose's
hip-centred frame, camera axes).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from core.body.landmark_offsets import LandmarkOffsets, load_landmark_offsets
from core.body.landmark_points import landmark_weights
from core.body.model import BodyModel
from core.detect.landmarks import Landmarks

from . import terms

__all__ = ["ClipData", "clip_data", "fill_missing", "torso_px", "window"]


@dataclass
class ClipData:
    px: torch.Tensor        # (F,33,2)
    w2: torch.Tensor        # (F,33)
    world: torch.Tensor     # (F,33,3)
    w3: torch.Tensor        # (F,33)
    scale: float            # 2D torso length, px
    time_scale: float       # (30 / fps)²: accelerations in 30-fps frame units
    rot: torch.Tensor | None = None  # (F,3,3) a moving camera's rotations (first camera → t), else None
    offsets: LandmarkOffsets | None = None  # where BlazePose puts its landmarks, for the 2D term (else None)
    offsets3d: bool = False               # the 3D term uses them too


def fill_missing(x: np.ndarray, found: np.ndarray) -> np.ndarray:
    """Per-frame values (F,...) where ``found``; elsewhere linear interpolation between found neighbours,
    held constant beyond the ends (a start value only: these frames stay invalid)."""
    idx = np.flatnonzero(found)
    if len(idx) == len(found):
        return x
    flat = x.reshape(len(x), -1)
    out = np.stack([np.interp(np.arange(len(x)), idx, flat[idx, k]) for k in range(flat.shape[1])], 1)
    return out.reshape(x.shape)


def torso_px(lm: Landmarks) -> float:
    """The clip's 2D torso length (pixels): median shoulders' centre → hips' centre over frames where the four are
    seen (visibility ≥ 0.5; else all found frames), at least 1."""
    sh = lm.points2d[:, list(terms.HIPS)].mean(1) - lm.points2d[:, list(terms.SHOULDERS)].mean(1)
    ok = lm.found & (lm.visibility[:, list(terms.SHOULDERS + terms.HIPS)].min(1) >= 0.5)
    ok = ok if ok.any() else lm.found
    return float(max(np.median(np.linalg.norm(sh[ok], axis=-1)), 1.0))


def clip_data(body: BodyModel, lm: Landmarks, visibility_power: float = 1.0, offsets: str = "none",
              torso_3d: float = 1.0) -> ClipData:
    """The terms' inputs; the 3D term's weights on the hips and shoulders × ``torso_3d`` (``cfg.w3d_torso``)."""
    found = torch.as_tensor(np.asarray(lm.found, bool))
    vis = torch.as_tensor(lm.visibility, dtype=torch.float32).clamp(0, 1) ** visibility_power
    w = vis * torch.as_tensor(landmark_weights(body)) * found[:, None]
    torso = torch.ones(w.shape[1]).index_fill(0, torch.tensor(terms.HIPS + terms.SHOULDERS), torso_3d)
    fps = lm.fps if lm.fps > 0 else 30.0
    off = load_landmark_offsets() if offsets != "none" else None
    return ClipData(torch.as_tensor(lm.points2d, dtype=torch.float32), w,
                    torch.as_tensor(lm.world, dtype=torch.float32), w * torso, torso_px(lm), (30.0 / fps) ** 2,
                    offsets=off, offsets3d=offsets == "all")


def window(d: ClipData, a: int, b: int) -> ClipData:
    """Frames [a, b) of ``d``."""
    return ClipData(d.px[a:b], d.w2[a:b], d.world[a:b], d.w3[a:b], d.scale, d.time_scale,
                    None if d.rot is None else d.rot[a:b], d.offsets, d.offsets3d)
