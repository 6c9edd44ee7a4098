"""Fixtures for the data tests: the shipped open body and a tiny synthetic dataset on disk."""
from __future__ import annotations

import pytest

from core.body.model import BodyModel, load_body_model
from training.data.synthetic import SynthConfig, generate


@pytest.fixture(scope="session")
def open_body() -> BodyModel:
    return load_body_model()


@pytest.fixture(scope="session")
def synth_dir(tmp_path_factory):
    """6 rendered images (res 128) with seed 7; the npz path."""
    out = tmp_path_factory.mktemp("synth")
    return generate(out, 6, seed=7, cfg=SynthConfig(res=128, batch=3))
