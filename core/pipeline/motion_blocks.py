"""Stage "motion file" for a long video, block by block: memory flat in the clip's length.

The same computation as :func:`.motion.run_motion` — the world on the fit's floor
(:func:`core.inference.world.world_frame`, anchored on the first valid frame), the fit's foot contacts, confidence
from the landmarks' visibility, the presence gate (:func:`.motion.presence`), the times of a variable-rate source
(:func:`.motion.sample_times`), the filming camera, the fingers of ``--hands`` (:mod:`.hand_blocks`) — done on
:attr:`BlockedMotionStage.block` frames at a time: the fit's stitched frames are read from the work folder
(:class:`core.fitting.segments.DiskFit`), the landmarks from detection's chunks, and each block's :class:`~core.motion.Motion` goes to
:func:`hkmr_blender.base.formats.write_motion_blocks`, which writes the same ``.npz`` the whole clip's write gives
(atomic: a failure, "no person" included, leaves no file and no temporary). Every step is per frame except the
presence gate's persistence rule (a run of :data:`.motion.MIN_RUN` frames), so each block's gate looks
``MIN_RUN − 1`` frames past its ends; with those the result equals the whole-array computation.

The landmarks are read as detected, their left/right swaps not undone (the fit undid them per segment,
:mod:`.stream`): what this stage takes from them — the mean visibility of the landmarks the body has and the
better leg's knee and ankle visibility — is the same under an exchange of the two sides' labels.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable, Iterator

import numpy as np

from core.detect.landmarks import Landmarks
from core.fitting.clip_motion import landmark_confidence, motion_of_world, sample_rate
from core.inference.world import WorldFrame, WorldTrajectory, world_frame
from core.motion import Motion
from hkmr_blender.base.formats import write_motion_blocks

from .motion import MIN_RUN, leg_visibility, no_person, presence, sample_times

__all__ = ["BlockedMotionStage", "BlockedMotion", "DiskTrajectory", "run_motion_blocks", "block_ranges"]


@dataclass
class BlockedMotionStage:
    """fit: :class:`core.fitting.segments.DiskFit`; landmarks: frames [a, b) → their
    :class:`~core.detect.landmarks.Landmarks` (detection's chunks); frame_index / time_ms: the whole clip's (small:
    the clip's timing); output: the motion file; hands: the finger fit's rows on disk or None; the rest as
    :class:`.motion.MotionStage`."""

    fit: object
    landmarks: Callable[[int, int], Landmarks]
    frame_index: np.ndarray
    time_ms: np.ndarray | None
    fps: float
    output: str
    min_confidence: float = 0.3
    origin: str = "first_frame"
    include_mesh: bool = True
    block: int = 4096
    hands: object = None  # ``hkmr infer --hands``: columns hand_pose (F,90), hand_seen (F,2) (:mod:`.hand_blocks`)


@dataclass
class DiskTrajectory:
    """The clip's world trajectory, read from its fit on disk by frame range: :meth:`part` gives frames [a, b) as
    the whole clip's :class:`~core.inference.world.WorldTrajectory` holds them (the overlay's input; a static
    camera, as every streamed fit has)."""

    fit: object
    frame: WorldFrame

    def part(self, a: int, b: int) -> WorldTrajectory:
        cols = self.fit.columns
        return self.frame.trajectory(cols.read("rotmats", a, b), cols.read("transl", a, b))


@dataclass
class BlockedMotion:
    """frames written, ``valid`` (F,) bool: the presence gate's answer per frame (what the file holds), and
    ``world``: the clip's world trajectory on disk (for ``--overlay``)."""

    frames: int
    valid: np.ndarray
    world: DiskTrajectory


def block_ranges(frames: int, block: int, pad: int) -> Iterator[tuple[int, int, int, int]]:
    """→ (a, b, lo, hi) per block: its frames [a, b) and the frames [lo, hi) read for them (``pad`` more on each
    side, cut to the clip)."""
    for a in range(0, frames, block):
        b = min(a + block, frames)
        yield a, b, max(a - pad, 0), min(b + pad, frames)


def run_motion_blocks(body, stage: BlockedMotionStage) -> BlockedMotion:
    """Write the motion file of ``stage.fit`` block by block (module docstring). Raises :class:`.motion.NoPerson`
    when no frame passes the presence gate (nothing is written)."""
    fit, n = stage.fit, stage.fit.frames
    if len(stage.frame_index) != n:
        raise ValueError(f"the fit has {n} frames, the landmarks {len(stage.frame_index)}")
    found = fit.columns.read("valid", 0, n)
    if not found.any():
        raise no_person(stage.min_confidence, 0.0)
    f0 = int(np.flatnonzero(found)[0])
    first = fit.load(f0, f0 + 1)
    frame = world_frame(body, fit.betas, first["rotmats"][0], first["transl"][0], stage.origin, fit.floor)
    times = sample_times(stage.frame_index, stage.time_ms, stage.fps)
    valid = np.zeros(n, bool)
    best = [0.0]

    def blocks() -> Iterator[Motion]:
        for a, b, lo, hi in block_ranges(n, stage.block, MIN_RUN - 1):
            rows, lm = fit.load(lo, hi), stage.landmarks(lo, hi)
            if len(lm.found) != hi - lo:
                raise ValueError(f"frames [{lo}, {hi}): {len(lm.found)} landmark frames")
            conf = landmark_confidence(body, lm)
            gate = presence(rows["valid"], conf, rows["reprojection"], stage.min_confidence,
                            leg_visibility(lm.visibility), n)
            core = slice(a - lo, b - lo)
            valid[a:b] = gate[core]
            best[0] = max(best[0], float(conf[core].max()))
            world = frame.trajectory(rows["rotmats"][core], rows["transl"][core])
            motion = motion_of_world(body, world, fit.betas, rows["valid"][core], rows["contacts"][core], fit.camera,
                                     lm.select(core), sample_rate(lm), stage.include_mesh and a == 0)
            hands = {} if stage.hands is None else {"hand_pose": stage.hands.read("hand_pose", a, b),
                                                    "hand_seen": stage.hands.read("hand_seen", a, b)}
            yield replace(motion, valid=gate[core], timestamps=None if times is None else times[a:b], **hands)
        if not valid.any():  # raised inside the writer: it leaves nothing behind
            raise no_person(stage.min_confidence, best[0])

    frames = write_motion_blocks(stage.output, blocks())
    return BlockedMotion(frames, valid, DiskTrajectory(fit, frame))

