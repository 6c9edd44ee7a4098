"""The keypoint model trains: the encoder + each head, a few steps on simulated windows, and the loss falls."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from core.inference.keypoint_regressor import load_keypoint_model, regress_features
from training.data.keypoint_batches import OcclusionSpec, sample_batch
from training.data.keypoint_motion import make_motion_pool
from training.keypoints.train import KeypointExperiment, train_keypoints


@pytest.fixture(scope="module")
def pool(open_body):
    return make_motion_pool(open_body, 16, seed=0)


def test_motion_pool_projects_into_the_image_and_batches_have_the_loss_layout(pool):
    assert pool.landmarks.shape == (16, 32, 33, 3) and pool.joints.shape == (16, 32, 24, 3)
    assert (pool.landmarks[..., 2] > 0.5).all()  # in front of the camera
    b = sample_batch(pool, 8, 9, np.random.default_rng(0), None, OcclusionSpec(prob=1.0))
    assert b.inputs.shape == (8, 9, 33, 6)
    assert b.targets["keypoints_2d"].shape == (8, 24, 3) and b.targets["joints_3d"].shape == (8, 24, 4)
    # every window got an occluder: some landmark of each centre frame is hidden (visibility 0 without noise)
    assert (b.inputs[:, 4, :, 2] == 0).any(1).float().mean() > 0.5
    # 2D joint targets lie in the box frame of the landmarks (±1 spans the box; joints stay inside it)
    assert b.targets["keypoints_2d"][..., :2].abs().max() < 1.0


@pytest.mark.parametrize("head", ["hkmr", "hmr"])
def test_encoder_and_head_train_and_the_loss_falls(open_body, head, tmp_path):
    exp = KeypointExperiment.from_dict({"model": {"head": head, "keypoints": {"hidden": 64}},
                                        "train": {"steps": 60, "batch_size": 16, "pool_clips": 16, "noise": None,
                                                  "warmup_steps": 5, "log_every": 20, "lr": 2e-3}})
    model, losses = train_keypoints(exp, str(tmp_path / "m.pt"), body=open_body, progress=None)
    first, last = losses[20], losses[60]
    assert last < 0.8 * first, losses  # from the mean pose the loss drops fast (≈ 5 → 2 in 100 steps)
    loaded = load_keypoint_model(tmp_path / "m.pt")
    feats = np.random.default_rng(0).normal(size=(12, 33, 6)).astype(np.float32)
    a = regress_features(loaded, feats)
    model.eval()
    with torch.no_grad():
        from core.model.keypoint_input import frame_windows

        b = model.head(model.backbone(torch.from_numpy(frame_windows(feats, 9))))[-1]
    assert a.rotmats.shape == (12, 24, 3, 3)
    torch.testing.assert_close(a.rotmats, b.rotmats)  # same weights, same windows, same order
