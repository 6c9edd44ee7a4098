"""The learning-rate factor every trainer here uses: linear warm-up, then cosine decay to 0 at the last step."""
from __future__ import annotations

import math

__all__ = ["warmup_cosine"]


def warmup_cosine(step: int, warmup_steps: int, steps: int) -> float:
    """LR factor at 0-based ``step``: (step + 1) / warmup_steps during warm-up, then 0.5·(1 + cos(π·p)) with p the
    fraction of the ``steps − warmup_steps`` that follow (clamped to 1)."""
    if step < warmup_steps:
        return (step + 1) / warmup_steps
    span = max(steps - warmup_steps, 1)
    return 0.5 * (1 + math.cos(math.pi * min(step - warmup_steps, span) / span))
