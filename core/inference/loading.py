"""Load the model to run: our checkpoint format, or SPIN's public checkpoint into the HMR head.

The kind of file is detected from its contents (one ``torch.load(weights_only=True)``):
``hkmr-model`` files go through :func:`core.model.checkpoint.load_checkpoint`; a state dict
with SPIN's regressor keys (``decpose.weight`` …) builds a ResNet-50 + HMR model and loads it
with :func:`~core.model.checkpoint.load_spin_checkpoint`; a file holding only ResNet trunk
weights (ImageNet) is refused with a pointer to training (``backbone.weights``).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import torch

from core.model.backbones import extract_state_dict
from core.model.checkpoint import FORMAT, CheckpointError, load_checkpoint, load_spin_checkpoint, torch_load
from core.model.config import BackboneConfig, BodyConfig, ModelConfig
from core.model.mesh_regressor import MeshRegressor
from hkmr_blender.base.smpl_file import shape_mismatch

__all__ = ["ENV_CHECKPOINT", "DEFAULT_CHECKPOINT", "LoadedModel", "resolve_checkpoint", "load_inference_model"]

ENV_CHECKPOINT = "HKMR_CHECKPOINT"
#: Where the shipped demo checkpoint lives (see docs/inference.md).
DEFAULT_CHECKPOINT = Path(__file__).resolve().parents[1] / "model" / "assets" / "hkmr_demo.pt"


@dataclass
class LoadedModel:
    """model on its device, in eval mode; kind "hkmr" | "spin"; identity: path, size and mtime
    of the file (what a resumed run must match); trained_on: names of the training datasets the
    checkpoint records (``meta.experiment.data.datasets``; "spin" for SPIN's real-image model, empty when
    unknown); warnings: what the caller should tell the user (e.g. a SPIN checkpoint's shape coefficients
    applied to another body than SMPL's)."""

    model: MeshRegressor
    kind: str
    identity: str
    trained_on: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def synthetic_only(self) -> bool:
        """True when the checkpoint says it saw only this project's synthetic renders."""
        return bool(self.trained_on) and set(self.trained_on) <= {"synthetic"}


def _trained_on(raw: dict) -> tuple[str, ...]:
    data = ((raw.get("meta") or {}).get("experiment") or {}).get("data") or {}
    return tuple(str(d.get("name", "")) for d in data.get("datasets") or [] if isinstance(d, dict))


def resolve_checkpoint(path: str | os.PathLike | None) -> str:
    """Explicit path > $HKMR_CHECKPOINT > the shipped default; a clear error when none exists."""
    if path:
        return os.fspath(path)
    if os.environ.get(ENV_CHECKPOINT):
        return os.environ[ENV_CHECKPOINT]
    if DEFAULT_CHECKPOINT.is_file():
        return str(DEFAULT_CHECKPOINT)
    raise CheckpointError(f"no checkpoint given and no default at {DEFAULT_CHECKPOINT}; pass --checkpoint "
                          f"FILE (an HKMR checkpoint or SPIN's model_checkpoint.pt) or set ${ENV_CHECKPOINT}")


def _identity(path: str) -> str:
    st = os.stat(path)
    return f"{os.path.abspath(path)}:{st.st_size}:{st.st_mtime_ns}"


def load_inference_model(checkpoint: str | os.PathLike | None, body_path: str | None = None,
                         device: str | torch.device = "cpu") -> LoadedModel:
    """Build + load the model from ``checkpoint`` (see module docstring), attach the body model
    (``body_path`` or the discovered default), move it to ``device``, eval mode."""
    path = resolve_checkpoint(checkpoint)
    raw = torch_load(path)  # FileNotFoundError / CheckpointError (truncated, foreign pickles)
    body = None
    if body_path is not None:
        from core.body.model import load_body_model

        body = load_body_model(body_path)
    trained_on: tuple[str, ...] = ("spin",)
    warnings: tuple[str, ...] = ()
    if isinstance(raw, dict) and raw.get("format") == FORMAT:
        trained_on = _trained_on(raw)
        del raw
        model, _ = load_checkpoint(path, body=body)
        kind = "hkmr"
    else:
        try:
            sd = extract_state_dict(raw, path)
        except ValueError as exc:
            raise CheckpointError(f"{path}: neither an HKMR checkpoint nor a SPIN state dict ({exc})") from exc
        keys = {k.removeprefix("module.") for k in sd}
        if "decpose.weight" not in keys:
            hint = (" — it holds ResNet trunk weights only (ImageNet?); use it to start training "
                    "(model config backbone.weights), not for inference") if any(k.startswith("layer4.") for k in keys) else ""
            raise CheckpointError(f"{path}: not an HKMR checkpoint (no 'format' = {FORMAT!r}) and not SPIN's "
                                  f"(no 'decpose.weight'){hint}; pass an HKMR checkpoint or SPIN's "
                                  f"model_checkpoint.pt")
        from core.model.builder import build_model

        cfg = ModelConfig(backbone=BackboneConfig("resnet50"), head="hmr", body=BodyConfig(path=body_path))
        model = build_model(cfg, body=body)
        load_spin_checkpoint(model, sd)
        kind = "spin"
        warning = shape_mismatch("spin", model.body.identity, path) if model.body is not None else None
        warnings = (warning,) if warning else ()
    model.eval().to(device)
    if torch.device(device).type == "cuda":
        model.use_channels_last()
    if model.body is None:
        raise CheckpointError(f"{path}: the model was saved with body.enabled = false; inference needs the "
                              f"body model (pass --body or re-save with a body)")
    return LoadedModel(model, kind, _identity(path), trained_on, warnings)
