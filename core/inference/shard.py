"""Many inputs across processes: one process per GPU (``torchrun``), each writing its own files.

``torchrun --nproc-per-node 8 --nnodes N ... -m core.cli infer VIDEOS/ -o MOTIONS/`` sets
``RANK``, ``WORLD_SIZE`` and ``LOCAL_RANK`` (read by :func:`core.runtime.dist_env`); every process takes the inputs ``i`` with
``i % WORLD_SIZE == RANK`` of the sorted list (disjoint and complete across ranks) and runs on
``cuda:LOCAL_RANK``. No collective communication is needed, so a node that fails can be rerun
alone (with ``--resume``), and finished outputs are skipped.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

from hkmr_blender.base.inputs import file_problem

from .sources import FrameSourceError, _natural_key, is_video

__all__ = ["expand_inputs", "shard", "output_path_for"]


def expand_inputs(spec: str, warn: Callable[[str], None] | None = None) -> list[str]:
    """A folder of videos or a text file listing one input per line (``#`` comments) → sorted paths.
    A folder's entry with a video's name that is not a regular file (a FIFO would block the run, a device never
    ends) is skipped, and ``warn`` is told which and why."""
    p = Path(spec)
    if p.is_dir():
        items = []
        for f in sorted(p.iterdir(), key=lambda f: _natural_key(str(f))):
            if not is_video(str(f)):
                continue
            problem = file_problem(f)
            if problem is None:
                items.append(str(f))
            elif warn is not None and not f.is_dir():
                warn(f"{f}: {problem}; skipped (a batch reads regular video files only)")
    elif p.is_file() and p.suffix.lower() == ".txt":
        lines = [ln.strip() for ln in p.read_text().splitlines()]
        items = [str((p.parent / ln) if not os.path.isabs(ln) else ln) for ln in lines if ln and not ln.startswith("#")]
    else:
        raise FrameSourceError(f"{spec}: expected a folder of videos or a .txt list of inputs")
    if not items:
        raise FrameSourceError(f"{spec}: no inputs found (videos: {', '.join(sorted({'.mp4', '.mov', '.avi', '.mkv'}))})")
    return sorted(items, key=_natural_key)


def shard(items: list[str], rank: int, world_size: int) -> list[str]:
    """Round-robin share of ``items`` for ``rank`` (disjoint, together complete)."""
    if world_size < 1 or not 0 <= rank < world_size:
        raise ValueError(f"need 0 ≤ rank < world_size, got rank {rank}, world size {world_size}")
    return items[rank::world_size]


def output_path_for(item: str, out_dir: str | os.PathLike) -> Path:
    """``out_dir/<input stem>.npz`` (an image folder's own name for folders)."""
    stem = Path(item.rstrip("/")).stem
    return Path(out_dir) / f"{stem}.npz"
