"""One-Euro filter: jitter reduction, step lag within the documented bound, on-sphere rotations."""
from __future__ import annotations

import numpy as np
import torch
from scipy.spatial.transform import Rotation

from core.geometry.rotations import matrix_to_quaternion
from core.inference.smoothing import (OneEuroParams, SmoothingConfig, one_euro, one_euro_rotations, smooth_motion,
                                      step_lag_frames, valid_segments)

FPS = 30.0


def test_noisy_sine_jitter_reduced_shape_preserved():
    t = np.arange(300) / FPS
    clean = np.sin(2 * np.pi * 0.3 * t)[:, None]
    noisy = clean + np.random.default_rng(0).normal(0, 0.05, clean.shape)
    out = one_euro(noisy, FPS, SmoothingConfig().rotation)
    jitter = lambda x: float(np.std(np.diff(x[:, 0]) - np.diff(clean[:, 0])))  # noqa: E731
    assert jitter(out) < 0.3 * jitter(noisy)
    # the motion itself survives: the lag costs a bounded error, the amplitude is kept
    assert np.sqrt(np.mean((out[30:] - clean[30:]) ** 2)) < 0.15
    assert np.corrcoef(out[30:, 0], clean[30:, 0])[0, 1] > 0.98 and np.abs(out[30:]).max() > 0.9


def test_step_followed_within_documented_lag():
    p = OneEuroParams(1.0, 0.0)  # beta only makes it faster; check the plain bound
    x = np.r_[np.zeros(20), np.ones(60)][:, None]
    out = one_euro(x, FPS, p)[:, 0]
    lag = step_lag_frames(FPS, p.min_cutoff)
    assert out[20 + lag] >= 0.9 and out[20 + lag - 2] < 0.9  # the bound is tight, not vacuous
    fast = one_euro(x, FPS, OneEuroParams(1.0, 5.0))[:, 0]
    assert fast[20 + lag // 2] >= 0.9  # speed term shortens the lag


def test_rotation_filter_never_takes_the_long_way():
    # about z from 150° to 210°: the quaternion's w changes sign at 180°
    angles = np.radians(np.linspace(150, 210, 40))
    rots = Rotation.from_rotvec(np.c_[np.zeros((40, 2)), angles]).as_matrix()[:, None]
    q = matrix_to_quaternion(torch.as_tensor(rots[:, 0])).numpy()  # canonical w ≥ 0
    assert (q[:-1] * q[1:]).sum(1).min() < 0  # the raw quaternions do flip sign
    out = one_euro_rotations(rots, FPS, OneEuroParams(1.0, 0.3))[:, 0]
    step = Rotation.from_matrix(out[1:]) * Rotation.from_matrix(out[:-1]).inv()
    assert np.degrees(step.magnitude()).max() < 5  # small steps only: no spin through 0°
    z = np.degrees(np.unwrap(np.arctan2(out[:, 1, 0], out[:, 0, 0]) % (2 * np.pi)))
    assert z.min() >= 149.9 and z.max() <= 210.1  # stays on the short arc between the inputs
    np.testing.assert_allclose(np.einsum("fij,fkj->fik", out, out), np.eye(3)[None].repeat(40, 0), atol=1e-9)


def test_noisy_rotations_smoothed_and_gaps_untouched():
    rng = np.random.default_rng(1)
    base = Rotation.from_rotvec(np.c_[np.linspace(0, 1, 90), np.zeros((90, 2))])
    noisy = (Rotation.from_rotvec(rng.normal(0, 0.05, (90, 3))) * base).as_matrix()
    rot = np.repeat(noisy[:, None], 24, 1)
    trans = rng.normal(0, 0.02, (90, 3))
    valid = np.ones(90, bool)
    valid[40:45] = False
    r2, t2 = smooth_motion(rot, trans, valid, FPS, SmoothingConfig())
    err = lambda r: (Rotation.from_matrix(r[50:, 5]) * base[50:].inv()).magnitude().mean()  # noqa: E731
    assert err(r2) < 0.6 * err(rot)
    np.testing.assert_array_equal(r2[40:45], rot[40:45])
    np.testing.assert_array_equal(t2[40:45], trans[40:45])
    np.testing.assert_allclose(r2[45], rot[45], atol=1e-12)  # a new segment restarts at its first sample
    assert valid_segments(valid) == [(0, 40), (45, 90)]


def test_rotation_filter_passes_through_with_huge_cutoff():
    rots = Rotation.random(10, random_state=3).as_matrix()[:, None]
    out = one_euro_rotations(rots, FPS, OneEuroParams(1e6, 0.0))  # huge cutoff: pass-through
    np.testing.assert_allclose(out, rots, atol=1e-4)
