"""The shipped demo checkpoint (core/model/assets/hkmr_demo.pt, docs/experiments.md): a safe,
model-only hkmr-model file of the demo recipe's last stage (demo_front.json, fine-tuned from
demo.json's model), ≤ 25 MB, that the inference loader loads and that
predicts valid rotations for a rendered synthetic image. Not a score test (scores: docs)."""
from __future__ import annotations

import os
from pathlib import Path

import torch

from core.inference.loading import DEFAULT_CHECKPOINT, load_inference_model
from core.model.config import ModelConfig, config_diff
from core.model.mesh_regressor import predict
from training.config import load_config
from training.data import build_dataset
from training.data.synthetic import SynthConfig, generate

DEMO_CONFIG = Path(__file__).resolve().parents[2] / "training" / "configs" / "demo_front.json"
MAX_BYTES = 25_000_000


def test_file_is_small_safe_model_only_and_matches_the_demo_config():
    assert DEFAULT_CHECKPOINT.is_file(), f"{DEFAULT_CHECKPOINT} missing (see docs/experiments.md to rebuild it)"
    assert os.path.getsize(DEFAULT_CHECKPOINT) <= MAX_BYTES
    raw = torch.load(DEFAULT_CHECKPOINT, map_location="cpu", weights_only=True)  # no pickled objects
    assert raw["format"] == "hkmr-model" and "training" not in raw["meta"]
    assert all(v.dtype == torch.float32 for v in raw["state_dict"].values() if v.is_floating_point())
    demo = load_config(DEMO_CONFIG)
    # the stored config read through today's schema (fields added since, e.g. ``keypoints``, take their defaults)
    assert config_diff(demo.model.to_dict(), ModelConfig.from_dict(raw["config"]).to_dict()) == []
    assert raw["config"]["backbone"]["width"] == 32 and raw["config"]["head"] == "hkmr"
    # trained by the demo config's recipe (runtime-only train fields such as threads may differ)
    exp, want = raw["meta"]["experiment"], demo.to_dict()
    exp = {**exp, "model": ModelConfig.from_dict(exp["model"]).to_dict()}  # today's schema, as above
    for section in ("model", "data", "loss", "prior", "optim"):
        assert config_diff(want[section], exp[section]) == [], section
    for key in ("steps", "batch_size", "seed", "init_from"):
        assert exp["train"][key] == want["train"][key], key
    assert raw["meta"]["step"] == demo.train.steps  # a finished run, not an intermediate checkpoint


def test_loader_predicts_finite_valid_rotations_on_a_rendered_image(tmp_path):
    loaded = load_inference_model(None)  # the default: DEFAULT_CHECKPOINT, read with weights_only=True
    assert loaded.kind == "hkmr" and not loaded.model.training
    res = loaded.model.config.img_res
    npz = generate(tmp_path, 2, seed=123, cfg=SynthConfig(res=2 * res, batch=2))
    ds = build_dataset({"datasets": [{"name": "synthetic", "npz": str(npz)}], "img_res": res}, train=False)
    imgs = torch.stack([ds[i]["img"] for i in range(len(ds))])
    out = predict(loaded.model, imgs)
    rot = out.final.rotmats
    assert rot.shape == (2, 24, 3, 3) and torch.isfinite(rot).all()
    eye = torch.eye(3).expand_as(rot)
    torch.testing.assert_close(rot @ rot.transpose(-1, -2), eye, atol=1e-4, rtol=0)
    torch.testing.assert_close(torch.linalg.det(rot), torch.ones(2, 24), atol=1e-4, rtol=0)
    assert torch.isfinite(out.vertices).all() and torch.isfinite(out.final.betas).all()
    assert (out.final.cam[:, 0] > 0).all()  # weak-perspective scale: the body is in front of the camera
    assert not torch.allclose(rot[0], rot[1], atol=1e-3)  # the image drives the output
