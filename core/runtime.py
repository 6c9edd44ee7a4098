"""Run-time choices shared by inference and training: device, precision, torchrun environment.

- Precision has one vocabulary everywhere (``hkmr infer --precision``, ``train.amp`` in configs):
  ``"auto"`` = bf16 autocast on CUDA, fp32 elsewhere; ``"fp32"``; ``"bf16"`` (also on CPUs with AMX).
  Rotations and the body forward always stay float32.
- ``torchrun`` sets ``RANK``, ``WORLD_SIZE`` and ``LOCAL_RANK``; :func:`dist_env` reads them.
- Memory on long clips: :func:`return_large_blocks` (glibc's fixed mmap threshold), :func:`blockwise`.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch

__all__ = ["PRECISIONS", "normalize_precision", "use_bf16", "DistEnv", "dist_env", "pick_device", "MMAP_THRESHOLD",
           "return_large_blocks", "blockwise"]

PRECISIONS: tuple[str, ...] = ("auto", "fp32", "bf16")
_ALIASES = {"off": "fp32"}  # training configs written before the vocabulary was unified


def normalize_precision(name: str) -> str:
    """One of :data:`PRECISIONS` (``"off"`` is read as ``"fp32"``); ValueError names the choices."""
    name = _ALIASES.get(name, name)
    if name not in PRECISIONS:
        raise ValueError(f"precision {name!r} is not one of {', '.join(PRECISIONS)}")
    return name


def use_bf16(precision: str, device: "torch.device") -> bool:
    """Whether to run the backbone and head under bf16 autocast on ``device``."""
    p = normalize_precision(precision)
    return device.type == "cuda" if p == "auto" else p == "bf16"


@dataclass(frozen=True)
class DistEnv:
    """This process's place among ``torchrun`` processes (a single process by default)."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def enabled(self) -> bool:
        return self.world_size > 1


def dist_env(environ: dict | None = None) -> DistEnv:
    """Read torchrun's variables from ``environ`` (default ``os.environ``)."""
    env = os.environ if environ is None else environ
    rank, world = int(env.get("RANK", 0)), int(env.get("WORLD_SIZE", 1))
    if not 0 <= rank < world:
        raise ValueError(f"RANK={rank} is outside WORLD_SIZE={world}")
    return DistEnv(rank, world, int(env.get("LOCAL_RANK", 0)))


def pick_device(name: str = "auto", local_rank: int = 0) -> "torch.device":
    """``"auto"`` → ``cuda:local_rank`` when CUDA is available, else cpu; ``"cuda"`` without CUDA is an
    error that says what to use instead."""
    import torch  # here, so that importing this module (argument parsers) stays torch-free

    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    dev = torch.device(name)
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise RuntimeError(f"device {name!r} asked for but CUDA is not available; use 'cpu' or 'auto'")
        if dev.index is None:
            dev = torch.device("cuda", local_rank)
        torch.cuda.set_device(dev)
    return dev


#: Allocations at least this large go straight to the OS (glibc's mmap) and back to it when freed.
MMAP_THRESHOLD = 1 << 20


def return_large_blocks() -> bool:
    """Make glibc hand large blocks (≥ :data:`MMAP_THRESHOLD`) to and from the OS directly. By default glibc
    raises that threshold each time such a block is freed, after which a long clip's transient per-chunk arrays
    come from the heap and leave it fragmented: measured on the start stage, peak RSS grew 8.3 KB per frame of
    the clip with the default and 2.6 KB (the arrays themselves) with this (docs/BENCHMARKS.md, "Long videos").
    A fixed threshold also ends that adjustment. True where it took effect; elsewhere (not glibc) nothing."""
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return bool(libc.mallopt(-3, MMAP_THRESHOLD))  # M_MMAP_THRESHOLD
    except (OSError, AttributeError):
        return False


def blockwise(fn, n: int, block: int):
    """``fn(a, b)`` (a tensor over frames [a, b)) over frames ``[0, n)`` in blocks of at most ``block``
    frames, concatenated along the first axis: a long clip's temporaries are one block's."""
    import torch

    return torch.cat([fn(a, min(a + block, n)) for a in range(0, n, block)]) if n else fn(0, 0)
