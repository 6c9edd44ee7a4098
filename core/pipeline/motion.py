"""Stage "motion file": a clip fit → the motion file, via :func:`core.fitting.clip_motion.motion_from_clip_fit`.

That function builds the Y-up world on the fit's floor (a tilted phone is undone, the floor at y = 0, the
camera assumed static), foot contacts, ``valid`` = person found and confidence = mean landmark visibility.
This stage adds the user's threshold — frames whose confidence is below ``min_confidence`` are invalid too — and
the fit's agreement (:func:`presence`: a frame whose fitted body does not reproject onto the landmarks is no
person), and writes the file atomically (format from the file name). Invalid frames keep the fit's interpolated values
in the file but are flagged ``valid = False`` (never silently presented as seen).
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from core.detect.landmarks import Landmarks
from core.fitting.clip_motion import motion_from_clip_fit
from core.inference.world import WorldTrajectory
from core.motion import Motion, validate_motion, write_motion

__all__ = ["MotionStage", "MotionOutput", "run_motion", "MAX_REPROJECTION", "presence"]

#: A detected frame shows a person only if the fitted body also reprojects onto the detector's landmarks:
#: mean 2D error ≤ this fraction of the clip's torso length. Calibrated on real footage (docs/inference.md,
#: "Person presence"): real people 3.4–18.2 % (the walk clip's 94 found frames ≤ 11.6 %, a 24-frame excerpt's
#: first frame 18.2 %, a half-visible person ≤ 9.4 %); landmark clouds in the person's box 122–159 %.
MAX_REPROJECTION = 0.40


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
    hand_seen: np.ndarray | None = None  # (F,2) bool: that hand was detected (else hand_pose is the fit's bridge)


@dataclass
class MotionOutput:
    """motion: what was written; world: its world trajectory and the world → camera map (for overlays)."""

    motion: Motion
    world: WorldTrajectory


def run_motion(body, stage: MotionStage) -> MotionOutput:
    motion, world = motion_from_clip_fit(body, stage.fit, stage.landmarks, origin=stage.origin,
                                         include_mesh=stage.include_mesh)
    valid = presence(np.asarray(motion.valid, bool), np.asarray(motion.confidence), stage.fit.reprojection,
                     stage.min_confidence)
    if not valid.any():
        raise ValueError(f"no frame has a person with landmark confidence ≥ {stage.min_confidence} (best "
                         f"{float(np.max(motion.confidence)):.2f}) whose fitted body matches the landmarks: is anyone "
                         f"in view? Lower --min-confidence or film the whole body")
    motion = validate_motion(replace(motion, valid=valid, timestamps=_timestamps(stage.landmarks, motion),
                                             hand_pose=stage.hand_pose, hand_seen=stage.hand_seen))
    write_motion(stage.output, motion)
    return MotionOutput(motion, world)


def presence(found: np.ndarray, confidence: np.ndarray, reprojection: np.ndarray,
             min_confidence: float) -> np.ndarray:
    """(F,) bool: a person is there where the detector found one with mean landmark visibility ≥
    ``min_confidence`` *and* the fit agrees (reprojection ≤ :data:`MAX_REPROJECTION` of the torso length)."""
    r = np.asarray(reprojection, np.float64)
    return found & (confidence >= min_confidence) & (np.nan_to_num(r, nan=np.inf) <= MAX_REPROJECTION)


def _timestamps(lm: Landmarks, motion: Motion) -> np.ndarray | None:
    """The frames' presentation times (seconds from the first sample) when the source is variable-rate
    (:mod:`core.inference.timing`); None for a constant rate (the file stays as before: even samples)."""
    from core.inference.timing import timing_report

    if lm.time_ms is None or not np.array_equal(np.asarray(motion.frame_index), np.asarray(lm.frame_index)):
        return None
    report = timing_report(lm.frame_index, lm.time_ms, lm.fps)
    return report.times if report is not None and report.variable else None
