"""The benchmark's true contacts on a render (bench/bench_starts.py ``truth_planted``) over the render's own floor,
on real motion: CMU subject 7's walk 007_01 (tests/data/mocap/007_01_walk.npz, the open body fitted to the capture;
Y-up world, 30 fps; credit mocap.cs.cmu.edu, NSF EIA-0196217) walked towards a camera that looks down on it, as the
evaluation renders' cameras do. Until session 15 the bench guessed the floor from the true feet and, for feet along
a line, kept the camera's −y as up: the walk's contacts were lost (docs/experiments.md, issue 20 session 15)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from bench.bench_starts import truth_floor, truth_planted
from core.body.landmark_points import landmark_points
from core.fitting import contacts as ct
from core.fitting.terms import FOOT_POINTS
from core.geometry.rotations import axis_angle_to_matrix

CLIP = Path(__file__).resolve().parents[2] / "data" / "mocap" / "007_01_walk.npz"
#: SMPL Y-up world → a level camera looking along the world's +Z (OpenCV axes: x right, y down, z forward)
LEVEL = np.diag([-1.0, -1.0, 1.0])


def _pitch_down(deg: float) -> np.ndarray:
    """Camera axes turned about their x so that the optical axis points ``deg`` below the horizon."""
    a = np.radians(deg)
    return np.array([[1.0, 0, 0], [0, np.cos(a), -np.sin(a)], [0, np.sin(a), np.cos(a)]])


@pytest.fixture(scope="module")
def walk_feet(open_body):
    """(F,4,3) the walk's heel and toe points in its Y-up world, metres, its travel turned along −Z."""
    d = np.load(CLIP)
    rot = axis_angle_to_matrix(torch.as_tensor(d["poses"].reshape(-1, 24, 3), dtype=torch.float32))
    betas = torch.as_tensor(d["betas"], dtype=torch.float32)[None].expand(len(rot), -1)
    with torch.no_grad():
        feet = landmark_points(open_body, rot, betas, torch.as_tensor(d["trans"], dtype=torch.float32))
    feet = feet[:, list(FOOT_POINTS)].double().numpy()
    travel = feet[-1].mean(0) - feet[0].mean(0)
    a = np.arctan2(travel[0], travel[2]) - np.pi                  # turn the travel onto the world's −Z
    yaw = np.array([[np.cos(a), 0, -np.sin(a)], [0, 1, 0], [np.sin(a), 0, np.cos(a)]])
    return feet @ yaw.T


def _render(feet_w: np.ndarray, pitch: float, distance: float = 6.0):
    """A static render's truth arrays and the feet in its camera frame: the camera ``distance`` m ahead of the walk's
    start on its line of travel, 1.5 m above its floor, looking back at it ``pitch``° down."""
    R = _pitch_down(pitch) @ LEVEL                                # looks along the world's +Z: at the walker
    centre = feet_w[0].mean(0)
    eye = centre + np.array([0.0, 1.5 - centre[1], -distance])
    t = -R @ eye
    return {"cam_R": np.broadcast_to(R, (len(feet_w), 3, 3)), "fps": 30.0}, feet_w @ R.T + t


def test_truth_floor_is_the_render_floor(walk_feet):
    z, feet = _render(walk_feet, 20.0)
    floor = truth_floor(z, feet)
    up = z["cam_R"][0] @ np.array([0.0, 1.0, 0.0])
    np.testing.assert_allclose(floor.normal, up, atol=1e-12)
    assert floor.normal[1] < -0.9 and floor.normal[2] < -0.3     # camera y down, pitched 20°: up leans away
    # heights over it are the world's heights up to one constant, however far the walker is
    np.testing.assert_allclose(floor.height(feet) - walk_feet[..., 1], floor.height(feet)[0, 0] - walk_feet[0, 0, 1],
                               atol=1e-9)


@pytest.mark.parametrize("pitch", [0.0, 20.0])
def test_a_walk_towards_a_camera_looking_down_keeps_its_contacts(walk_feet, pitch):
    level, level_feet = _render(walk_feet, 0.0)
    reference = truth_planted(level, level_feet)                 # a level camera: its −y is the world's up
    assert 0.3 < reference.any(1).mean() <= 1.0                   # a walk: a foot planted on most frames
    z, feet = _render(walk_feet, pitch)
    planted = truth_planted(z, feet)
    assert np.array_equal(planted, reference)
    if pitch:  # what the bench did before: a plane guessed from the feet, the camera's −y kept for feet on a line
        guessed = ct.truth_contacts(feet, 30.0)
        assert not ct.estimate_floor(feet, np.ones(len(feet), bool), ct.TRUTH_CONTACTS).fitted
        assert guessed.sum() < 0.8 * reference.sum(), (guessed.sum(), reference.sum())
