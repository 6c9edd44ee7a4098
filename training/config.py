"""The training/evaluation configuration: one tree of dataclasses, loaded from YAML or JSON.

Sections: ``model`` (:class:`core.model.config.ModelConfig`, embedded, not copied), ``data``
and ``eval_data`` (:class:`training.data.DataConfig`, for :func:`training.data.build_dataset`), ``loss``
(:class:`training.losses.LossWeights`), ``prior`` (:class:`training.prior.PriorConfig`),
``smplify`` (:class:`core.fitting.smplify.SmplifyConfig`), ``optim``, ``train``, ``eval``.
Unknown keys, wrong types and bad values fail loudly (``core.model.config.config_from_dict``).
A file may name a ``base`` file (relative to itself) whose values it overrides key by key.
"""
from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass, field
from typing import Any, Literal

from core.model.config import ModelConfig, config_from_dict
from core.runtime import PRECISIONS, normalize_precision
from training.data.mixing import DataConfig
from training.losses.total import LossWeights
from training.prior import PriorConfig
from core.fitting.smplify import SmplifyConfig

__all__ = ["OptimConfig", "TrainConfig", "EvalConfig", "ExperimentConfig", "load_config", "merge_dicts",
           "apply_overrides"]


@dataclass
class OptimConfig:
    """Adam (SPIN: lr 5e-5, no weight decay); ``schedule``: "constant" or "cosine" (to 0 at the
    last step) after ``warmup_steps`` of linear warm-up; ``grad_clip``: max grad norm (0 = off)."""

    lr: float = 5e-5
    weight_decay: float = 0.0
    schedule: Literal["constant", "cosine"] = "constant"
    warmup_steps: int = 0
    grad_clip: float = 0.0


@dataclass
class TrainConfig:
    """Run settings. ``amp``: precision (:data:`core.runtime.PRECISIONS`): "auto" = bf16 autocast on CUDA,
    fp32 on CPU; "fp32"; "bf16". ``checkpoint_every``
    and ``log_every`` in optimiser steps. ``device``: "auto" | "cpu" | "cuda". ``init_from``: a
    checkpoint (ours, model-only or a training one) whose weights start a new run — fine-tuning;
    the architecture must match exactly; ignored when the run resumes from its own checkpoint."""

    out_dir: str = "runs/hkmr"
    steps: int = 100_000
    batch_size: int = 64
    num_workers: int = 4
    seed: int = 0
    device: str = "auto"
    amp: Literal[PRECISIONS + ("off",)] = "auto"  # "off": configs from before the unified vocabulary
    checkpoint_every: int = 1000
    log_every: int = 10
    progress: bool = True
    tensorboard: bool = False
    threads: int = 0  # torch.set_num_threads on CPU (0 = leave the default)
    init_from: str | None = None


@dataclass
class EvalConfig:
    """``occlusions``: protocols to run ("none" = standard); ``protocol``: H36M protocol (1: all
    cameras, 2: frontal camera 60457274 only, selected by image name); ``pck_alpha``: PCK
    threshold as a fraction of the crop size; ``segmentation``: render masks/parts and score them
    when the data has them."""

    occlusions: list = field(default_factory=lambda: ["none", "bar", "circle", "rectangle"])
    occlusion_area: float = 0.2
    protocol: int = 1
    pck_alpha: float = 0.05
    batch_size: int = 32
    segmentation: bool = True


@dataclass
class ExperimentConfig:
    name: str = "hkmr"
    model: ModelConfig = field(default_factory=ModelConfig)
    data: DataConfig = field(default_factory=DataConfig)
    eval_data: DataConfig = field(default_factory=lambda: DataConfig(train=False))
    loss: LossWeights = field(default_factory=LossWeights)
    prior: PriorConfig = field(default_factory=PriorConfig)
    smplify: SmplifyConfig = field(default_factory=SmplifyConfig)
    optim: OptimConfig = field(default_factory=OptimConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    eval: EvalConfig = field(default_factory=EvalConfig)

    def validate(self) -> "ExperimentConfig":
        self.model.validate()
        if self.data.img_res != self.model.img_res or self.eval_data.img_res != self.model.img_res:
            raise ValueError(f"data.img_res ({self.data.img_res}) and eval_data.img_res ({self.eval_data.img_res}) "
                             f"must equal model.img_res ({self.model.img_res}): the camera assumes that crop size")
        self.loss.validate()
        self.prior.validate()
        self.smplify.validate()
        t, o, e = self.train, self.optim, self.eval
        t.amp = normalize_precision(t.amp)
        if not (t.steps >= 1 and t.batch_size >= 1 and t.num_workers >= 0 and t.checkpoint_every >= 1
                and t.log_every >= 1):  # NaN-proof
            raise ValueError(f"train: need steps, batch_size, checkpoint_every, log_every ≥ 1 and num_workers ≥ 0; got {t}")
        if not (o.lr > 0 and o.warmup_steps >= 0 and o.grad_clip >= 0):  # NaN-proof
            raise ValueError(f"optim: need lr > 0, warmup_steps ≥ 0, grad_clip ≥ 0; got {o}")
        bad = [k for k in e.occlusions if k not in ("none", "bar", "circle", "rectangle")]
        if bad or e.protocol not in (1, 2) or not 0 < e.pck_alpha < 1 or not 0 < e.occlusion_area <= 1:
            raise ValueError(f"eval: occlusions from none/bar/circle/rectangle (bad: {bad}), protocol 1 or 2, "
                             f"0 < pck_alpha < 1, 0 < occlusion_area ≤ 1; got {e}")
        return self

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "ExperimentConfig":
        d = dict(d)
        model = ModelConfig.from_dict(d.pop("model", {}))
        data = DataConfig.from_dict(d.pop("data", {}))
        eval_data = DataConfig.from_dict({"train": False, **d.pop("eval_data", {})})
        cfg = config_from_dict(cls, d, "config")
        cfg.model, cfg.data, cfg.eval_data = model, data, eval_data
        return cfg.validate()

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def merge_dicts(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """Recursive dict update: ``over`` wins; nested dicts merge key by key."""
    out = dict(base)
    for k, v in over.items():
        out[k] = merge_dicts(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def _read(path: str) -> dict[str, Any]:
    if not os.path.isfile(path):
        raise FileNotFoundError(f"config file {path!r} not found")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    if path.endswith((".yaml", ".yml")):
        try:
            import yaml
        except ImportError as exc:
            raise ImportError(f"{path}: YAML configs need PyYAML (pip install pyyaml), or use the .json form") from exc
        d = yaml.safe_load(text) or {}
    else:
        try:
            d = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}: invalid JSON ({exc})") from exc
    if not isinstance(d, dict):
        raise ValueError(f"{path}: a config file must hold a mapping at the top level")
    base = d.pop("base", None)
    if base is not None:
        d = merge_dicts(_read(os.path.join(os.path.dirname(os.path.abspath(path)), base)), d)
    return d


def apply_overrides(d: dict[str, Any], overrides: list[str]) -> dict[str, Any]:
    """``["train.steps=10", "model.head=hmr"]`` → nested updates; values parsed as JSON when
    they parse (numbers, true/false, null, lists), else kept as strings."""
    for item in overrides:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise ValueError(f"override {item!r}: expected section.key=value")
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            value = raw
        node = d
        *parents, leaf = key.split(".")
        for p in parents:
            node = node.setdefault(p, {})
            if not isinstance(node, dict):
                raise ValueError(f"override {item!r}: {p} is not a section")
        node[leaf] = value
    return d


def load_recipe(cls: type, path: str | None, overrides: list[str]):
    """A trainer's recipe: ``cls.from_dict`` of a JSON file (``path``; None: the defaults) with ``overrides``
    (:func:`apply_overrides`). ValueError naming the file (or "defaults") and what is wrong."""
    d = {}
    if path:
        try:
            with open(path, encoding="utf-8") as f:
                d = json.load(f)
        except (OSError, ValueError) as exc:
            raise ValueError(f"--config {path}: {exc}") from exc
    try:
        return cls.from_dict(apply_overrides(d, list(overrides)))
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"{path or 'defaults'}: {exc}") from exc


def load_config(path: str | os.PathLike | None = None, overrides: list[str] | None = None) -> ExperimentConfig:
    """Read a YAML/JSON config (with ``base`` inheritance), apply ``overrides``, validate."""
    d = _read(os.fspath(path)) if path is not None else {}
    try:
        return ExperimentConfig.from_dict(apply_overrides(d, list(overrides or [])))
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"{path or 'defaults'}: {exc}") from exc
