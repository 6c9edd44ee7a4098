"""Levelling BlazePose's world landmarks (core/detect/world_lean.py) on its real landmarks of the vendored walk."""
from __future__ import annotations

import numpy as np
import pytest

from core.assets import REAL_DEMO_CLIP
from core.detect.blazepose import DetectorOptions, detect_frames
from core.detect.world_lean import WORLD_LEAN_DEG, level_world, torso_lean
from core.inference.sources import open_source


@pytest.fixture(scope="module")
def walk():
    src = open_source(str(REAL_DEMO_CLIP))
    return detect_frames(((i, img) for i, img in src.frames() if i < 30), DetectorOptions(), fps=src.info.fps)


def test_torso_turns_towards_the_camera_by_the_constant_and_nothing_else_changes(walk):
    out = level_world(walk)
    f = walk.found
    assert f.sum() >= 20
    np.testing.assert_allclose(torso_lean(walk.world[f]) - torso_lean(out.world[f]), WORLD_LEAN_DEG, atol=1e-3)
    # a rotation about the hip-centred origin: lengths, the hips' centre and x (left/right) stay
    np.testing.assert_allclose(np.linalg.norm(out.world, axis=-1), np.linalg.norm(walk.world, axis=-1), atol=1e-5)
    # (BlazePose's own hip centre is within 0.5 mm of its origin; the turn keeps it there)
    np.testing.assert_allclose(out.world[f][:, [23, 24]].mean(1), 0.0, atol=1e-3)
    np.testing.assert_array_equal(out.world[..., 0], walk.world[..., 0])
    assert not out.world[~f].any()  # frames without a person stay zeros
    for k in ("points2d", "visibility", "presence", "found"):
        np.testing.assert_array_equal(getattr(out, k), getattr(walk, k))
    assert out.world.dtype == walk.world.dtype
