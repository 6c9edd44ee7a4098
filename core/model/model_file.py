"""One file format for the small learned parts (world lifter, still-feet classifier): a ``torch.save`` dict of plain
types — ``format``, ``version``, ``config`` (the model's config dataclass as a dict), ``state_dict``, ``meta``
(recipe, note naming the data and licence, training log) — readable with ``torch.load(weights_only=True)``."""
from __future__ import annotations

import os
from dataclasses import asdict

import torch

__all__ = ["save_model_file", "read_model_file", "model_from_file"]


def save_model_file(path: str | os.PathLike, model: torch.nn.Module, fmt: str, version: int,
                    meta: dict | None = None) -> None:
    """Write ``model`` (with a dataclass ``cfg``) atomically."""
    from hkmr_blender.base.atomic import atomic_write

    blob = {"format": fmt, "version": version, "config": asdict(model.cfg),
            "state_dict": {k: v.detach().cpu() for k, v in model.state_dict().items()}, "meta": meta or {}}
    atomic_write(path, lambda fh: torch.save(blob, fh))


def read_model_file(path: str | os.PathLike, fmt: str, version: int, what: str, how: str) -> dict:
    """The dict of a ``fmt`` v``version`` file; ValueError naming the file, ``what`` it should be and ``how`` to
    make one when it is missing or another kind."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise ValueError(f"{path}: no {what} file here ({how})")
    blob = torch.load(path, map_location="cpu", weights_only=True)
    if not isinstance(blob, dict) or blob.get("format") != fmt or blob.get("version") != version:
        raise ValueError(f"{path}: not a {fmt} v{version} file ({how})")
    return blob


def model_from_file(blob: dict, model_cls: type, config_cls: type) -> torch.nn.Module:
    """A :func:`read_model_file` dict → ``model_cls(config_cls(**config))`` with its weights (strict), in eval mode."""
    model = model_cls(config_cls(**blob["config"]))
    model.load_state_dict(blob["state_dict"], strict=True)
    return model.eval()
