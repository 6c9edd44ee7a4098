"""BlazePose's 3D world landmarks lean away from the camera; one measured turn about the camera's x axis undoes it.

On real mocap rendered and seen by BlazePose (bench/bench_starts.py, docs/experiments.md, issue 20) the torso's
up direction in its world landmarks (mid-hip → mid-shoulder) leans away from the camera against the truth. First
measured on one clip (12.0°: a training subject's walk, CMU 003_02, camera at 1.5 m, one look per frame); with the
mirror pass (two looks averaged, :mod:`core.detect.mirror`) re-measured over 23 choosing renders (subjects 3, 5, 6, 7,
CMU 135; cameras 0.6–2.6 m up): median 3–6°, −8 … +11° per clip, larger from higher cameras, clip-specific
(bench/lean_bias.py). The fit chose :data:`WORLD_LEAN_DEG` = 6° among 3, 6, 9 and 12 on those renders and
it was made the default by a held-out rule (issue 20, session 10). numpy only; the 2D landmarks are untouched.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from .landmarks import Landmarks

__all__ = ["WORLD_LEAN_DEG", "lean_matrix", "level_world"]

#: Degrees by which BlazePose's world landmarks are turned towards the camera (about the camera's x axis).
WORLD_LEAN_DEG = 6.0


def lean_matrix(degrees: float) -> np.ndarray:
    """(3,3) rotation about x (camera axes: x right, y down, z forward) that turns an upright torso's up
    direction (0, −1, 0) towards the camera (−z) by ``degrees``."""
    a = np.radians(degrees)
    return np.array([[1, 0, 0], [0, np.cos(a), -np.sin(a)], [0, np.sin(a), np.cos(a)]])


def level_world(lm: Landmarks, degrees: float = WORLD_LEAN_DEG) -> Landmarks:
    """A copy of ``lm`` whose world landmarks (hip-centred, so the hips stay at the origin) are turned by
    :func:`lean_matrix` (``degrees``); frames without a person hold zeros and stay zeros."""
    world = (lm.world.astype(np.float64) @ lean_matrix(degrees).T).astype(lm.world.dtype)
    return replace(lm, world=world)
