"""Stage "motion file": a clip fit → the motion file, via :func:`core.fitting.clip_motion.motion_from_clip_fit`.

That function builds the Y-up world on the fit's floor (a tilted phone is undone, the floor at y = 0, the
camera assumed static), foot contacts, ``valid`` = person found and confidence = mean landmark visibility.
This stage adds the user's threshold — frames whose confidence is below ``min_confidence`` are invalid too — the
detector's own evidence of a whole body (a leg seen: :func:`leg_visibility`), the fit's agreement (a frame whose
fitted body does not reproject onto the landmarks is no person) and persistence (a run of frames), all in
:func:`presence`, and writes the file atomically (format from the file name). Invalid frames keep the fit's interpolated values
in the file but are flagged ``valid = False`` (never silently presented as seen).
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from core.detect.landmarks import Landmarks
from core.fitting.clip_motion import motion_from_clip_fit
from core.inference.world import WorldTrajectory
from core.motion import Motion, validate_motion, write_motion

__all__ = ["MotionStage", "MotionOutput", "NoPerson", "run_motion", "MAX_REPROJECTION", "MIN_LEG_VISIBILITY", "MIN_RUN",
           "leg_visibility", "no_person", "presence", "sample_times"]

#: A detected frame shows a person only if the fitted body also reprojects onto the detector's landmarks:
#: mean 2D error ≤ this fraction of the clip's torso length. Calibrated on real footage (docs/inference.md,
#: "Person presence"): real people 3.4–18.2 % (the walk clip's 94 found frames ≤ 11.6 %, a 24-frame excerpt's
#: first frame 18.2 %, a half-visible person ≤ 9.4 %); landmark clouds in the person's box 122–159 %.
MAX_REPROJECTION = 0.40
#: A detected frame shows a person only if BlazePose also sees at least one leg: the better side's mean knee and
#: ankle visibility ≥ this. BlazePose's false detections in real empty scenes (a launch pad's towers, a bird
#: filling the frame) are mostly upper bodies with the legs unseen (better leg ≤ 0.60 on every empty clip), which
#: the fit matches as well as a real person's (reprojection mostly 9–20 %); real people walking, entering at the
#: frame's edge or leaving it: 0.93–1.00 (docs/inference.md, "Person presence"; bench/bench_presence.py).
MIN_LEG_VISIBILITY = 0.7
#: A person stays: frames that pass every other check but form a run shorter than this (or than the clip) are
#: not a person. BlazePose's false detections that pass the per-frame checks come in bursts of 1–3 frames (a
#: launch pad's towers: legs 0.90, visibility 0.87, reprojection 12–20 %, like a real person's); real people
#: are tracked for whole runs (docs/inference.md, "Person presence").
MIN_RUN = 5
#: BlazePose landmark indices of the knees and ankles, [left knee, left ankle], [right knee, right ankle].
_LEGS = ((25, 27), (26, 28))


class NoPerson(ValueError):
    """No frame passes the presence gate (:func:`presence`): the run's verdict, with what to do."""


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
                     stage.min_confidence, leg_visibility(stage.landmarks.visibility))
    if not valid.any():
        raise no_person(stage.min_confidence, float(np.max(motion.confidence)))
    lm = stage.landmarks
    motion = validate_motion(replace(motion, valid=valid, timestamps=sample_times(lm.frame_index, lm.time_ms, lm.fps),
                                     hand_pose=stage.hand_pose, hand_seen=stage.hand_seen))
    write_motion(stage.output, motion)
    return MotionOutput(motion, world)


def leg_visibility(visibility: np.ndarray) -> np.ndarray:
    """(F,33) BlazePose landmark visibility → (F,) the better leg's mean knee + ankle visibility."""
    v = np.asarray(visibility, np.float64)
    return np.max([v[:, list(side)].mean(1) for side in _LEGS], axis=0)


def presence(found: np.ndarray, confidence: np.ndarray, reprojection: np.ndarray, min_confidence: float,
             legs: np.ndarray, frames: int | None = None) -> np.ndarray:
    """(F,) bool: a person is there where the detector found one (its own pose-presence score passed, see
    :data:`core.detect.blazepose.MIN_POSE_PRESENCE`) with mean landmark visibility ≥ ``min_confidence`` and a leg
    seen (``legs`` from :func:`leg_visibility` ≥ :data:`MIN_LEG_VISIBILITY`), *and* the fit agrees (reprojection ≤
    :data:`MAX_REPROJECTION` of the torso length), in a run of at least :data:`MIN_RUN` such frames (or of the whole
    clip's ``frames``, default the arrays' length, when it is shorter). On frames [lo, hi) of a longer clip the
    answer for [lo + MIN_RUN − 1, hi − MIN_RUN + 1) is the whole clip's (:mod:`.motion_blocks`)."""
    r = np.nan_to_num(np.asarray(reprojection, np.float64), nan=np.inf)
    ok = found & (confidence >= min_confidence) & (np.asarray(legs) >= MIN_LEG_VISIBILITY) & (r <= MAX_REPROJECTION)
    return _without_short_runs(ok, min(MIN_RUN, len(ok) if frames is None else frames))


def _without_short_runs(mask: np.ndarray, length: int) -> np.ndarray:
    """(F,) bool with every run of True shorter than ``length`` set False."""
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    out = mask.copy()
    for a, b in zip(starts, ends):
        if b - a < length:
            out[a:b] = False
    return out


def no_person(min_confidence: float, best: float) -> NoPerson:
    """The verdict when no frame passes :func:`presence` (``best``: the clip's highest landmark confidence)."""
    return NoPerson(f"no person: no frame has a person with landmark confidence ≥ {min_confidence} (best {best:.2f}), "
                    f"a leg in view and a fitted body that matches the landmarks: is anyone in view? Film the whole "
                    f"body (or lower --min-confidence)")


def sample_times(frame_index: np.ndarray, time_ms: np.ndarray | None, fps: float) -> np.ndarray | None:
    """The frames' presentation times (seconds from the first sample) when the source is variable-rate
    (:mod:`core.inference.timing`); None for a constant rate (the file stays as before: even samples)."""
    from core.inference.timing import timing_report

    if time_ms is None:
        return None
    report = timing_report(frame_index, time_ms, fps)
    return report.times if report is not None and report.variable and report.increasing else None
