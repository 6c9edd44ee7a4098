"""The body's heading from where it goes (issue 22, :mod:`core.camera.heading`), on real motion: CMU subject 7's walk
007_01 (tests/data/mocap/007_01_walk.npz, converted as ``training.data.mocap`` does: Y-up world, 30 fps; credit
mocap.cs.cmu.edu, NSF EIA-0196217). A person walking faces where they go, so the offset on the capture itself is
near zero; a facing turned off by a detector-like bias comes back; side steps, standing and a turn too large for
a bias give no correction."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from core.camera.heading import heading_offset, turn_about_up
from core.geometry.rotations import axis_angle_to_matrix

CLIP = Path(__file__).resolve().parents[2] / "data" / "mocap" / "007_01_walk.npz"
UP = np.array([0.0, 1.0, 0.0])


@pytest.fixture(scope="module")
def walk():
    d = np.load(CLIP)
    root = axis_angle_to_matrix(torch.as_tensor(d["poses"][:, :3], dtype=torch.float64)).numpy()
    return d["trans"].astype(np.float64), root, float(d["mocap_framerate"])


def _yaw(deg: float) -> np.ndarray:
    return turn_about_up(np.eye(3)[None], UP, np.radians(deg))[0]


def _offset(pelvis, root, fps, valid=None, window=None):
    valid = np.ones(len(pelvis), bool) if valid is None else valid
    return np.degrees(heading_offset(pelvis, root[:, :, 2], UP, valid, fps, window=window))


def test_a_real_walk_faces_where_it_goes(walk):
    pelvis, root, fps = walk
    assert np.linalg.norm((pelvis[-1] - pelvis[0])[[0, 2]]) > 3.0       # the clip walks 4 m
    assert abs(_offset(pelvis, root, fps)) < 5.0


@pytest.mark.parametrize("bias", [-15.0, 12.0, 20.0])
def test_a_biased_facing_is_turned_back(walk, bias):
    pelvis, root, fps = walk
    truth = _offset(pelvis, root, fps)
    biased = np.einsum("ij,fjk->fik", _yaw(bias), root)
    off = _offset(pelvis, biased, fps)
    assert off == pytest.approx(truth - bias, abs=1.0)
    local = _offset(pelvis, biased, fps, window=1.5)                 # per frame, as the fit uses it
    assert local.shape == (len(pelvis),)
    turned = np.einsum("fij,fjk->fik", turn_about_up(np.repeat(np.eye(3)[None], len(root), 0), UP, np.radians(local)),
                       biased)                                          # what the fit does with it
    cos = (np.trace(turned @ root.transpose(0, 2, 1), axis1=1, axis2=2) - 1) / 2
    angle = np.degrees(np.arccos(np.clip(cos, -1, 1)))
    assert np.median(angle) < 3.0 and angle.max() < abs(bias) / 2, (np.median(angle), angle.max())


def test_no_correction_without_forward_travel(walk):
    pelvis, root, fps = walk
    sideways = np.einsum("ij,fjk->fik", _yaw(90.0), root)           # a side step: travel 90° off the facing
    assert _offset(pelvis, sideways, fps) == 0.0
    standing = np.repeat(pelvis[:1], len(pelvis), 0)                # on the spot
    assert _offset(standing, root, fps) == 0.0
    assert _offset(pelvis, np.einsum("ij,fjk->fik", _yaw(35.0), root), fps) == 0.0   # more than a bias
    few = np.zeros(len(pelvis), bool)
    few[:20] = True                                                 # under a second of frames with a person
    assert _offset(pelvis, root, fps, few) == 0.0
    assert _offset(pelvis, sideways, fps, window=1.5) == 0.0         # per frame: nothing either
