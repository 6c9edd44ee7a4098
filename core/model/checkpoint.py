"""Model checkpoints (format ``hkmr-model`` v1) and SPIN checkpoint import.

A checkpoint is one ``torch.save`` dict, readable with ``torch.load(weights_only=True)``
(tensors, dicts, lists, strings, numbers only — no pickled classes)::

    format      "hkmr-model"
    version     1
    config      ModelConfig.to_dict() (plain nested dict)
    state_dict  MeshRegressor.state_dict() on CPU: "backbone.*", "head.*" (no body arrays)
    body_model  the body model's identity string ("name:gender:sha1[:12]") or None
    meta        free JSON-like dict (epoch, step, metrics, torch version, ...)

Writes are atomic (temporary file in the same folder, then ``os.replace``). See docs/model.md.
"""
from __future__ import annotations

import copy
import logging
import os
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from core.model.backbones import extract_state_dict
from core.model.builder import build_model
from core.model.config import ModelConfig, config_diff
from core.model.hmr_head import HMRHead
from core.model.mesh_regressor import MeshRegressor
from hkmr_blender.base.atomic import atomic_write
from hkmr_blender.base.inputs import file_problem

__all__ = ["FORMAT", "VERSION", "CheckpointError", "Checkpoint", "save_checkpoint", "read_checkpoint", "torch_load",
           "load_checkpoint", "load_state_strict", "load_spin_checkpoint"]

log = logging.getLogger(__name__)
FORMAT, VERSION = "hkmr-model", 1
#: Config fields that change how a model runs or is initialised, not its weights' layout.
RUNTIME_FIELDS = ("channels_last", "compile", "backbone.weights", "body.enabled", "body.path", "mean_params")


class CheckpointError(ValueError):
    """A checkpoint that cannot be used; the message names the file and the fix."""


@dataclass
class Checkpoint:
    config: ModelConfig
    state_dict: dict[str, torch.Tensor]
    body_model: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)


def _check_plain(value: Any, where: str) -> None:
    """Reject what ``torch.load(weights_only=True)`` would refuse (numpy scalars, objects)."""
    if isinstance(value, dict):
        for k, v in value.items():
            _check_plain(k, where)
            _check_plain(v, f"{where}.{k}")
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            _check_plain(v, f"{where}[{i}]")
    elif not (value is None or type(value) in (str, int, float, bool) or isinstance(value, torch.Tensor)):
        raise TypeError(f"checkpoint {where}: {type(value).__name__} is not loadable with weights_only=True; "
                        f"convert it to str/int/float/bool/list/dict/tensor")


def save_checkpoint(path: str | os.PathLike, model: MeshRegressor, meta: dict[str, Any] | None = None) -> None:
    """Write ``model`` (config + weights + body identity) atomically to ``path``."""
    path = os.fspath(path)
    _check_plain(meta or {}, "meta")
    body = getattr(model, "body", None)
    payload = {"format": FORMAT, "version": VERSION, "config": model.config.to_dict(),
               "state_dict": {k: v.detach().cpu() for k, v in model.state_dict().items()},
               "body_model": getattr(body, "identity", None),
               "meta": {"torch": str(torch.__version__), **(meta or {})}}
    atomic_write(path, lambda f: torch.save(payload, f))


def torch_load(path: str) -> Any:
    """``torch.load(path, weights_only=True)`` on CPU with clear errors (missing, truncated, unsafe)."""
    problem = file_problem(path)
    if problem == "file not found":
        raise FileNotFoundError(f"checkpoint {path!r} not found")
    if problem:  # a folder, a FIFO (torch.load would block on it), a device
        raise CheckpointError(f"{path}: {problem}; give the checkpoint file (.pt) itself")
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise CheckpointError(f"{path}: cannot read checkpoint — the file is truncated or corrupt, or holds "
                              f"pickled objects other than tensors ({type(exc).__name__}: {exc}); re-save or "
                              f"re-download it") from exc


def read_checkpoint(path: str | os.PathLike) -> Checkpoint:
    """Read and validate an ``hkmr-model`` file without building a model."""
    path = os.fspath(path)
    raw = torch_load(path)
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        keys = sorted(raw)[:8] if isinstance(raw, dict) else type(raw).__name__
        raise CheckpointError(f"{path}: not an {FORMAT} checkpoint (found {keys}); for SPIN's "
                              f"model_checkpoint.pt use core.model.checkpoint.load_spin_checkpoint")
    if raw.get("version") != VERSION:
        raise CheckpointError(f"{path}: {FORMAT} version {raw.get('version')!r}, this code reads {VERSION}; "
                              f"update HKMR or re-save the checkpoint")
    try:
        cfg = ModelConfig.from_dict(raw["config"])
    except (KeyError, TypeError, ValueError) as exc:
        raise CheckpointError(f"{path}: invalid config inside the checkpoint: {exc}") from exc
    return Checkpoint(cfg, raw["state_dict"], raw.get("body_model"), dict(raw.get("meta") or {}))


def load_state_strict(model: nn.Module, state_dict: dict[str, torch.Tensor], source: str) -> None:
    """``load_state_dict(strict=True)`` with an error that lists missing/unexpected keys and shape
    mismatches (PyTorch's own message stops at the first shape error)."""
    own = model.state_dict()
    missing = [k for k in own if k not in state_dict]
    unexpected = [k for k in state_dict if k not in own]
    shapes = [f"{k}: {tuple(state_dict[k].shape)} vs {tuple(own[k].shape)}"
              for k in own if k in state_dict and state_dict[k].shape != own[k].shape]
    if missing or unexpected or shapes:
        raise CheckpointError(f"{source}: weights do not fit the model — missing keys {missing}, unexpected "
                              f"keys {unexpected}, shape mismatches {shapes}; was it saved from another "
                              f"config or head?")
    model.load_state_dict(state_dict, strict=True)


def load_checkpoint(path: str | os.PathLike, expected_config: ModelConfig | None = None,
                    body: nn.Module | None = None) -> tuple[MeshRegressor, Checkpoint]:
    """Build the model from the stored config and load its weights (CPU).

    ``expected_config``: raise CheckpointError listing every differing field (runtime-only
    fields such as channels_last are ignored). ``body``: body model to attach (otherwise the
    config's). A body whose identity differs from the stored one is logged as a warning.
    """
    path = os.fspath(path)
    ckpt = read_checkpoint(path)
    if expected_config is not None:
        diff = [d for d in config_diff(expected_config.to_dict(), ckpt.config.to_dict())
                if not d.split(":")[0] in RUNTIME_FIELDS]
        if diff:
            raise CheckpointError(f"{path}: config mismatch (expected != checkpoint): {diff}; build the model "
                                  f"from the checkpoint's config or pick the matching checkpoint")
    # The weights come from the file: never re-read init files the config names (they may not exist here).
    build_cfg = copy.deepcopy(ckpt.config)
    build_cfg.backbone.weights, build_cfg.mean_params = None, None
    model = build_model(build_cfg, body=body)
    load_state_strict(model, ckpt.state_dict, path)
    identity = getattr(model.body, "identity", None)
    if model.body is not None and ckpt.body_model is not None and identity != ckpt.body_model:
        log.warning("%s was trained with body %s but runs with %s; betas mean different shapes",
                    path, ckpt.body_model, identity)
    return model, ckpt


def load_spin_checkpoint(model: MeshRegressor, path_or_state: str | os.PathLike | dict) -> None:
    """Load SPIN's public checkpoint (``{'model': HMR.state_dict(), ...}``: trunk and regressor keys
    at the top level) into a model with the HMR head, unchanged apart from placing each key under
    ``backbone.`` or ``head.``. Every key must fit (missing/unexpected keys are listed)."""
    if not isinstance(model.head, HMRHead):
        raise CheckpointError("SPIN checkpoints hold the HMR regressor; build the model with head='hmr'")
    source = "SPIN state dict" if isinstance(path_or_state, dict) else os.fspath(path_or_state)
    raw = path_or_state if isinstance(path_or_state, dict) else torch_load(source)
    sd = extract_state_dict(raw, source)
    sd = {k[len("module."):] if k.startswith("module.") else k: v for k, v in sd.items()}
    head_keys = set(model.head.state_dict())
    mapped = {("head." if k in head_keys else "backbone.") + k: v for k, v in sd.items()}
    load_state_strict(model, mapped, source)
