"""Foot contacts (floor, planted points, lock anchors) and the motion-quality metrics, on hand-made tracks."""
from __future__ import annotations

import numpy as np

from core.fitting import contacts as ct
from core.fitting.metrics import foot_skate, jitter, reprojection_error


def _walk(frames: int = 60, tilt: float = 0.0):
    """Four foot points (camera frame, y down): the left foot planted for frames 10–29 then swinging up and
    forward, the right foot always planted; the floor plane tilted by ``tilt`` rad about the camera's x."""
    t = np.arange(frames)
    feet = np.zeros((frames, 4, 3))
    feet[:, :, 2] = 4.0
    feet[:, 0, 0] = feet[:, 1, 0] = 0.1
    feet[:, 2, 0] = feet[:, 3, 0] = -0.1
    feet[:, [1, 3], 2] += 0.2                    # toes 20 cm ahead of heels
    swing = (t < 10) | (t >= 30)
    phase = np.where(swing, np.sin(np.pi * ((t % 30) / 30.0)), 0.0)
    feet[swing, 0, 2] += 0.02 * (t[swing] - 30)  # moving forward 0.6 m/s while swinging
    feet[swing, 1, 2] += 0.02 * (t[swing] - 30)
    feet[:, :2, 1] -= 0.15 * phase[:, None]      # lifted up to 15 cm (−y is up)
    feet[:, :, 1] += 1.5                         # floor 1.5 m below the camera
    c, s = np.cos(tilt), np.sin(tilt)
    rx = np.array([[1, 0, 0], [0, c, -s], [0, s, c]])
    return feet @ rx.T, rx


def test_planted_points_are_found_and_moving_ones_are_not():
    feet, _ = _walk()
    valid = np.ones(len(feet), bool)
    floor = ct.estimate_floor(feet, valid)
    planted = ct.point_contacts(feet, valid, 30.0, floor)
    assert planted[:, 2:].all()                           # the right foot stands all along
    assert planted[14:27, :2].all()  # the left foot is planted in the middle (edges blurred by the 0.05 s smoothing)
    assert not planted[[3, 5, 40, 45, 50], :2].any()      # and swinging (fast, high) elsewhere
    contacts = ct.foot_contacts(planted)
    assert contacts.shape == (60, 2) and contacts.dtype == bool
    valid[20] = False
    assert not ct.point_contacts(feet, valid, 30.0, floor)[20].any()  # invalid frames are never in contact


def test_floor_follows_a_tilted_camera():
    feet, rx = _walk(tilt=0.2)
    # points spread along z only: the plane's normal is only determined with lateral spread; add a side step
    side = feet.copy()
    side[:, :, 0] += 0.5
    both = np.concatenate([feet, side])
    floor = ct.estimate_floor(both, np.ones(len(both), bool), ct.ContactConfig(min_spread=0.2))
    assert floor.fitted
    up = rx @ np.array([0.0, -1.0, 0.0])
    assert np.degrees(np.arccos(floor.normal @ up)) < 2.0  # plane through noise-free points: exact up to the ±2σ spread rule


def test_lock_targets_are_the_span_means():
    feet = np.random.default_rng(0).normal(size=(10, 4, 3))
    planted = np.zeros((10, 4), bool)
    planted[2:6, 1] = True
    tgt = ct.lock_targets(feet, planted)
    np.testing.assert_allclose(tgt[2:6, 1], np.broadcast_to(feet[2:6, 1].mean(0), (4, 3)))
    np.testing.assert_array_equal(tgt[:, 0], feet[:, 0])


def test_metrics_on_known_tracks():
    t = np.arange(30, dtype=np.float64)
    line = np.stack([0.01 * t, 0 * t, 0 * t], -1)[:, None]          # constant velocity: no acceleration
    assert jitter(line, 30.0) < 1e-9
    bump = line.copy()
    bump[15, 0, 1] += 0.01                                           # one 1 cm spike
    assert jitter(bump, 30.0) > 0
    valid = np.ones(30, bool)
    valid[14:17] = False
    assert jitter(bump, 30.0, valid) < 1e-9                          # frames next to invalid ones are skipped
    slide = np.stack([0.001 * t, 0.002 * t, 0 * t], -1)[:, None]     # 1 mm/frame across, 2 mm/frame up
    planted = np.ones((30, 1), bool)
    np.testing.assert_allclose(foot_skate(slide, planted, np.array([0.0, 1.0, 0.0])), 1.0, rtol=1e-9)
    assert np.isnan(foot_skate(slide, ~planted, np.array([0.0, 1.0, 0.0])))
    obs = np.zeros((2, 3, 2))
    pred = obs + [3.0, 4.0]                                          # 5 px off everywhere
    w = np.array([[1, 1, 0], [0, 0, 0]], float)
    err = reprojection_error(pred, obs, w, torso_px=50.0)
    assert err[0] == 0.1 and np.isnan(err[1])


def test_speed_along_the_camera_ray_counts_only_by_its_weight():
    """A monocular fit's feet drift along the viewing ray while truly planted (depth is its weakest axis); with the
    camera's position given, that drift counts ``ray_weight`` times only, and a foot moving across the image
    is still moving."""
    feet, _ = _walk()
    valid = np.ones(len(feet), bool)
    floor = ct.estimate_floor(feet, valid)
    drift = feet.copy()
    ray = drift[:, 2:] / np.linalg.norm(drift[:, 2:], axis=-1, keepdims=True)
    # back and forth along the ray, ±8 cm, up to 0.63 m/s (fitted feet on rendered mocap: 0.4–1.4 m/s)
    drift[:, 2:] += ray * (0.08 * np.sin(np.arange(len(feet)) * 2 * np.pi / 24))[:, None, None]
    cfg = ct.ContactConfig(ray_weight=0.2, speed=0.4)
    assert ct.point_contacts(feet, valid, 30.0, floor, cfg, camera_at=np.zeros(3))[:, 2:].all()
    assert ct.point_contacts(drift, valid, 30.0, floor, cfg, camera_at=np.zeros(3))[:, 2:].all()
    assert not ct.point_contacts(drift, valid, 30.0, floor, cfg)[:, 2:].all()   # counted in full: lost
    across = drift.copy()
    across[:, 2:, 0] += 0.02 * np.arange(len(feet))[:, None]                     # 0.6 m/s across the image
    assert not ct.point_contacts(across, valid, 30.0, floor, cfg, camera_at=np.zeros(3))[:, 2:].any()
