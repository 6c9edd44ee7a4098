"""Stage "motion file": a clip fit → the motion file, via :func:`core.fitting.clip_motion.motion_from_clip_fit`.

That function builds the Y-up world on the fit's floor (a tilted phone is undone, the floor at y = 0, the
camera assumed static), foot contacts, ``valid`` = person found and confidence = mean landmark visibility.
This stage adds the user's threshold — frames whose confidence is below ``min_confidence`` are invalid too —
and writes the file atomically (format from the file name). Invalid frames keep the fit's interpolated values
in the file but are flagged ``valid = False`` (never silently presented as seen).
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from core.detect.landmarks import Landmarks
from core.fitting.clip_motion import motion_from_clip_fit
from core.inference.world import WorldTrajectory
from core.motion import Motion, validate_motion, write_motion

__all__ = ["MotionStage", "MotionOutput", "run_motion"]


@dataclass
class MotionStage:
    """fit: :class:`core.fitting.clip.ClipFit` of ``landmarks``; output: motion file path; hand_pose: optional
    (F,90) finger rotations, one row per landmark frame."""

    fit: object
    landmarks: Landmarks
    output: str
    min_confidence: float = 0.3
    origin: str = "first_frame"
    include_mesh: bool = True
    hand_pose: np.ndarray | None = None  # (F,90) SMPL-H finger joints (``hkmr infer --hands``), else None


@dataclass
class MotionOutput:
    """motion: what was written; world: its world trajectory and the world → camera map (for overlays)."""

    motion: Motion
    world: WorldTrajectory


def run_motion(body, stage: MotionStage) -> MotionOutput:
    motion, world = motion_from_clip_fit(body, stage.fit, stage.landmarks, origin=stage.origin,
                                         include_mesh=stage.include_mesh)
    valid = np.asarray(motion.valid, bool) & (np.asarray(motion.confidence) >= stage.min_confidence)
    if not valid.any():
        raise ValueError(f"no frame has a person with landmark confidence ≥ {stage.min_confidence} (best "
                         f"{float(np.max(motion.confidence)):.2f}); lower --min-confidence or film the whole body")
    motion = validate_motion(replace(motion, valid=valid, hand_pose=stage.hand_pose))
    write_motion(stage.output, motion)
    return MotionOutput(motion, world)
