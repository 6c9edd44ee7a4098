"""The model's one configuration system: nested dataclasses ↔ plain dicts, validated.

``ModelConfig.from_dict(d)`` rejects unknown keys (listing them and the allowed ones), wrong
types and out-of-range values, so a typo in a YAML/JSON file fails loudly instead of silently
using a default. ``to_dict()`` gives the plain dict stored inside checkpoints.
:func:`config_from_dict` is generic over any dataclass tree, so training and inference configs
can reuse it.
"""
from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass, field
from typing import Any, Literal

from hkmr_blender.base.skeleton import GENDERS

__all__ = ["BackboneConfig", "KeypointEncoderConfig", "HKMRHeadConfig", "HMRHeadConfig", "BodyConfig", "ModelConfig",
           "config_from_dict", "config_diff"]


@dataclass
class BackboneConfig:
    """ResNet trunk, or ``name="keypoints"``: the detector-landmark encoder configured by
    ``ModelConfig.keypoints`` (``weights``/``width`` unused then). ``weights``: optional local
    torchvision/timm/SPIN file (never downloaded). ``width``: base channels (stages w, 2w, 4w, 8w; a
    positive multiple of 8). 64 is torchvision's and the only width the published weight files have;
    narrower trunks train from scratch."""

    name: Literal["resnet18", "resnet34", "resnet50", "keypoints"] = "resnet50"
    weights: str | None = None
    width: int = 64

    def validate(self) -> None:
        from core.model.backbones import check_width

        check_width(self.width)


@dataclass
class KeypointEncoderConfig:
    """The keypoint encoder (core/model/keypoint_encoder.py): a window of ``window`` frames of
    BlazePose's 33 landmarks → Φ (B, ``hidden``). Per frame an MLP (``hidden`` wide), then
    ``layers`` residual temporal convolutions of width ``kernel`` (``dilated``: layer i dilated by kernel**i, as
    VideoPose3D: 3 layers of width 3 see 27 frames; otherwise 1 + layers·(kernel − 1)). ``output``: "centre" — one Φ per
    window, the centre frame's (one prediction per window); "window" — one Φ per frame of the
    window (B·window predictions, in frame order)."""

    window: int = 9
    hidden: int = 256
    layers: int = 2
    kernel: int = 3
    output: Literal["centre", "window"] = "centre"
    dilated: bool = False

    def receptive_field(self) -> int:
        """Frames one output sees (at most ``window``)."""
        span = sum((self.kernel - 1) * (self.kernel ** i if self.dilated else 1) for i in range(self.layers))
        return min(1 + span, self.window)

    def validate(self) -> None:
        if self.window < 1 or self.window % 2 == 0 or self.hidden < 1 or self.layers < 0 or self.kernel < 1 \
                or self.kernel % 2 == 0:
            raise ValueError(f"keypoints: need an odd window ≥ 1, hidden ≥ 1, layers ≥ 0 and an odd kernel; got {self}")


@dataclass
class HKMRHeadConfig:
    """Hierarchical kinematic regressor (see core/model/hkmr_head.py and docs/model.md).

    Paper ablations: ``hierarchy`` "ancestors" (full) vs "parent" (each joint sees only its
    immediate parent); ``passes`` "fb" (forward root→leaf then backward leaf→root) vs "f".
    Defaults give 2,716,485 parameters; with ResNet-50 26,224,517 (paper: 26.2 M).
    """

    outer_iters: int = 3
    inner_iters: int = 1
    passes: Literal["fb", "f"] = "fb"
    hierarchy: Literal["ancestors", "parent"] = "ancestors"
    phi_dim: int = 512        # shared projection of Φ used by the root, chain and shape stages
    chain_phi_dim: int = 112  # each limb chain's own projection of it
    joint_hidden: int = 128   # hidden width of every per-joint update network
    root_hidden: int = 512
    shape_hidden: int = 256

    def validate(self) -> None:
        for name in ("outer_iters", "inner_iters", "phi_dim", "chain_phi_dim", "joint_hidden",
                     "root_hidden", "shape_hidden"):
            if getattr(self, name) < 1:
                raise ValueError(f"hkmr.{name} must be ≥ 1, got {getattr(self, name)}")


@dataclass
class HMRHeadConfig:
    """SPIN's IEF regressor: 3 iterations, 1024-wide, dropout 0.5."""

    n_iter: int = 3
    hidden: int = 1024
    dropout: float = 0.5

    def validate(self) -> None:
        if self.n_iter < 1 or self.hidden < 1 or not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"hmr: need n_iter ≥ 1, hidden ≥ 1, 0 ≤ dropout < 1; got {self}")


@dataclass
class BodyConfig:
    """Body model for the SMPL forward (core.body.model.load_body_model). ``path`` None = the
    discovered/shipped default body. ``enabled`` False = the model returns parameters only."""

    enabled: bool = True
    path: str | None = None
    gender: Literal[GENDERS] = "neutral"


@dataclass
class ModelConfig:
    """Backbone → head → (optional) SMPL forward. ``mean_params``: optional SPIN-style npz."""

    backbone: BackboneConfig = field(default_factory=BackboneConfig)
    keypoints: KeypointEncoderConfig = field(default_factory=KeypointEncoderConfig)
    head: Literal["hkmr", "hmr"] = "hkmr"
    hkmr: HKMRHeadConfig = field(default_factory=HKMRHeadConfig)
    hmr: HMRHeadConfig = field(default_factory=HMRHeadConfig)
    body: BodyConfig = field(default_factory=BodyConfig)
    num_betas: int = 10
    mean_params: str | None = None
    img_res: int = 224
    focal_length: float = 5000.0
    channels_last: bool = False
    compile: bool = False

    def validate(self) -> "ModelConfig":
        self.backbone.validate()
        self.keypoints.validate()
        if self.backbone.name == "keypoints" and (self.channels_last or self.backbone.weights):
            raise ValueError("backbone keypoints: channels_last and backbone.weights apply to image backbones only")
        self.hkmr.validate()
        self.hmr.validate()
        if not (self.num_betas >= 1 and self.img_res >= 32 and self.focal_length > 0):  # NaN-proof
            raise ValueError(f"need num_betas ≥ 1, img_res ≥ 32, focal_length > 0; got "
                             f"{self.num_betas}, {self.img_res}, {self.focal_length}")
        return self

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "ModelConfig":
        return config_from_dict(cls, d).validate()

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _check_value(where: str, tp: Any, value: Any) -> Any:
    origin = typing.get_origin(tp)
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            raise TypeError(f"{where}: expected a mapping for {tp.__name__}, got {type(value).__name__}")
        return config_from_dict(tp, value, where)
    if origin is Literal:
        if value not in typing.get_args(tp):
            raise ValueError(f"{where}: {value!r} is not one of {list(typing.get_args(tp))}")
        return value
    if origin in (list, tuple):
        if not isinstance(value, (list, tuple)):
            raise TypeError(f"{where}: expected a list, got {value!r} ({type(value).__name__})")
        args = typing.get_args(tp)
        if origin is tuple and args and args[-1] is not Ellipsis:
            if len(args) != len(value):
                raise ValueError(f"{where}: expected {len(args)} items, got {len(value)}")
            return tuple(_check_value(f"{where}[{i}]", a, v) for i, (a, v) in enumerate(zip(args, value)))
        item = args[0] if args else typing.Any
        items = [_check_value(f"{where}[{i}]", item, v) for i, v in enumerate(value)]
        return items if origin is list else tuple(items)
    if tp is typing.Any:
        return value
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(tp)
        if value is None and type(None) in args:
            return None
        return _check_value(where, next(a for a in args if a is not type(None)), value)
    if tp is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, tp) or (tp is int and isinstance(value, bool)):
        raise TypeError(f"{where}: expected {tp.__name__}, got {value!r} ({type(value).__name__})")
    return value


def config_from_dict(cls: type, d: dict[str, Any], where: str = "config") -> Any:
    """Build dataclass ``cls`` from a (nested) dict; unknown keys and bad types raise."""
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    unknown = sorted(set(d) - set(names))
    if unknown:
        raise KeyError(f"{where}: unknown keys {unknown}; allowed: {names}")
    return cls(**{k: _check_value(f"{where}.{k}", hints[k], v) for k, v in d.items()})


def config_diff(a: dict[str, Any], b: dict[str, Any], prefix: str = "") -> list[str]:
    """Dotted paths where two config dicts differ, as 'path: a_value != b_value'."""
    out = []
    for k in sorted(set(a) | set(b)):
        va, vb = a.get(k, "<absent>"), b.get(k, "<absent>")
        if isinstance(va, dict) and isinstance(vb, dict):
            out += config_diff(va, vb, f"{prefix}{k}.")
        elif va != vb:
            out.append(f"{prefix}{k}: {va!r} != {vb!r}")
    return out
