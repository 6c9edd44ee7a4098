"""BlazePose's 3D world landmarks lean away from the camera; one measured turn about the camera's x axis undoes it.

On real mocap rendered and seen by BlazePose (bench/bench_starts.py, docs/experiments.md, issue 20) the torso's
up direction in its world landmarks (mid-hip → mid-shoulder) leans away from the camera by 12.0° on average
against the truth (a training subject's walk, CMU 003_02, camera at 1.5 m; 14.4° on a held-out clip), and the
fit, which follows those landmarks, leaned with them. Turning the world landmarks towards the camera by
:data:`WORLD_LEAN_DEG` before the start and the fit lowered MPJPE on all five held-out clips (135 → 117 mm
frame-weighted) and PA-MPJPE on four (84.0 → 81.5 mm). Re-measured with the mirror pass (issue 20, session 10,
bench/lean_bias.py): 3.4° in the median over 23 choosing renders, −8 … +11° per clip, more from higher cameras; 6°
won on those renders and on one held-out set but lost on the eleven earlier held-out renders (MPJPE +4.3 mm, root
+0.7°), so 12° stays (docs/experiments.md). numpy only; the 2D landmarks are untouched.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from .landmarks import BLAZEPOSE_NAMES, Landmarks

__all__ = ["WORLD_LEAN_DEG", "lean_matrix", "level_world", "torso_lean"]

#: Degrees by which BlazePose's world landmarks are turned towards the camera (about the camera's x axis).
WORLD_LEAN_DEG = 12.0


def lean_matrix(degrees: float) -> np.ndarray:
    """(3,3) rotation about x (camera axes: x right, y down, z forward) that turns an upright torso's up
    direction (0, −1, 0) towards the camera (−z) by ``degrees``."""
    a = np.radians(degrees)
    return np.array([[1, 0, 0], [0, np.cos(a), -np.sin(a)], [0, np.sin(a), np.cos(a)]])


def torso_lean(points: np.ndarray) -> np.ndarray:
    """(F,33,3) BlazePose-ordered points in camera axes → (F,) degrees the torso's up (mid-hip → mid-shoulder) leans
    away from the camera about its x axis (+: the top away; :func:`level_world` by d lowers it by d)."""
    shoulders = [BLAZEPOSE_NAMES.index(f"{s}_shoulder") for s in ("left", "right")]
    hips = [BLAZEPOSE_NAMES.index(f"{s}_hip") for s in ("left", "right")]
    up = points[:, shoulders].mean(1) - points[:, hips].mean(1)
    return np.degrees(np.arctan2(up[:, 2], -up[:, 1]))


def level_world(lm: Landmarks, degrees: float = WORLD_LEAN_DEG) -> Landmarks:
    """A copy of ``lm`` whose world landmarks (hip-centred, so the hips stay at the origin) are turned by
    :func:`lean_matrix` (``degrees``); frames without a person hold zeros and stay zeros."""
    world = (lm.world.astype(np.float64) @ lean_matrix(degrees).T).astype(lm.world.dtype)
    return replace(lm, world=world)
