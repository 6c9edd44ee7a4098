"""Fixtures for fitting (and training) tests: a small SMPL-format body (fast) and random poses."""
from __future__ import annotations

import math

import pytest
import torch

from core.body.model import BodyModel
from core.geometry.rotations import axis_angle_to_matrix
from tests.conftest import make_smpl_arrays


@pytest.fixture(scope="module")
def one_torch_thread():
    """torch on one thread for the module's fits (as the default path fits: core/pipeline/fit.py), then as before."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def small_body() -> BodyModel:
    return BodyModel(make_smpl_arrays(), source="test")


def camera_facing_poses(n: int, scale: float = 0.3, seed: int = 0) -> torch.Tensor:
    """(n, 24, 3, 3): random limb rotations, global orientation facing the camera (π about x)."""
    g = torch.Generator().manual_seed(seed)
    aa = torch.randn(n, 24, 3, generator=g) * scale
    aa[:, 0] = torch.tensor([math.pi, 0.0, 0.0]) + 0.1 * torch.randn(n, 3, generator=g)
    return axis_angle_to_matrix(aa)
