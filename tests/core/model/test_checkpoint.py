"""Checkpoint format hkmr-model v1: round trip, atomic write, and the clear errors."""
from __future__ import annotations

import copy
import os

import pytest
import torch

from core.model.checkpoint import CheckpointError, load_checkpoint, read_checkpoint, save_checkpoint
from core.model.mesh_regressor import predict


def _saved(small_model, tmp_path):
    path = tmp_path / "model.pt"
    save_checkpoint(path, small_model, meta={"epoch": 4, "pa_mpjpe_mm": 61.5})
    return path


def test_round_trip(small_model, small_cfg, body, tmp_path):
    path = _saved(small_model, tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["model.pt"]  # no temp file left behind
    raw = torch.load(path, weights_only=True)
    assert raw["format"] == "hkmr-model" and raw["version"] == 1 and raw["body_model"] == body.identity
    assert set(raw) == {"format", "version", "config", "state_dict", "body_model", "meta"}
    model, ckpt = load_checkpoint(path, expected_config=small_cfg, body=body)
    assert ckpt.meta["epoch"] == 4 and ckpt.config == small_cfg
    x = torch.randn(2, 3, 64, 64)
    torch.testing.assert_close(predict(model, x).vertices, predict(small_model, x).vertices)


def test_init_files_named_in_config_are_not_needed_to_load(small_cfg, body, tmp_path):
    import numpy as np

    from core.model.builder import build_model
    from tests.core.model.spin_layout import random_state, resnet_trunk_shapes

    torch.save(random_state(resnet_trunk_shapes("resnet18")), tmp_path / "rn18.pth")
    np.savez(tmp_path / "mean.npz", pose=np.zeros(72), shape=np.ones(10), cam=np.array([1.0, 0, 0]))
    small_cfg.backbone.weights, small_cfg.mean_params = str(tmp_path / "rn18.pth"), str(tmp_path / "mean.npz")
    save_checkpoint(tmp_path / "m.pt", build_model(small_cfg, body=body))
    (tmp_path / "rn18.pth").unlink()
    (tmp_path / "mean.npz").unlink()
    model, ckpt = load_checkpoint(tmp_path / "m.pt", expected_config=small_cfg, body=body)
    assert ckpt.config.backbone.weights.endswith("rn18.pth")
    torch.testing.assert_close(model.head.init_shape, torch.ones(1, 10))


def test_truncated_file(small_model, tmp_path):
    path = _saved(small_model, tmp_path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match=r"model\.pt: cannot read checkpoint — the file is truncated"):
        read_checkpoint(path)


def test_config_mismatch_lists_fields(small_model, small_cfg, body, tmp_path):
    path = _saved(small_model, tmp_path)
    other = copy.deepcopy(small_cfg)
    other.hkmr.hierarchy, other.hkmr.outer_iters, other.channels_last = "parent", 2, True
    with pytest.raises(CheckpointError, match=r"config mismatch.*hkmr.hierarchy: 'parent' != 'ancestors'.*"
                                              r"hkmr.outer_iters: 2 != 3") as info:
        load_checkpoint(path, expected_config=other, body=body)
    assert "channels_last" not in str(info.value)  # runtime-only fields do not count


def test_missing_and_unexpected_keys_are_listed(small_model, body, tmp_path):
    path = _saved(small_model, tmp_path)
    raw = torch.load(path, weights_only=True)
    del raw["state_dict"]["head.fwd.3.l1.weight"]
    raw["state_dict"]["head.extra.bias"] = torch.zeros(3)
    torch.save(raw, path)
    with pytest.raises(CheckpointError, match=r"missing keys \['head.fwd.3.l1.weight'\], "
                                              r"unexpected keys \['head.extra.bias'\]"):
        load_checkpoint(path, body=body)


def test_meta_must_stay_weights_only_loadable(small_model, tmp_path):
    import numpy as np

    with pytest.raises(TypeError, match=r"meta.best: float32 is not loadable"):
        save_checkpoint(tmp_path / "m.pt", small_model, meta={"best": np.float32(1.0)})
    assert list(tmp_path.iterdir()) == []


def test_not_a_checkpoint_and_missing_file(tmp_path):
    torch.save({"model": {"conv1.weight": torch.zeros(1)}}, tmp_path / "spin.pt")
    with pytest.raises(CheckpointError, match="not an hkmr-model checkpoint.*load_spin_checkpoint"):
        read_checkpoint(tmp_path / "spin.pt")
    with pytest.raises(FileNotFoundError, match="nope.pt"):
        read_checkpoint(tmp_path / "nope.pt")
    assert not os.path.exists(tmp_path / "nope.pt")
