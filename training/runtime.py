"""Run-time plumbing for the trainer: DDP process group, RNG state, resumable data order.

- :func:`setup_distributed` reads torchrun's environment (:func:`core.runtime.dist_env`) and starts
  NCCL (CUDA) or gloo (CPU); single process otherwise. Devices: :func:`core.runtime.pick_device`.
- :func:`rng_state` / :func:`set_rng_state`: Python, NumPy, torch (and CUDA) generators as
  plain lists/tensors (loadable with ``torch.load(weights_only=True)``).
- :func:`seed_step`: every optimiser step reseeds all generators from (seed, step, rank), so
  what a step draws (dropout, augmentation in the main process) depends on nothing else —
  a resumed run draws exactly what the uninterrupted run drew.
- :class:`ResumableSampler`: ``DistributedSampler`` (shuffled by seed + epoch, shard per rank)
  that can start mid-epoch.
"""
from __future__ import annotations

import random

import numpy as np
import torch
import torch.distributed as dist
from torch.utils.data import DistributedSampler

from core.runtime import DistEnv, dist_env

__all__ = ["setup_distributed", "cleanup_distributed", "rng_state", "set_rng_state",
           "seed_step", "ResumableSampler", "all_reduce_min"]


def setup_distributed(device_name: str) -> DistEnv:
    """Start the process group when launched by torchrun with WORLD_SIZE > 1."""
    info = dist_env()
    if not info.enabled:
        return info
    use_cuda = device_name in ("auto", "cuda") and torch.cuda.is_available()
    if not dist.is_initialized():
        dist.init_process_group(backend="nccl" if use_cuda else "gloo")
    return info


def cleanup_distributed(info: DistEnv) -> None:
    if info.enabled and dist.is_initialized():
        dist.destroy_process_group()


def all_reduce_min(x: torch.Tensor, info: DistEnv) -> torch.Tensor:
    """Element-wise minimum over ranks (identity in a single process)."""
    if info.enabled:
        x = x.clone()
        dist.all_reduce(x, op=dist.ReduceOp.MIN)
    return x


def rng_state() -> dict:
    np_state = np.random.get_state()
    state = {"python": random.getstate(), "torch": torch.get_rng_state(),
             "numpy": [np_state[0], torch.from_numpy(np_state[1].copy()), int(np_state[2]), int(np_state[3]),
                       float(np_state[4])]}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict) -> None:
    v, internal, gauss = state["python"]
    random.setstate((v, tuple(internal), gauss))
    torch.set_rng_state(state["torch"])
    name, keys, pos, has_gauss, cached = state["numpy"]
    np.random.set_state((name, keys.numpy().astype(np.uint32), pos, has_gauss, cached))
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def seed_step(seed: int, step: int, rank: int = 0) -> None:
    """Seed Python, NumPy and torch (all devices) from (seed, step, rank)."""
    s = int(np.random.SeedSequence([seed, step, rank]).generate_state(1)[0])
    random.seed(s)
    np.random.seed(s)
    torch.manual_seed(s)


class ResumableSampler(DistributedSampler):
    """Shuffled, rank-sharded, ``drop_last`` order for epoch ``set_epoch(e)``; ``set_start(n)``
    skips the first n samples of this rank's share (the batches already trained on)."""

    def __init__(self, dataset, info: DistEnv, seed: int):
        super().__init__(dataset, num_replicas=info.world_size, rank=info.rank, shuffle=True, seed=seed,
                         drop_last=True)
        self.start = 0

    def set_start(self, start: int) -> None:
        self.start = start

    def __iter__(self):
        return iter(list(super().__iter__())[self.start:])

    def __len__(self) -> int:
        return max(self.num_samples - self.start, 0)
