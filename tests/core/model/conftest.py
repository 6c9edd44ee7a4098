"""The shipped open default body (real BodyModel, real data) and a tiny ResNet-18 model on 64 px crops."""
from __future__ import annotations

import pytest

from core.body.model import BodyModel
from core.model.builder import build_model
from core.model.config import BackboneConfig, ModelConfig


@pytest.fixture(scope="module")
def body(open_body) -> BodyModel:
    return open_body


@pytest.fixture
def small_cfg() -> ModelConfig:
    return ModelConfig(backbone=BackboneConfig("resnet18"), img_res=64)


@pytest.fixture
def small_model(small_cfg, body):
    import torch

    torch.manual_seed(0)
    return build_model(small_cfg, body=body)
