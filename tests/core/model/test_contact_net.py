"""The foot-contact classifier (core/model/contact_net.py): its window features, file round trip, clear errors and
what ``contact_probabilities`` reads at other frame rates."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from core.detect.landmarks import Landmarks
from core.model.contact_net import (ContactNet, ContactNetConfig, clip_windows, contact_probabilities,
                                    load_contact_net, save_contact_net, window_features)


def _landmarks(n: int = 40, fps: float = 30.0, seed: int = 0, missing: tuple[int, ...] = (7,)) -> Landmarks:
    """A person walking right at 8 px/frame whose left heel (landmark 29) stays on one pixel."""
    rng = np.random.default_rng(seed)
    px = rng.uniform(-60, 60, (1, 33, 2)) + np.array([200.0, 300.0]) + np.arange(n)[:, None, None] * [8.0, 0.0]
    px[:, 29] = [260.0, 420.0]
    world = np.repeat(rng.normal(0, 0.3, (1, 33, 3)), n, 0)
    found = np.ones(n, bool)
    found[list(missing)] = False
    px, world = np.where(found[:, None, None], px, 0), np.where(found[:, None, None], world, 0)
    vis = np.where(found[:, None], np.full((n, 33), 0.9), 0.0)
    return Landmarks(px.astype(np.float32), vis.astype(np.float32), vis.astype(np.float32), world.astype(np.float32),
                     np.zeros((n, 4), np.float32), found, (640, 480), np.arange(n), fps)


def test_window_features_keep_a_still_foot_still_while_the_body_moves():
    lm = _landmarks()
    idx, inside = clip_windows(lm.num_frames, 5, 1, 10, 12)
    feat = window_features(lm.points2d[idx], lm.visibility[idx], lm.world[idx], lm.found[idx] & inside)
    assert feat.shape == (2, 5, 33, 6)
    heel, nose = feat[0, :, 29, :2], feat[0, :, 0, :2]
    assert np.ptp(heel, axis=0).max() < 1e-5                      # the centre frame's box for every frame
    assert np.ptp(nose[:, 0]) > 0.1                                # the walking body moves across the window
    # a window reaching past the clip or over a frame without a person has zeros there, and its centre frame's
    # own features are the per-frame 2D, visibility and world values
    idx, inside = clip_windows(lm.num_frames, 5, 2, 0, 8)
    assert idx.shape == (8, 5) and not inside[0, :2].any() and inside[0, 2:].all() and idx[3, 4] == 7
    feat = window_features(lm.points2d[idx], lm.visibility[idx], lm.world[idx], lm.found[idx] & inside)
    assert not feat[0, :2].any() and feat[0, 2:].any() and not feat[3, 4].any() and not feat[7].any()
    np.testing.assert_allclose(feat[2, 2, :, 3:], lm.world[2], atol=1e-6)


def test_file_round_trip_and_probabilities_on_a_clip(tmp_path):
    torch.manual_seed(0)
    model = ContactNet(ContactNetConfig(window=5, hidden=16, layers=2)).eval()
    save_contact_net(tmp_path / "c.pt", model, meta={"note": "test"})
    raw = torch.load(tmp_path / "c.pt", map_location="cpu", weights_only=True)
    assert raw["format"] == "hkmr-contact-net" and raw["meta"]["note"] == "test"
    again = load_contact_net(tmp_path / "c.pt")
    lm = _landmarks()
    p = contact_probabilities(lm, model, chunk=16)
    np.testing.assert_array_equal(p, contact_probabilities(lm, again))
    assert p.shape == (lm.num_frames, 4) and p.dtype == np.float32
    assert ((p >= 0) & (p <= 1)).all() and not p[7].any() and p[8].all()
    # chunks change nothing; a 60 fps clip is read every second frame: its frame 2k sees what 30 fps frame k sees
    np.testing.assert_allclose(p, contact_probabilities(lm, model, chunk=7), atol=1e-6)
    lm60 = _landmarks(80, fps=60.0, missing=())
    half = lm60.select(np.arange(0, 80, 2))
    lm30 = Landmarks(*(getattr(half, k) for k in ("points2d", "visibility", "presence", "world", "boxes", "found",
                                                  "image_size", "frame_index")), 30.0)
    np.testing.assert_allclose(contact_probabilities(lm60, model)[::2], contact_probabilities(lm30, model), atol=1e-5)


def test_a_missing_or_foreign_file_is_refused_by_name(tmp_path):
    with pytest.raises(ValueError, match="nothere.pt.*python -m training.contacts"):
        load_contact_net(tmp_path / "nothere.pt")
    torch.save({"format": "hkmr-world-lifter", "version": 1}, tmp_path / "w.pt")
    with pytest.raises(ValueError, match="w.pt: not a hkmr-contact-net"):
        load_contact_net(tmp_path / "w.pt")
