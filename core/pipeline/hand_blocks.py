"""Stage "hands" on a long video (``hkmr infer --hands`` on :mod:`.run`'s blocked path): memory flat in the length.

The whole clip's stage (:mod:`.hands`) in pieces, by the same functions, between the segments' fit
(:mod:`.stream`) and the motion file written in blocks (:mod:`.motion_blocks`):

- **Detection**, :attr:`.hands.HandBlocks.chunk` frames at a time: the body's landmarks of the chunk are read from
  detection's chunks in the work folder, their left/right swaps undone over the chunk ± :data:`SWAP_PAD` frames
  (:func:`core.detect.swaps.fix_swaps`; the whole clip's path undoes them over the clip: the same labels but where a
  swap's best labelling depends on frames further away), the video is decoded once more, frame by frame, and the
  chunk's hands (:func:`core.detect.hands.detect_hands`, one detector for the clip) are appended to columns in the
  work folder (``hands/detect/``, :class:`hkmr_blender.base.columns.Columns`).
- **Finger fit**, block by block from those columns (:func:`core.fitting.hands.fit_hand_blocks`, the whole clip's
  path too): each final piece's wrists are refined (:func:`core.fitting.hands.refine_wrists`) on the fit's own
  columns (:class:`core.fitting.segments.DiskFit`, rewritten in place, so the motion file and the overlay read the
  refined body, as the whole clip's path hands them the refined fit), and its ``hand_pose`` / ``hand_seen`` are
  appended to ``hands/fit/``, which :mod:`.motion_blocks` reads beside the body's rows.

Held for the whole clip: nothing but the frame index (8 bytes a frame). Resume: ``hands/`` is made afresh by every
run and the fit's columns the wrists are refined in are rebuilt from the finished segments by every run
(:mod:`.stream`), so an interrupted run redoes the hands from the start; detection's chunks and the body's segments
are resumed as before.
"""
from __future__ import annotations

import time
from typing import Iterator

import numpy as np

from core.detect.hand_landmarks import HandLandmarks
from core.detect.swaps import fix_swaps
from core.fitting.hands import fit_hand_blocks, refine_wrists
from hkmr_blender.base.columns import Columns

from .detect import landmarks_from_arrays
from .hands import HandBlocks, Progress, body_hand_skeleton, hands_message

__all__ = ["SWAP_PAD", "HAND_ARRAYS", "run_hand_blocks"]

#: Frames read on each side of a detection chunk to undo the body's left/right swaps over (:mod:`core.detect.swaps`).
SWAP_PAD = 64
#: The per-frame arrays of :class:`core.detect.hand_landmarks.HandLandmarks` kept in ``hands/detect/``.
HAND_ARRAYS = ("points2d", "world", "score", "found", "crops")


class _FrameCursor:
    """One pass over a frame source's ``(index, image)`` pairs, handed out in consecutive runs (:meth:`until`)."""

    def __init__(self, frames: Iterator[tuple[int, np.ndarray]]):
        self._it, self._next = iter(frames), None

    def until(self, last: int) -> Iterator[tuple[int, np.ndarray]]:
        """The frames up to source index ``last`` (inclusive); a later frame waits for the next run."""
        while True:
            item, self._next = (self._next, None) if self._next is not None else (next(self._it, None), None)
            if item is None:
                return
            if item[0] > last:
                self._next = item
                return
            yield item


def _detect(src, work, frames: int, blocks: HandBlocks, options, out: Columns, progress=None) -> np.ndarray:
    """Hands of frames [0, frames), chunk by chunk, appended to ``out`` → (2,) frames with a left / right hand."""
    from core.detect.hands import HandDetector, detect_hands  # mediapipe only when hands are asked for

    info = src.info
    size, seen, cursor = (info.width, info.height), np.zeros(2, np.int64), None
    with HandDetector(options) as det:
        for a in range(0, frames, blocks.chunk):
            b = min(a + blocks.chunk, frames)
            lo, hi = max(a - SWAP_PAD, 0), min(b + SWAP_PAD, frames)
            body = fix_swaps(landmarks_from_arrays(work.load_range(lo, hi), size, info.fps)).landmarks
            body = body.select(slice(a - lo, b - lo))
            if cursor is None:
                cursor = _FrameCursor(src.frames(int(body.frame_index[0])))
            hands = detect_hands(cursor.until(int(body.frame_index[-1])), body, options, det)
            getattr(src, "times_ms", {}).clear()  # the frame source's per-frame times: not needed here, not kept
            out.append({k: getattr(hands, k) for k in HAND_ARRAYS})
            seen += hands.found.sum(0)
            if progress is not None:
                progress(b, 2 * frames)
    return seen


def run_hand_blocks(body, src, work, fit, blocks: HandBlocks, seconds: dict, log=None, options=None,
                    progress: Progress | None = None) -> Columns:
    """The long video's hands (module docstring): ``fit`` the clip's :class:`core.fitting.segments.DiskFit` (its
    wrists are refined in place), ``work`` the run's :class:`core.inference.workdir.WorkDir` (detection's chunks);
    ``progress`` after each chunk and each finger block (:data:`.hands.Progress`).
    → columns ``hand_pose`` (F,90) float64 and ``hand_seen`` (F,2) bool in ``work``'s ``hands/fit/``."""
    blocks, n = blocks.validate(), fit.frames
    index = np.asarray(work.load_range(0, n, keys=("frame_index",))["frame_index"], np.int64)
    t = time.perf_counter()
    detected = Columns(work.path / "hands" / "detect")
    seen = _detect(src, work, n, blocks, options, detected, progress)
    seconds["hand_detect"] = time.perf_counter() - t
    t = time.perf_counter()

    def hands(lo: int, hi: int) -> HandLandmarks:
        return HandLandmarks(**detected.load(lo, hi), frame_index=index[lo:hi])

    out, parents, refined = Columns(work.path / "hands" / "fit"), [int(p) for p in body.parents], 0
    for a, piece in fit_hand_blocks(body_hand_skeleton(body, fit.betas), hands, n, blocks.block, blocks.margin):
        b = a + len(piece.found)
        rotmats, done = refine_wrists(fit.columns.read("rotmats", a, b), piece, parents)
        fit.columns.write("rotmats", a, rotmats)
        out.append({"hand_pose": np.asarray(piece.hand_pose, np.float64), "hand_seen": np.asarray(piece.found, bool)})
        refined += int(done.sum())
        if progress is not None:
            progress(n + b, 2 * n)
    detected.remove()
    seconds["hand_fit"] = time.perf_counter() - t
    if log:
        log(hands_message(int(seen[0]), int(seen[1]), n, refined, seconds))
    return out
