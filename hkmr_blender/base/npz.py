"""Open untrusted ``.npz`` files safely (numpy only): no pickles, and every array's header checked
before any memory is allocated for it.

``np.load`` trusts each ``.npy`` header: a 1 KB file whose header claims shape (10¹², 72) makes it try to
allocate 576 TB (MemoryError, or the machine swaps). :func:`load_npz_checked` first reads every member's
header with :func:`numpy.lib.format.read_array_header_1_0` / ``_2_0`` and refuses object arrays (they need
pickle), arrays larger than their own zip member (a lying header) and archives over ``max_bytes``.
"""
from __future__ import annotations

import math
import os
import zipfile

import numpy as np
from numpy.lib import format as npy_format

__all__ = ["NpzError", "MAX_NPZ_BYTES", "npz_headers", "load_npz_checked"]

#: Largest total array size accepted from one file (2 GiB: the biggest SMPL-X/SMPL-H model files are
#: ~0.3 GB, a 10-minute motion file with a mesh ~30 MB).
MAX_NPZ_BYTES = 2 << 30


class NpzError(ValueError):
    """The archive is unreadable or unsafe; the message says what (callers add the file name)."""


def _header(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[tuple[int, ...], np.dtype]:
    with zf.open(info) as fh:
        try:
            version = npy_format.read_magic(fh)
            read = {(1, 0): npy_format.read_array_header_1_0, (2, 0): npy_format.read_array_header_2_0}
            if version not in read:
                raise NpzError(f"member {info.filename!r} has unsupported .npy version {version}")
            shape, _, dtype = read[version](fh)
        except NpzError:
            raise
        except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
            raise NpzError(f"member {info.filename!r} has no valid .npy header ({exc})") from exc
    return tuple(int(s) for s in shape), np.dtype(dtype)


def npz_headers(path: str | os.PathLike, max_bytes: int = MAX_NPZ_BYTES) -> dict[str, tuple[tuple[int, ...], np.dtype]]:
    """name → (shape, dtype) of every array, read from the headers only; raises :class:`NpzError`
    for a corrupt archive, an object array, a header claiming more data than its member holds or a
    total over ``max_bytes``."""
    out, total = {}, 0
    try:
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                name = info.filename[:-4] if info.filename.endswith(".npy") else info.filename
                shape, dtype = _header(zf, info)
                if dtype.hasobject:
                    raise NpzError(f"array '{name}' contains pickled objects, refused for safety (store strings as numpy unicode arrays)")
                nbytes = math.prod(shape) * dtype.itemsize
                if nbytes > info.file_size:
                    raise NpzError(f"array '{name}' claims shape {shape} ({nbytes:,} bytes) but its member "
                                   f"holds {info.file_size:,} bytes (a corrupt or hostile header)")
                total += nbytes
                if total > max_bytes:
                    raise NpzError(f"arrays total more than {max_bytes >> 20} MiB (at '{name}', shape {shape})")
                out[name] = (shape, dtype)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as exc:
        raise NpzError(f"not a readable .npz archive ({exc})") from exc
    return out


def load_npz_checked(path: str | os.PathLike, max_bytes: int = MAX_NPZ_BYTES) -> dict[str, np.ndarray]:
    """Every array of an ``.npz`` after :func:`npz_headers` accepted them (``allow_pickle=False``)."""
    npz_headers(path, max_bytes)
    try:
        with np.load(path, allow_pickle=False) as data:
            return {k: data[k] for k in data.files}
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
        raise NpzError(f"not a readable .npz archive ({exc})") from exc
