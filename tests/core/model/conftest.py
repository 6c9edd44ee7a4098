"""A small real BodyModel (synthetic SMPL-format arrays from tests/conftest.py) and a tiny model."""
from __future__ import annotations

import pytest

from core.body.model import BodyModel
from core.model.builder import build_model
from core.model.config import BackboneConfig, ModelConfig
from tests.conftest import make_smpl_arrays


@pytest.fixture(scope="module")
def body() -> BodyModel:
    return BodyModel(make_smpl_arrays(), source="synthetic-test-body")


@pytest.fixture
def small_cfg() -> ModelConfig:
    return ModelConfig(backbone=BackboneConfig("resnet18"), img_res=64)


@pytest.fixture
def small_model(small_cfg, body):
    import torch

    torch.manual_seed(0)
    return build_model(small_cfg, body=body)
