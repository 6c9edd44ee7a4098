"""Per-frame arrays kept on disk: appended block by block, read back by frame range (numpy only).

A long clip's per-frame results (a fit's rotations, a motion file's poses) need not be held in memory whole: a
:class:`Columns` folder holds one raw file per array name (rows in C order, no header; the dtype and row shape
are fixed by the first :meth:`Columns.append`), grows by appending (rows already there may be rewritten in place,
:meth:`Columns.write`) and is read back with plain file reads (:func:`numpy.fromfile` at an offset: no memory map,
so what was read once does not stay resident).
:meth:`Columns.streamed` hands an array to :func:`.atomic.atomic_savez` as a :class:`.atomic.StreamedArray`,
so an ``.npz`` member is written from disk in blocks.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np

from .atomic import StreamedArray

__all__ = ["Columns"]


class Columns:
    """Named per-frame arrays in ``folder`` (created empty; an existing folder's contents are replaced)."""

    def __init__(self, folder: str | os.PathLike):
        self.folder = Path(folder)
        if self.folder.exists():
            shutil.rmtree(self.folder)
        self.folder.mkdir(parents=True)
        self.spec: dict[str, tuple[np.dtype, tuple[int, ...]]] = {}  # name → (dtype, row shape)
        self.frames = 0

    def _path(self, name: str) -> Path:
        return self.folder / f"{name}.raw"

    def append(self, arrays: dict[str, np.ndarray]) -> None:
        """Append rows: every array has the same length; the first call fixes the names, dtypes and row shapes."""
        arrays = {k: np.ascontiguousarray(v) for k, v in arrays.items()}
        n = {len(v) for v in arrays.values()}
        if len(n) != 1:
            raise ValueError(f"columns: arrays of different lengths {sorted(n)}")
        spec = {k: (v.dtype, v.shape[1:]) for k, v in arrays.items()}
        if not self.spec:
            self.spec = spec
        elif spec != self.spec:
            raise ValueError(f"columns: rows {spec} do not match the first ones {self.spec}")
        for k, v in arrays.items():
            with open(self._path(k), "ab") as fh:
                fh.write(v.tobytes())
        self.frames += n.pop()

    def write(self, name: str, a: int, rows: np.ndarray) -> None:
        """Overwrite rows [a, a + len(rows)) of ``name`` in place (rows already appended; cast to its dtype)."""
        dtype, row = self.spec[name]
        rows = np.ascontiguousarray(rows, dtype)
        if rows.shape[1:] != row or a < 0 or a + len(rows) > self.frames:
            raise ValueError(f"columns: rows {rows.shape} at {a} do not fit {name} ({self.frames} × {row})")
        with open(self._path(name), "r+b") as fh:
            fh.seek(a * int(np.prod(row, dtype=np.int64)) * dtype.itemsize)
            fh.write(rows.tobytes())

    def read(self, name: str, a: int, b: int) -> np.ndarray:
        """Rows [a, b) of ``name`` (cut to the frames appended)."""
        dtype, row = self.spec[name]
        a, b = max(a, 0), min(b, self.frames)
        per = int(np.prod(row, dtype=np.int64))
        if b <= a:
            return np.empty((0, *row), dtype)
        out = np.fromfile(self._path(name), dtype, count=(b - a) * per, offset=a * per * dtype.itemsize)
        return out.reshape(b - a, *row)

    def load(self, a: int, b: int) -> dict[str, np.ndarray]:
        """Rows [a, b) of every array."""
        return {k: self.read(k, a, b) for k in self.spec}

    def streamed(self, name: str, block: int = 4096) -> StreamedArray:
        """The whole array ``name`` as an ``.npz`` member written from disk ``block`` rows at a time."""
        dtype, row = self.spec[name]
        return StreamedArray(dtype, (self.frames, *row),
                             lambda: (self.read(name, a, a + block) for a in range(0, self.frames, block)))

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
