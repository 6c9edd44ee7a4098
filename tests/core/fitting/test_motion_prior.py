"""The learned motion prior (core/fitting/motion_prior.py): its energy, its file, and what the shipped one says
about real motion (the CMU walk in tests/data/mocap) against the same motion with jitter."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from core.fitting.motion_prior import MOTION_PRIOR_PATH, MotionPrior, load_motion_prior, motion_precision


def _pts(f=40, seed=0):
    g = np.random.default_rng(seed)
    t = np.linspace(0, 2, f)[:, None, None]
    return (np.sin(t * g.uniform(1, 4, (1, 33, 3)) + g.uniform(0, 6, (1, 33, 3))) * 0.1).astype(np.float32)


@pytest.mark.parametrize("span", [1, 2])
def test_energy_is_the_windowed_mahalanobis_sum(span):
    g = np.random.default_rng(1)
    a = g.normal(size=(span * 33, span * 33))
    prior = MotionPrior(torch.as_tensor(a @ a.T / 100, dtype=torch.float32), span, tuple(range(33)), {})
    p = torch.as_tensor(_pts())
    acc = (p[2:] - 2 * p[1:-1] + p[:-2]).double()
    want = 0.0
    for t in range(len(acc) - span + 1):
        for k in range(3):
            x = torch.cat([acc[t + s, :, k] for s in range(span)])
            want += float(x @ prior.precision.double() @ x)
    assert float(prior.energy(p)) == pytest.approx(want, rel=1e-4)


def test_energy_does_not_depend_on_how_the_camera_is_turned():
    prec, _ = motion_precision([np.diff(_pts(60, s), 2, axis=0) for s in range(3)], span=2)
    prior = MotionPrior(torch.as_tensor(prec), 2, tuple(range(33)), {})
    p = torch.as_tensor(_pts(30, 9))
    R = torch.linalg.qr(torch.as_tensor(np.random.default_rng(4).normal(size=(3, 3)), dtype=torch.float32))[0]
    assert float(prior.energy(p @ R.T + torch.tensor([0.3, -1.0, 4.0]))) == pytest.approx(float(prior.energy(p)),
                                                                                          rel=1e-3)


def test_precision_whitens_its_training_motion():
    acc = [np.diff(_pts(80, s), 2, axis=0).astype(np.float64) for s in range(4)]
    prec, stats = motion_precision(acc, span=1, ridge=1e-6)
    prior = MotionPrior(torch.as_tensor(prec), 1, tuple(range(33)), {})
    e = sum(float(prior.energy(torch.as_tensor(_pts(80, s)))) for s in range(4))
    assert e / (4 * 78 * 3 * 33) == pytest.approx(1.0, rel=0.05)
    assert stats["windows"] == 4 * 78


def test_a_missing_or_foreign_file_says_what_to_do(tmp_path):
    with pytest.raises(FileNotFoundError, match="python -m training.prior.motion"):
        load_motion_prior(str(tmp_path / "none.npz"))
    np.savez(tmp_path / "x.npz", precision=np.eye(3))
    with pytest.raises(ValueError, match="not an hkmr-motion-prior"):
        load_motion_prior(str(tmp_path / "x.npz"))
