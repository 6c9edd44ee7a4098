"""The world lifter (core/model/world_lifter.py): file round trip, clear errors, what ``lift_world`` keeps."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from core.detect.landmarks import Landmarks
from core.model.world_lifter import (WorldLifter, WorldLifterConfig, lift_features, lift_world, load_world_lifter,
                                     save_world_lifter)
from core.model.keypoint_input import keypoint_features


def _landmarks(n: int = 12, seed: int = 0) -> Landmarks:
    rng = np.random.default_rng(seed)
    px = (rng.uniform(200, 400, (n, 33, 2))).astype(np.float32)
    world = rng.normal(0, 0.3, (n, 33, 3)).astype(np.float32)
    world -= world[:, 23:25].mean(1, keepdims=True)
    found = np.ones(n, bool)
    found[4] = False
    px[~found], world[~found] = 0, 0
    vis = np.where(found[:, None], np.full((n, 33), 0.9), 0).astype(np.float32)
    return Landmarks(px, vis, vis.copy(), world, np.zeros((n, 4), np.float32), found, (640, 480), np.arange(n), 30.0)


def test_file_round_trip_gives_the_same_output(tmp_path):
    torch.manual_seed(0)
    model = WorldLifter(WorldLifterConfig(hidden=32, window=5)).eval()
    save_world_lifter(tmp_path / "l.pt", model, meta={"note": "test"})
    raw = torch.load(tmp_path / "l.pt", map_location="cpu", weights_only=True)
    assert raw["format"] == "hkmr-world-lifter" and raw["meta"]["note"] == "test"
    again = load_world_lifter(tmp_path / "l.pt")
    feats, _ = keypoint_features(*(getattr(_landmarks(), k) for k in ("points2d", "visibility", "world", "found")))
    np.testing.assert_array_equal(lift_features(model, feats), lift_features(again, feats))


def test_lift_world_is_hip_centred_and_keeps_frames_without_a_person_empty():
    torch.manual_seed(0)
    model = WorldLifter(WorldLifterConfig(hidden=32, window=5)).eval()
    lm = _landmarks()
    out = lift_world(lm, model)
    assert out.world.shape == lm.world.shape and out.world.dtype == np.float32
    assert not out.world[4].any()                                       # no person: zeros stay zeros
    np.testing.assert_allclose(out.world[lm.found][:, 23:25].mean(1), 0, atol=1e-6)
    np.testing.assert_array_equal(out.points2d, lm.points2d)            # only the 3D changes
    np.testing.assert_allclose(lift_world(lm, model, blend=0.0).world, lm.world, atol=1e-6)  # blend 0 = BlazePose's
    # the fit undoes BlazePose's facing bias only on BlazePose's own 3D: the lifter's says it is not that
    assert lm.world_from == "blazepose" and out.world_from == "lifter"
    assert lift_world(lm, model, blend=0.5).world_from == "blazepose"   # a mix keeps half of BlazePose's bias


def test_a_chunked_clip_equals_one_pass():
    torch.manual_seed(1)
    model = WorldLifter(WorldLifterConfig(hidden=32, window=5)).eval()
    lm = _landmarks(40, seed=3)
    feats, _ = keypoint_features(lm.points2d, lm.visibility, lm.world, lm.found)
    np.testing.assert_allclose(lift_features(model, feats, chunk=7), lift_features(model, feats), atol=1e-6)


def test_a_file_that_is_not_a_lifter_is_refused_by_name(tmp_path):
    with pytest.raises(ValueError, match="no world-lifter file"):
        load_world_lifter(tmp_path / "missing.pt")
    torch.save({"format": "hkmr-model"}, tmp_path / "other.pt")
    with pytest.raises(ValueError, match=r"other\.pt: not a hkmr-world-lifter"):
        load_world_lifter(tmp_path / "other.pt")


def test_edge_padding_reads_the_clips_first_and_last_frames_and_ignores_chunking():
    """``pad="edge"``: a window past the clip's start sees copies of frame 0 (as if the clip began earlier, standing
    still), not "no person"; a 27-frame dilated lifter otherwise reads up to 13 empty frames at each end."""
    from core.model.keypoint_input import frame_windows
    torch.manual_seed(0)
    model = WorldLifter(WorldLifterConfig(window=27, layers=3, dilated=True, hidden=16)).eval()
    feats = np.random.default_rng(1).normal(size=(40, 33, 6)).astype(np.float32)
    win = frame_windows(feats, 27, 0, 2, pad="edge")
    assert np.array_equal(win[0, :13], np.repeat(feats[:1], 13, 0)) and np.array_equal(win[0, 13], feats[0])
    assert not frame_windows(feats, 27, 0, 2)[0, :13].any()          # the default still pads with zeros
    edge = lift_features(model, feats, pad="edge")
    longer = lift_features(model, np.concatenate([np.repeat(feats[:1], 13, 0), feats, np.repeat(feats[-1:], 13, 0)]))
    np.testing.assert_allclose(edge, longer[13:-13], atol=1e-5)
    np.testing.assert_allclose(lift_features(model, feats, chunk=7, pad="edge"), edge, atol=1e-5)
    assert not np.allclose(lift_features(model, feats)[0], edge[0], atol=1e-3)
    with pytest.raises(ValueError, match="pad"):
        frame_windows(feats, 27, pad="wrap")
