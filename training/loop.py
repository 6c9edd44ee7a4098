"""The optimisation loop the small trainers share (world lifter, still-feet classifier): Adam, linear warm-up then
cosine to 0 (:func:`training.schedule.warmup_cosine`), gradient clipping, a running-loss log every ``log_every`` steps
and validation every fifth log row and at the last step."""
from __future__ import annotations

import time
from contextlib import contextmanager
from typing import Callable, Iterator

import numpy as np
import torch

from training.schedule import warmup_cosine

__all__ = ["torch_threads", "train_steps"]


@contextmanager
def torch_threads(n: int) -> Iterator[None]:
    """Run the block with ``n`` torch threads (n ≤ 0: as it is), restoring the number after."""
    before = torch.get_num_threads()
    if n > 0:
        torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def train_steps(model: torch.nn.Module, step_loss: Callable[[], torch.Tensor], validate: Callable[[], dict],
                steps: int, lr: float, warmup_steps: int, grad_clip: float, log_every: int,
                progress: Callable[[str], None] | None = print) -> tuple[dict[int, dict[str, float]], float]:
    """Run ``steps`` optimiser steps of ``step_loss()`` (one batch's loss) on ``model``'s parameters; returns the log
    (step → {loss: mean over the rows' steps, plus ``validate()``'s entries on validation rows}) and the seconds taken.
    ``model`` is left in eval mode."""
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: warmup_cosine(s, warmup_steps, steps))
    log, run, t0 = {}, [], time.perf_counter()
    model.train()
    for step in range(1, steps + 1):
        loss = step_loss()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if grad_clip > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        opt.step()
        sched.step()
        run.append(float(loss.detach()))
        if step % log_every == 0 or step == steps:
            row = {"loss": float(np.mean(run))}
            if step % (5 * log_every) == 0 or step == steps:
                model.eval()
                with torch.no_grad():
                    row.update(validate())
                model.train()
            log[step], run = row, []
            if progress:
                progress(f"step {step}/{steps} " + " ".join(f"{k} {v:.4g}" for k, v in row.items())
                         + f" ({time.perf_counter() - t0:.0f} s)")
    model.eval()
    return log, time.perf_counter() - t0
