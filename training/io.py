"""Atomic writes for training artefacts (temporary file in the same folder, then os.replace)."""
from __future__ import annotations

import os
from typing import Any

import torch

from hkmr_blender.base.atomic import atomic_write

__all__ = ["atomic_torch_save", "atomic_write_text"]


def atomic_torch_save(obj: Any, path: str | os.PathLike) -> None:
    """``torch.save(obj)`` to ``path`` atomically (a reader never sees a half-written file)."""
    atomic_write(path, lambda f: torch.save(obj, f))


def atomic_write_text(text: str, path: str | os.PathLike) -> None:
    """Write UTF-8 text to ``path`` atomically."""
    atomic_write(path, lambda f: f.write(text.encode("utf-8")))
