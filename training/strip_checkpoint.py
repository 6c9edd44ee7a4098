"""Strip the training state from a trainer checkpoint: the model-only file that ships (e.g. ``core/model/assets/hkmr_demo.pt``).

A trainer checkpoint (``OUT/checkpoints/last.pt``) carries the optimiser's moments, RNG states and
the data position in ``meta["training"]`` — about three times the weights. :func:`strip_training_state`
keeps the weights (float32, unchanged), the model config and body identity, and moves the
experiment config and step to ``meta["experiment"]`` / ``meta["step"]`` so ``eval`` still finds
its evaluation set. The result is an ordinary ``hkmr-model`` file (not resumable).
"""
from __future__ import annotations

import os
from typing import Any

from core.model.checkpoint import Checkpoint, load_checkpoint, read_checkpoint, save_checkpoint

__all__ = ["strip_training_state"]


def strip_training_state(src: str | os.PathLike, dst: str | os.PathLike, meta: dict[str, Any] | None = None) -> Checkpoint:
    """Write ``src``'s model without training state to ``dst`` (atomic); ``meta`` adds plain
    JSON-like entries. Returns the written checkpoint as read back."""
    src, dst = os.fspath(src), os.fspath(dst)
    training = read_checkpoint(src).meta.get("training") or {}
    model, ckpt = load_checkpoint(src)  # strict: every weight must fit the stored config
    out = {k: v for k, v in ckpt.meta.items() if k != "training"}
    out.update({"source": os.path.basename(src), "step": ckpt.meta.get("step", training.get("step")),
                "experiment": training.get("experiment", ckpt.meta.get("experiment")), **(meta or {})})
    save_checkpoint(dst, model, meta=out)
    return read_checkpoint(dst)
