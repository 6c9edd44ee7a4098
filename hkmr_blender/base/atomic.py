"""Atomic file writes: the one implementation used by core, training and the add-on.

A file is written under a temporary name in the destination folder, flushed to disk, then
renamed over the destination with ``os.replace`` — readers see the old file or the new one,
never half of either, and a failure leaves the old file untouched and no temporary behind.
"""
from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import BinaryIO, Callable, Iterator

__all__ = ["atomic_path", "atomic_write", "atomic_savez"]


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path next to ``path`` for a writer that needs a file name (Blender's
    exporters, codecs); on success it replaces ``path``, on any error it is removed.
    ``suffix`` defaults to the destination's (some writers pick the format from it)."""
    dest = Path(path)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=dest.suffix if suffix is None
                               else suffix)
    os.close(fd)
    try:
        yield Path(tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the file ordinary permissions
        os.replace(tmp, dest)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def atomic_write(path: str | os.PathLike, write: Callable[[BinaryIO], None], suffix: str | None = None) -> Path:
    """Call ``write(binary_file)`` into a temporary file, fsync it, and move it to ``path``."""
    with atomic_path(path, suffix) as tmp:
        with open(tmp, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
    return Path(path)


def atomic_savez(path: str | os.PathLike, arrays: dict, compressed: bool = True) -> Path:
    """Write an ``.npz`` of ``arrays`` (name → numpy array) atomically: a crash never leaves half a file."""
    import numpy as np  # the one numpy user here; atomic_path/atomic_write stay stdlib-only

    return atomic_write(path, lambda fh: (np.savez_compressed if compressed else np.savez)(fh, **arrays))
