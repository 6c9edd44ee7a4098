"""The world lifter's temporal training pieces (training/lifter/temporal.py): shifted windows, the velocity loss,
whole-leg depth flips."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from training.lifter.temporal import ARMS, LEGS, flip_leg_depth, shifted_windows, velocity_loss


def test_shifted_windows_pair_each_window_with_its_own_centre_frame():
    b, window, shifts = 2, 5, 3
    total = window + shifts - 1
    frame = torch.arange(total, dtype=torch.float32)
    x = frame[None, :, None, None].expand(b, total, 33, 6).clone()
    y = frame[None, :, None, None].expand(b, total, 33, 3).reshape(b * total, 33, 3)
    xs, ys = shifted_windows(x, y, window, shifts)
    assert xs.shape == (shifts * b, window, 33, 6) and ys.shape == (shifts * b, 33, 3)
    for k in range(shifts):
        rows = slice(k * b, (k + 1) * b)
        assert torch.all(xs[rows, 0] == k) and torch.all(xs[rows, window // 2] == window // 2 + k)
        assert torch.all(ys[rows] == window // 2 + k)
    with pytest.raises(ValueError, match="frames"):
        shifted_windows(x[:, :-1], y, window, shifts)


def test_velocity_loss_ignores_a_constant_offset_and_sees_a_flicker():
    torch.manual_seed(0)
    truth = torch.randn(3 * 4, 33, 3)
    assert float(velocity_loss(truth + 0.05, truth)) < 1e-6            # the same error every frame: no velocity error
    flicker = truth.clone()
    flicker[4:8] += 0.05                                                # the middle frame jumps 5 cm and back
    assert float(velocity_loss(flicker, truth)) == pytest.approx(0.05 * np.sqrt(3), rel=1e-4)


def test_leg_flip_mirrors_one_legs_depth_about_its_hip_and_keeps_the_rest():
    rng = np.random.default_rng(0)
    x = torch.randn(64, 9, 33, 6)
    x[0, 4] = 0.0                                                       # a frame without a person
    out = flip_leg_depth(x, rng, prob=1.0)
    assert torch.equal(out[..., :5], x[..., :5])                        # 2D, visibility, world x/y untouched
    assert torch.equal(out[0, 4], x[0, 4])
    legs = [i for _, leg in LEGS.values() for i in leg]
    others = [i for i in range(33) if i not in legs]
    assert torch.equal(out[..., others, 5], x[..., others, 5])
    for i in range(64):
        changed = (out[i, :, :, 5] != x[i, :, :, 5]).any(0).nonzero().flatten().tolist()
        side = next(s for s, (_, leg) in LEGS.items() if set(changed) <= set(leg))
        hip, leg = LEGS[side]
        frames = (out[i, :, leg[0], 5] != x[i, :, leg[0], 5]).nonzero().flatten()
        assert len(frames) >= 2                                         # a run of frames (≥ 3, one may be empty)
        f = frames[0]
        assert torch.allclose(out[i, f, list(leg), 5] - x[i, f, hip, 5], x[i, f, hip, 5] - x[i, f, list(leg), 5],
                              atol=1e-5)
    assert torch.equal(flip_leg_depth(x, rng, prob=0.0), x)


def test_arm_flip_mirrors_one_arms_depth_about_its_shoulder_and_keeps_the_legs():
    torch.manual_seed(2)
    x = torch.randn(32, 9, 33, 6)
    out = flip_leg_depth(x, np.random.default_rng(3), prob=1.0, limbs=ARMS)
    arms = [i for _, arm in ARMS.values() for i in arm]
    rest = [i for i in range(33) if i not in arms]
    assert torch.equal(out[..., rest, 5], x[..., rest, 5])              # legs, torso and head untouched
    for i in range(32):
        changed = set((out[i, :, :, 5] != x[i, :, :, 5]).any(0).nonzero().flatten().tolist())
        side = next(s for s, (_, arm) in ARMS.items() if changed and changed <= set(arm))
        shoulder, arm = ARMS[side]
        f = (out[i, :, arm[0], 5] != x[i, :, arm[0], 5]).nonzero().flatten()[0]
        assert torch.allclose(out[i, f, list(arm), 5] - x[i, f, shoulder, 5],
                              x[i, f, shoulder, 5] - x[i, f, list(arm), 5], atol=1e-5)
