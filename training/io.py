"""Atomic writes for training artefacts (temporary file in the same folder, then os.replace)."""
from __future__ import annotations

import os
import tempfile
from typing import Any

import torch

__all__ = ["atomic_torch_save", "atomic_write_text"]


def _atomic(path: str | os.PathLike, write, suffix: str) -> None:
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=suffix)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def atomic_torch_save(obj: Any, path: str | os.PathLike) -> None:
    """``torch.save(obj)`` to ``path`` atomically (a reader never sees a half-written file)."""
    _atomic(path, lambda f: torch.save(obj, f), ".pt")


def atomic_write_text(text: str, path: str | os.PathLike) -> None:
    """Write UTF-8 text to ``path`` atomically."""
    _atomic(path, lambda f: f.write(text.encode("utf-8")), ".txt")
