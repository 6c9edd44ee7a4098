"""``build_model(config)``: the one place that turns a ModelConfig into a MeshRegressor."""
from __future__ import annotations

from typing import Any

from torch import nn

from core.model.backbones import build_backbone
from core.model.config import ModelConfig
from core.model.hkmr_head import HKMRHead
from core.model.hmr_head import HMRHead
from core.model.keypoint_encoder import KeypointEncoder
from core.model.mean_params import mean_params
from core.model.mesh_regressor import MeshRegressor

__all__ = ["build_model", "build_head", "count_parameters"]


def build_head(cfg: ModelConfig, feature_dim: int) -> nn.Module:
    """The configured regressor head (``cfg.head``: "hkmr" or "hmr") over a ``feature_dim`` Φ."""
    mean = mean_params(cfg.mean_params, cfg.num_betas)
    if cfg.head == "hkmr":
        return HKMRHead(feature_dim, mean, cfg.hkmr)
    return HMRHead(feature_dim, mean, hidden=cfg.hmr.hidden, dropout=cfg.hmr.dropout, n_iter=cfg.hmr.n_iter)


def build_model(cfg: ModelConfig | dict[str, Any] | None = None, body: nn.Module | None = None) -> MeshRegressor:
    """Backbone (ResNet + local weights if configured, or the keypoint encoder) → head → body model.

    ``body``: an already loaded BodyModel to attach; otherwise, with ``cfg.body.enabled``, one is
    loaded with ``core.body.model.load_body_model(cfg.body.path, cfg.body.gender, cfg.num_betas)``.
    """
    cfg = ModelConfig.from_dict(cfg) if isinstance(cfg, dict) else (cfg or ModelConfig()).validate()
    if cfg.backbone.name == "keypoints":
        backbone = KeypointEncoder(cfg.keypoints)
    else:
        backbone = build_backbone(cfg.backbone.name, cfg.backbone.weights, cfg.backbone.width)
    head = build_head(cfg, backbone.feature_dim)
    if body is None and cfg.body.enabled:
        from core.body.model import load_body_model  # smplx import only when a body is wanted

        body = load_body_model(cfg.body.path, cfg.body.gender, cfg.num_betas)
    if body is not None and getattr(body, "num_betas", cfg.num_betas) != cfg.num_betas:
        raise ValueError(f"body model has {body.num_betas} betas but the config asks for {cfg.num_betas}")
    model = MeshRegressor(backbone, head, cfg, body)
    if cfg.channels_last:
        model.use_channels_last()
    if cfg.compile:  # in place: parameter names (and checkpoints) stay the same
        model.backbone.compile()
        model.head.compile()
    return model


def count_parameters(module: nn.Module) -> int:
    """Number of parameters (buffers excluded)."""
    return sum(p.numel() for p in module.parameters())
