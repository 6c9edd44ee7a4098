"""The keypoint encoder: config, shapes, documented parameter counts, the input path, the translation."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from core.inference.keypoint_regressor import KeypointEstimate
from core.model.builder import build_model, count_parameters
from core.model.config import ModelConfig
from core.model.keypoint_input import NUM_CHANNELS, frame_windows, keypoint_features, landmark_box, normalise_to_box

KP = {"backbone": {"name": "keypoints"}, "body": {"enabled": False}}


@pytest.mark.parametrize("over, head_params", [
    ({"head": "hkmr"}, 1_798_981),                                   # full HKMR on Φ 256
    ({"head": "hmr"}, 1_634_461),                                    # HMR/IEF head
    ({"head": "hkmr", "hkmr": {"hierarchy": "parent"}}, 1_635_397),  # parent-only ablation
    ({"head": "hkmr", "hkmr": {"passes": "f"}}, 1_355_981),          # forward-only ablation
])
def test_heads_on_the_keypoint_encoder_have_the_documented_sizes(over, head_params):
    model = build_model({**KP, **over})
    assert count_parameters(model.backbone) == 510_464  # docs/keypoint-model.md
    assert model.backbone.feature_dim == 256
    assert count_parameters(model.head) == head_params


@pytest.mark.parametrize("output, rows", [("centre", 4), ("window", 4 * 9)])
def test_encoder_outputs_one_prediction_per_window_or_per_frame(output, rows):
    model = build_model({**KP, "keypoints": {"output": output}}).eval()
    out = model(torch.randn(4, 9, 33, NUM_CHANNELS))
    assert out.final.rotmats.shape == (rows, 24, 3, 3)
    with pytest.raises(ValueError, match="expected"):
        model(torch.randn(4, 7, 33, NUM_CHANNELS))


def test_centre_output_depends_on_the_window_but_only_within_the_receptive_field():
    torch.manual_seed(0)
    model = build_model({**KP, "keypoints": {"window": 9, "layers": 1, "kernel": 3}}).eval()
    x = torch.randn(2, 9, 33, NUM_CHANNELS)
    y = x.clone()
    y[:, 0] += 1.0   # outside the centre frame's receptive field (centre ± 1 with one 3-wide layer)
    z = x.clone()
    z[:, 5] += 1.0   # inside it
    with torch.no_grad():
        a, b, c = (model.backbone(v) for v in (x, y, z))
    assert torch.equal(a, b)
    assert not torch.allclose(a, c)


def test_config_rejects_bad_keypoint_settings():
    for bad in ({"window": 8}, {"kernel": 2}, {"output": "all"}):
        with pytest.raises((ValueError, TypeError)):
            ModelConfig.from_dict({**KP, "keypoints": bad})
    with pytest.raises(ValueError, match="image backbones"):
        ModelConfig.from_dict({**KP, "channels_last": True})


def test_features_normalise_to_the_landmark_box_and_windows_pad_with_zeros():
    rng = np.random.default_rng(0)
    pts = rng.uniform(100, 300, (5, 33, 2))
    feats, boxes = keypoint_features(pts, np.ones((5, 33)), rng.normal(size=(5, 33, 3)),
                                     np.array([True, True, False, True, True]))
    assert feats.shape == (5, 33, NUM_CHANNELS)
    lo, hi = feats[[0, 1, 3, 4], :, :2].min(), feats[[0, 1, 3, 4], :, :2].max()
    assert -1 < lo and hi < 1 and np.isclose(max(-lo, hi), 1 / 1.2, atol=1e-5)  # 1.2 margin, float32 rounding
    assert not feats[2].any()  # not found → zeros
    np.testing.assert_allclose(normalise_to_box(boxes[:, None, :2].astype(np.float64), boxes.astype(np.float64)),
                               -np.ones((5, 1, 2)), atol=1e-5)
    win = frame_windows(feats, 5)
    assert win.shape == (5, 5, 33, NUM_CHANNELS)
    assert not win[0, :2].any() and np.array_equal(win[0, 2], feats[0]) and np.array_equal(win[4, 2], feats[4])
    np.testing.assert_array_equal(landmark_box(pts)[0], landmark_box(pts[:1])[0])


def test_estimate_translation_reproduces_the_weak_perspective_projection():
    """A point in the body's depth plane projects to the same pixel by perspective (translation) and by the
    weak-perspective camera in box coordinates."""
    box = np.array([[200.0, 100.0, 400.0, 300.0]])
    est = KeypointEstimate(np.zeros((1, 24, 3, 3)), np.zeros((1, 10)), np.array([[0.8, 0.1, -0.05]]), box,
                           np.ones(1, bool), (640, 480))
    f = 900.0
    t = est.translation(f)[0]
    x = np.array([0.3, -0.2])
    weak = (box[0, :2] + box[0, 2:]) / 2 + 0.8 * (x + [0.1, -0.05]) * 100.0
    persp = f * (x + t[:2]) / t[2] + np.array([640, 480]) / 2
    np.testing.assert_allclose(weak, persp, rtol=1e-5)  # float32 translation


def test_dilated_encoder_sees_the_whole_27_frame_window_and_the_plain_one_does_not():
    """Three 3-wide layers: dilated 1, 3, 9 → the centre frame's feature reads frames 0 … 26; undilated → 13 … 19
    only (docs/keypoint-model.md, "The world lifter")."""
    from core.model.config import KeypointEncoderConfig
    from core.model.keypoint_encoder import KeypointEncoder
    x = torch.randn(2, 27, 33, NUM_CHANNELS)
    edge = x.clone()
    edge[:, 0] += 1.0
    for dilated, rf in ((True, 27), (False, 7)):
        cfg = KeypointEncoderConfig(window=27, layers=3, kernel=3, dilated=dilated)
        assert cfg.receptive_field() == rf
        torch.manual_seed(0)
        enc = KeypointEncoder(cfg).eval()
        with torch.no_grad():
            moved = not torch.allclose(enc(x), enc(edge))
        assert moved == dilated
