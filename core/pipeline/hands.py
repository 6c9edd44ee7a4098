"""Stage "hands" (``hkmr infer --hands``): body landmarks + frames → hand landmarks → finger rotations.

Runs after the body's detect stage (it needs the body's wrists to crop around) and after the fit (the finger
skeleton follows the fitted betas): :func:`run_hand_detect` decodes the clip a second time and searches crops
around both wrists (:mod:`core.detect.hands`); :func:`run_hand_fit` fits SMPL-H's 2×15 finger joints
(:mod:`core.fitting.hands`) on the open body's hand skeleton (:mod:`core.body.hands`); :func:`refine_body_wrists`
turns the body's wrists to the fitted hands. The fit goes :attr:`HandBlocks.block` frames at a time
(:func:`core.fitting.hands.fit_hand_blocks`; a clip of up to that length is one fit); a long video's hands are done
in chunks from disk (:mod:`.hand_blocks`) by the same functions. Not resumable per chunk: an interrupted run redoes
the hands.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterator

import numpy as np
import torch

from core.body.hands import HandSkeleton, hand_skeleton
from core.detect.hand_landmarks import HandLandmarks
from core.detect.landmarks import Landmarks
from core.fitting.hands import (HAND_BLOCK, HAND_MARGIN, HandFit, fit_hand_blocks, fit_hands, join_hand_fits,
                                refine_wrists)

__all__ = ["HandBlocks", "HandStage", "run_hand_detect", "body_hand_skeleton", "run_hand_fit", "refine_body_wrists",
           "hands_message", "hand_progress"]

#: ``progress(done, total)`` of the hands stage: detection, then the finger fit, each counted in frames (total 2·F).
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class HandBlocks:
    """The pieces a clip's hands are done in: ``block`` / ``margin``: the finger fit's blocks and their shared
    frames (:func:`core.fitting.hands.fit_hand_blocks`, every clip); ``chunk``: frames whose hands a long video
    detects at a time (:mod:`.hand_blocks`)."""

    block: int = HAND_BLOCK
    margin: int = HAND_MARGIN
    chunk: int = 256

    def validate(self) -> "HandBlocks":
        if not (1 <= self.margin <= self.block // 2 and self.chunk >= 1):
            raise ValueError(f"hand blocks: need 1 ≤ margin ≤ block/2 and chunk ≥ 1, got {self}")
        return self


@dataclass
class HandStage:
    """source: the decoded input (the same frames the body was detected on); landmarks: the body's;
    options: :class:`core.detect.hands.HandOptions` (None: defaults); progress: :data:`Progress` or None."""

    source: object
    landmarks: Landmarks
    options: object = field(default=None)
    progress: Progress | None = None


def hand_progress(fit_progress: Callable[..., None] | None) -> Progress | None:
    """The hands stage's :data:`Progress` reported through the run's ``fit_progress(done, total, stage=…)`` as
    stage "hands" (``hkmr infer --progress json``; Blender's status bar), or None without one."""
    return None if fit_progress is None else (lambda done, total: fit_progress(done, total, stage="hands"))


def _ticking(frames: Iterator, tick: Callable[[int], None], every: int = 16) -> Iterator:
    """``frames`` unchanged, ``tick(k)`` after every ``every``-th item (k items handed out)."""
    for k, item in enumerate(frames, 1):
        yield item
        if k % every == 0:
            tick(k)


def run_hand_detect(stage: HandStage) -> HandLandmarks:
    from core.detect.hands import detect_hands  # mediapipe only when hands are asked for

    n = stage.landmarks.num_frames
    first = int(stage.landmarks.frame_index[0]) if n else 0
    frames = stage.source.frames(first)
    if stage.progress is not None:
        frames = _ticking(frames, lambda k: stage.progress(min(k, n), 2 * n))
    return detect_hands(frames, stage.landmarks, stage.options)


def body_hand_skeleton(body, betas: np.ndarray) -> HandSkeleton:
    """The rest hands of ``body`` (a :class:`core.body.model.BodyModel`) shaped by ``betas`` (NB,)."""
    with torch.no_grad():
        b = torch.as_tensor(np.asarray(betas, np.float32)[None], dtype=torch.float32)
        verts = body.shaped_vertices(b)[0].double().numpy()
        joints = body.rest_joints(b)[0].double().numpy()
    tips = {str(n): int(i) for n, i in zip(body.surface_names, body.surface_vertex_ids)}
    return hand_skeleton(verts, joints, tips)


def run_hand_fit(body, betas: np.ndarray, hands: HandLandmarks, blocks: HandBlocks = HandBlocks(),
                 progress: Progress | None = None) -> HandFit:
    """The clip's finger fit (in blocks, :func:`core.fitting.hands.fit_hand_blocks`) on ``body``'s hands shaped by
    ``betas``; ``progress`` after each block (the stage's second half, :data:`Progress`)."""
    skel = body_hand_skeleton(body, betas)
    n, pieces = hands.num_frames, []
    for a, p in fit_hand_blocks(skel, lambda a, b: hands.select(slice(a, b)), n, blocks.block, blocks.margin):
        pieces.append(p)
        if progress is not None:
            progress(n + a + len(p.found), 2 * n)
    return join_hand_fits(pieces) if pieces else fit_hands(skel, hands)


def refine_body_wrists(body, clip_fit, hand_fit: HandFit):
    """The clip fit with its wrists turned to the fitted hands' orientations (frames with a hand, changes
    ≤ 60°; :func:`core.fitting.hands.refine_wrists`). Returns (new fit, (F,2) bool refined)."""
    from dataclasses import replace

    rotmats, done = refine_wrists(clip_fit.rotmats, hand_fit, [int(p) for p in body.parents])
    return replace(clip_fit, rotmats=rotmats), done


def hands_message(left: int, right: int, frames: int, refined: int, seconds: dict) -> str:
    """The log line of the hands stage: frames with a left / right hand found of ``frames``, wrists refined."""
    return (f"hands: left found in {left}, right in {right} of {frames} frames, wrists refined in {refined} "
            f"({seconds['hand_detect']:.1f} s + fit {seconds['hand_fit']:.1f} s)")
