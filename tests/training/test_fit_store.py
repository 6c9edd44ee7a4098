"""SPIN's fit store: masked updates, file round trip, refusal of another dataset's store."""
from __future__ import annotations

import numpy as np
import torch

from tests.core.fitting.conftest import camera_facing_poses
from training.fit_store import FitStore


def test_fit_store_updates_only_masked_and_round_trips(tmp_path):
    store = FitStore(5)
    rot = camera_facing_poses(2, seed=3)
    store.update(torch.tensor([1, 3]), rot, torch.ones(2, 10), torch.tensor([True, False]))
    got_rot, got_betas, has = store.get(torch.tensor([1, 3]))
    assert has.tolist() == [True, False]
    torch.testing.assert_close(got_rot[0], rot[0], atol=1e-5, rtol=0)
    store.save(tmp_path / "fits.npz")
    again = FitStore.load(tmp_path / "fits.npz", 5)
    assert np.array_equal(again.pose, store.pose) and again.has_fit.tolist() == store.has_fit.tolist()
    try:
        FitStore.load(tmp_path / "fits.npz", 6)
    except ValueError as exc:
        assert "another dataset" in str(exc)
    else:
        raise AssertionError("a store of the wrong size must be refused")
