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

__all__ = ["Segment", "segment_after", "FIT_ARRAYS", "fit_arrays", "blend_rotations", "blend_overlap",
           "Stitcher", "DiskFit"]

#: The per-frame arrays of a :class:`core.fitting.clip.ClipFit` that a segment contributes.
FIT_ARRAYS: tuple[str, ...] = ("rotmats", "transl", "reprojection_px", "reprojection", "contacts", "point_contacts",
                               "valid")
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


def _ramp(like: np.ndarray) -> np.ndarray:
    """The right-hand weights (i+1)/(n+1) of an n-frame overlap, shaped to broadcast over ``like`` (n,...)."""
    n = len(like)
    return (np.arange(1, n + 1) / (n + 1)).reshape(-1, *[1] * (like.ndim - 1))


def blend_rotations(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Two sequences of the same n frames' rotations (n,...,3,3) → one: weights (i+1)/(n+1) of the right one, the
    mix projected onto SO(3) (in ``left``'s dtype)."""
    w = _ramp(left)
    mix = w * right.astype(np.float64) + (1 - w) * left.astype(np.float64)
    return roma.special_procrustes(torch.as_tensor(mix)).numpy().astype(left.dtype)


def blend_overlap(left: dict[str, np.ndarray], right: dict[str, np.ndarray], rotations: tuple[str, ...] = ("rotmats",),
                  linear: tuple[str, ...] = ("transl",)) -> dict[str, np.ndarray]:
    """Two fits of the same n frames (left segment's, right segment's) → one: the ``rotations`` (n,...,3,3) and the
    ``linear`` arrays blended with weights (i+1)/(n+1) of the right fit (rotations projected onto SO(3),
    :func:`blend_rotations`); every other array cut at n // 2 (left's frames, then right's)."""
    n = len(next(iter(left.values())))
    out = {k: blend_rotations(left[k], right[k]) for k in rotations}
    for k in linear:
        w = _ramp(left[k])
        out[k] = w * right[k] + (1 - w) * left[k]
    cut = n // 2
    for k in left:
        if k not in out:
            out[k] = np.concatenate([left[k][:cut], right[k][cut:]])
    return out


class Stitcher:
    """Collects segments' fits in order into the whole clip's per-frame arrays. Each :meth:`add` makes final the
    frames that no later segment will touch (the shared ones are held until the next segment blends them in) and
    hands them to ``sink`` (e.g. :meth:`hkmr_blender.base.columns.Columns.append`: a long clip's fit on disk);
    without one they are kept for :meth:`result`."""

    def __init__(self, sink: Callable[[dict[str, np.ndarray]], None] | None = None,
                 blend: Callable[[dict, dict], dict] = blend_overlap):
        self._blend = blend  # the shared frames' blend (default: a fit's rotations and translation, the rest cut)
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
            n = len(next(iter(self._pending.values())))
            head = self._blend(self._pending, {k: v[:n] for k, v in arrays.items()})
            arrays = {k: np.concatenate([head[k], v[n:]]) for k, v in arrays.items()}
        size = len(next(iter(arrays.values())))
        keep = size if last else size - (seg.hi - seg.b) * 2
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
        return {k: np.concatenate([p[k] for p in self.pieces]) for k in (self.pieces[0] if self.pieces else ())}


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
