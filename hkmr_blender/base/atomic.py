"""Atomic file writes: the one implementation used by core, training and the add-on.

A file is written under a temporary name in the destination folder, flushed to disk, then
renamed over the destination with ``os.replace`` — readers see the old file or the new one,
never half of either, and a failure leaves the old file untouched and no temporary behind.
A write that fails for lack of space or permission raises an :class:`OSError` naming the destination.

Temporaries are hidden (``.NAME.XXXX``), so folder listings that skip dot-files never take them for
output. A process killed mid-write (SIGKILL) cannot remove its temporary; the next write to the same
destination removes such leftovers when they are older than the current process.
"""
from __future__ import annotations

import contextlib
import glob
import hashlib
import os
import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Callable, Iterable, Iterator

from .inputs import replace_problem

__all__ = ["atomic_path", "atomic_write", "atomic_savez", "clean_stale_temps", "scratch_dir", "temp_prefix",
           "StreamedArray", "hidden_name", "NAME_MAX"]

_STARTED = time.time()  # temporaries older than this process belong to an earlier, killed run


#: the longest file name (bytes) of the file systems in use (ext4, APFS, NTFS: 255)
NAME_MAX = 255


def hidden_name(name: str, tail: str, reserve: int = 0) -> str:
    """``.NAME`` + ``tail`` — a hidden companion of the file ``name`` (temporary, work folder) —, with NAME cut and
    ``~`` + 8 hex digits of its hash where the result plus ``reserve`` more bytes would pass :data:`NAME_MAX` (a
    legal 250-character output name must not fail on its temporary's longer name). Deterministic per name."""
    def size(s: str) -> int:
        return len(s.encode("utf-8", "surrogateescape")) + reserve

    if size(f".{name}{tail}") <= NAME_MAX:
        return f".{name}{tail}"
    digest = hashlib.sha1(name.encode("utf-8", "surrogateescape")).hexdigest()[:8]
    short = name
    while short and size(f".{short}~{digest}{tail}") > NAME_MAX:
        short = short[:-1]
    return f".{short}~{digest}{tail}"


def temp_prefix(dest: Path) -> str:
    """Name prefix of the hidden temporaries written next to ``dest`` (room left for mkstemp's 8 random characters
    and a suffix of up to 16)."""
    return hidden_name(dest.name, ".", 8 + 16)


def clean_stale_temps(dest: Path) -> list[Path]:
    """Remove hidden temporaries of ``dest`` (``.NAME.`` + mkstemp's 8 random characters + suffix) left by
    a killed run, i.e. modified before this process started; returns what was removed. A live writer keeps
    its temporary's time fresh; other hidden files (``.NAME.hkmr-work``: resumable inference) never match."""
    pattern = re.compile(re.escape(temp_prefix(dest)) + r"[a-z0-9_]{8}(\.[^/]*)?")
    removed = []
    try:
        candidates = [p for p in dest.parent.glob(f"{glob.escape(temp_prefix(dest))}*") if pattern.fullmatch(p.name)]
    except OSError:
        return removed
    for p in candidates:
        try:
            if p.stat().st_mtime < _STARTED:
                if p.is_dir():
                    import shutil

                    shutil.rmtree(p)
                else:
                    p.unlink()
                removed.append(p)
        except OSError:  # raced with another cleaner or not ours to remove: leave it
            continue
    return removed


def _named(exc: OSError, dest: Path) -> OSError:
    """The same error, with the destination in its message (ENOSPC/EFBIG from write() name no file)."""
    if exc.filename is not None or str(dest) in str(exc):
        return exc
    return OSError(exc.errno, f"{dest}: {exc.strerror or exc}")


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path next to ``path`` for a writer that needs a file name (Blender's
    exporters, codecs); on success it replaces ``path``, on any error it is removed.
    ``suffix`` defaults to the destination's (some writers pick the format from it)."""
    dest = Path(path)
    problem = replace_problem(dest)
    if problem is not None:  # a folder, a named pipe or a device at the name is never replaced by a file
        raise OSError(f"{dest}: {problem}; it is left alone: choose another file name")
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        clean_stale_temps(dest)
        fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=temp_prefix(dest),
                                   suffix=dest.suffix if suffix is None else suffix)
    except OSError as exc:
        raise _named(exc, dest) from exc
    os.close(fd)
    try:
        yield Path(tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the file ordinary permissions
        os.replace(tmp, dest)
    except OSError as exc:
        raise _named(exc, dest) from exc
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


@contextlib.contextmanager
def scratch_dir(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a new hidden folder next to ``path`` (named as its temporaries are, so a killed run's is removed by
    the next write to ``path``, :func:`clean_stale_temps`) for a writer's intermediate files; removed on exit. An
    :class:`OSError` inside names ``path``."""
    import shutil

    dest = Path(path)
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        clean_stale_temps(dest)
        tmp = Path(tempfile.mkdtemp(dir=dest.parent, prefix=temp_prefix(dest)))
    except OSError as exc:
        raise _named(exc, dest) from exc
    try:
        yield tmp
    except OSError as exc:  # a full disk while writing there names no file: name the destination
        raise _named(exc, dest) from exc
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@dataclass(frozen=True)
class StreamedArray:
    """An ``.npz`` member written in blocks (never whole in memory): its dtype, its shape, and a function that
    returns the blocks (C-order pieces along the first axis that together make the array)."""

    dtype: Any
    shape: tuple[int, ...]
    blocks: Callable[[], Iterable[Any]]


def atomic_write(path: str | os.PathLike, write: Callable[[BinaryIO], None], suffix: str | None = None) -> Path:
    """Call ``write(binary_file)`` into a temporary file, fsync it, and move it to ``path``."""
    with atomic_path(path, suffix) as tmp:
        with open(tmp, "wb") as fh:
            try:
                write(fh)
            except RuntimeError as exc:  # torch.save reports a failed write so ("unexpected pos …"), naming no file
                raise RuntimeError(f"{path}: the file could not be written ({exc}); is the disk full?") from exc
            fh.flush()
            os.fsync(fh.fileno())
    return Path(path)


def atomic_savez(path: str | os.PathLike, arrays: dict, compressed: bool = True) -> Path:
    """Write an ``.npz`` of ``arrays`` (name → numpy array, or a :class:`StreamedArray` written block by block:
    the same bytes as the whole array's) atomically: a crash never leaves half a file.

    The archive is written here rather than by ``np.savez``, which leaves its zip file open when a write
    fails (disk full): Python then prints a second traceback from the zip file's finaliser."""
    import zipfile

    import numpy as np  # the one numpy user here; atomic_path/atomic_write stay stdlib-only

    def write(fh: BinaryIO) -> None:
        with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_DEFLATED if compressed else zipfile.ZIP_STORED,
                             allowZip64=True) as zf:
            for name, value in arrays.items():
                with zf.open(f"{name}.npy", "w", force_zip64=True) as member:
                    if isinstance(value, StreamedArray):
                        _write_streamed(member, value, np)
                    else:
                        np.lib.format.write_array(member, np.asanyarray(value), allow_pickle=False)

    return atomic_write(path, write)


def _write_streamed(member: BinaryIO, value: StreamedArray, np) -> None:
    """A :class:`StreamedArray` as ``.npy`` bytes: numpy's header for its dtype and shape, then each block."""
    dtype = np.dtype(value.dtype)
    if dtype.hasobject:
        raise ValueError("a streamed array cannot hold Python objects")
    np.lib.format.write_array_header_1_0(member, {"descr": np.lib.format.dtype_to_descr(dtype),
                                                  "fortran_order": False, "shape": tuple(value.shape)})
    rows, row = 0, tuple(value.shape[1:])
    for block in value.blocks():
        block = np.ascontiguousarray(block, dtype)
        if block.shape[1:] != row:
            raise ValueError(f"a block of shape {block.shape} in an array of shape {tuple(value.shape)}")
        member.write(block.tobytes())
        rows += len(block)
    if rows != value.shape[0]:
        raise ValueError(f"the blocks held {rows} rows, the array {value.shape[0]}")
