"""A long clip's fit in segments: where each segment lies, and how consecutive segments' fits are stitched.

A long video is fitted in segments while it is still being detected (:mod:`core.pipeline.stream`). Segment j's
core is frames ``[a, b)``; it is fitted over ``[lo, hi) = [a − margin, b + margin)`` (cut to the clip), so two
neighbours share ``2·margin`` frames around their common edge. There the two fits are blended with a weight rising
linearly from the left one to the right one (rotations re-projected onto SO(3), as the fit's own windows are,
:mod:`core.fitting.windows`); per-frame flags and errors (contacts, valid, reprojection) are taken from the left
fit up to the edge and from the right one after it. numpy + roma; no state but what is passed in.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import roma
import torch

__all__ = ["Segment", "segment_after", "FIT_ARRAYS", "fit_arrays", "blend_overlap", "Stitcher", "DiskFit"]

#: The per-frame arrays of a :class:`core.fitting.clip.ClipFit` that a segment contributes.
FIT_ARRAYS: tuple[str, ...] = ("rotmats", "transl", "reprojection_px", "reprojection", "contacts", "point_contacts",
                               "valid")
_BLENDED = ("rotmats", "transl")
#: The dtypes the stitched arrays are kept in on disk (:class:`DiskFit`): the fit's own (rotations float32).
FIT_DTYPES = {"rotmats": np.float32, "transl": np.float64, "reprojection_px": np.float64, "reprojection": np.float64,
              "contacts": bool, "point_contacts": bool, "valid": bool}


@dataclass(frozen=True)
class Segment:
    """Segment ``index``: core frames [a, b), fitted over [lo, hi)."""

    index: int
    a: int
    b: int
    lo: int
    hi: int

    @classmethod
    def make(cls, index: int, a: int, b: int, n: int, margin: int) -> "Segment":
        """The segment with core [a, b) in a clip of at least ``b`` frames (``n``: frames known so far, or all)."""
        return cls(index, a, b, max(0, a - margin), min(n, b + margin))


def segment_after(a: int, length: int, margin: int, frames: int, complete: bool,
                  expected: int = 0) -> tuple[int | None, int]:
    """→ (the core's end of the segment that starts at frame ``a``, or None while it cannot be decided yet; the
    frames to wait for before asking again). A segment is ``length`` frames when at least ``1.5·length`` frames are
    left from ``a`` — by the container's count ``expected`` (0: unknown) or by the frames detected so far — and the
    next ``margin`` frames exist; otherwise it takes the rest of the clip. ``frames``: frames detected so far;
    ``complete``: whether that is the whole clip. The answer depends on the clip (its length and its container's
    count) only, never on how far detection has got when asked."""
    nominal = a + length + length // 2
    if expected >= nominal or frames >= nominal:
        b = a + length
        if frames >= b + margin:
            return b, b + margin
        return (frames, frames) if complete else (None, b + margin)  # the container counted more than there are
    return (frames, frames) if complete else (None, nominal)


def fit_arrays(fit) -> dict[str, np.ndarray]:
    """A :class:`core.fitting.clip.ClipFit`'s per-frame arrays (:data:`FIT_ARRAYS`)."""
    return {k: np.asarray(getattr(fit, k)) for k in FIT_ARRAYS}


def blend_overlap(left: dict[str, np.ndarray], right: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Two fits of the same n frames (left segment's, right segment's) → one: rotations and translation blended with
    weights (i+1)/(n+1) of the right fit (rotations projected onto SO(3)); the rest cut at n // 2."""
    n = len(left["transl"])
    w = (np.arange(1, n + 1) / (n + 1))
    mix = w[:, None, None, None] * right["rotmats"].astype(np.float64) \
        + (1 - w[:, None, None, None]) * left["rotmats"].astype(np.float64)
    rot = roma.special_procrustes(torch.as_tensor(mix)).numpy().astype(left["rotmats"].dtype)
    out = {"rotmats": rot, "transl": w[:, None] * right["transl"] + (1 - w[:, None]) * left["transl"]}
    cut = n // 2
    for k in FIT_ARRAYS:
        if k not in _BLENDED:
            out[k] = np.concatenate([left[k][:cut], right[k][cut:]])
    return out


class Stitcher:
    """Collects segments' fits in order into the whole clip's per-frame arrays. Each :meth:`add` makes final the
    frames that no later segment will touch (the shared ones are held until the next segment blends them in) and
    hands them to ``sink`` (e.g. :meth:`hkmr_blender.base.columns.Columns.append`: a long clip's fit on disk);
    without one they are kept for :meth:`result`."""

    def __init__(self, sink: Callable[[dict[str, np.ndarray]], None] | None = None):
        self.pieces: list[dict[str, np.ndarray]] = []
        self.frames = 0  # frames final so far
        self.last_row: dict[str, np.ndarray] | None = None  # the last final frame's arrays (1 row each)
        self._sink = sink
        self._pending: dict[str, np.ndarray] | None = None  # the last segment's frames [b − margin, hi)
        self._last: Segment | None = None

    def add(self, seg: Segment, arrays: dict[str, np.ndarray], last: bool) -> None:
        """``arrays``: the fit over [seg.lo, seg.hi); ``last``: no segment follows."""
        if (self._last is None) != (seg.lo == 0) or (self._last is not None and seg.a != self._last.b):
            raise ValueError(f"segment {seg.index} [{seg.a}, {seg.b}) does not follow the previous one")
        if self._pending is not None:
            n = len(self._pending["transl"])
            head = blend_overlap(self._pending, {k: v[:n] for k, v in arrays.items()})
            arrays = {k: np.concatenate([head[k], v[n:]]) for k, v in arrays.items()}
        keep = len(arrays["transl"]) if last else len(arrays["transl"]) - (seg.hi - seg.b) * 2
        piece = {k: v[:keep] for k, v in arrays.items()}
        if keep:
            self.last_row = {k: v[-1:].copy() for k, v in piece.items()}
        self.frames += keep
        if self._sink is None:
            self.pieces.append(piece)
        else:
            self._sink(piece)
        self._pending = None if last else {k: v[keep:] for k, v in arrays.items()}
        self._last = seg

    def result(self) -> dict[str, np.ndarray]:
        """The whole clip's arrays (after the last segment was added; without a sink)."""
        if self._pending is not None:
            raise ValueError("the last segment was not added")
        if self._sink is not None:
            raise ValueError("the stitched frames went to the sink")
        return {k: np.concatenate([p[k] for p in self.pieces]) for k in FIT_ARRAYS}


@dataclass
class DiskFit:
    """A long clip's stitched fit left on disk: its :data:`FIT_ARRAYS` in ``columns``
    (:class:`hkmr_blender.base.columns.Columns`, filled by a :class:`Stitcher`) and the clip's constants, as a
    :class:`core.fitting.clip.ClipFit` holds them (static camera: no ``camera_path``). Read by frame range
    (:meth:`load`) or whole (:meth:`clip_fit`)."""

    columns: object
    betas: np.ndarray
    floor: object
    camera: object
    torso_px: float
    camera_path = None

    @staticmethod
    def rows(piece: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """A stitched piece in :data:`FIT_DTYPES`, as the columns keep it (a :class:`Stitcher`'s sink casts so)."""
        return {k: np.asarray(piece[k], FIT_DTYPES[k]) for k in FIT_ARRAYS}

    @property
    def frames(self) -> int:
        return self.columns.frames

    def load(self, a: int, b: int) -> dict[str, np.ndarray]:
        """Frames [a, b) of every per-frame array."""
        return self.columns.load(a, b)

    def clip_fit(self):
        """The whole fit in memory (:class:`core.fitting.clip.ClipFit`)."""
        from core.fitting.clip import ClipFit

        return ClipFit(**self.load(0, self.frames), betas=self.betas, floor=self.floor, camera=self.camera,
                       torso_px=self.torso_px)
