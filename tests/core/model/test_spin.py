"""SPIN's checkpoint layout loads into the HMR baseline unchanged and computes SPIN's regressor."""
from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from core.model.builder import build_model
from core.model.checkpoint import CheckpointError, load_spin_checkpoint
from core.model.config import BackboneConfig, BodyConfig, ModelConfig
from core.model.mean_params import load_mean_params
from tests.core.model.spin_layout import random_state, spin_hmr_shapes


def _spin_rot6d_to_rotmat(x: torch.Tensor) -> torch.Tensor:
    """SPIN's utils/geometry.rot6d_to_rotmat, written out: columns a1, a2 of a (3, 2) view."""
    x = x.reshape(-1, 3, 2)
    b1 = F.normalize(x[:, :, 0], dim=1)
    b2 = F.normalize(x[:, :, 1] - (b1 * x[:, :, 1]).sum(1, keepdim=True) * b1, dim=1)
    return torch.stack([b1, b2, torch.cross(b1, b2, dim=1)], dim=-1)


@pytest.fixture(scope="module")
def spin_model_and_state():
    model = build_model(ModelConfig(head="hmr", body=BodyConfig(enabled=False)))
    sd = random_state(spin_hmr_shapes(), seed=5)
    sd["init_pose"] = torch.randn(1, 144) * 0.5
    return model, sd


def test_spin_checkpoint_file_loads_with_no_missing_or_unexpected_keys(spin_model_and_state, tmp_path):
    model, sd = spin_model_and_state
    path = tmp_path / "model_checkpoint.pt"
    torch.save({"model": sd, "optimizer": {"state": {}, "param_groups": []}, "epoch": 3}, path)
    load_spin_checkpoint(model, path)
    got = model.state_dict()
    assert sorted(got) == sorted([f"head.{k}" if k.startswith(("fc1", "fc2", "dec", "init_")) else f"backbone.{k}"
                                  for k in sd])
    for k, v in sd.items():
        torch.testing.assert_close(got[f"head.{k}" if f"head.{k}" in got else f"backbone.{k}"], v)


def test_loaded_head_computes_spins_ief(spin_model_and_state):
    model, sd = spin_model_and_state
    load_spin_checkpoint(model, {"model": sd})
    model.eval()
    phi = torch.randn(2, 2048)
    pose, shape, cam = (sd[k].expand(2, -1) for k in ("init_pose", "init_shape", "init_cam"))
    for _ in range(3):  # SPIN's HMR.forward loop, eval mode (dropout off)
        xc = torch.cat([phi, pose, shape, cam], 1) @ sd["fc1.weight"].T + sd["fc1.bias"]
        xc = xc @ sd["fc2.weight"].T + sd["fc2.bias"]
        pose = xc @ sd["decpose.weight"].T + sd["decpose.bias"] + pose
        shape = xc @ sd["decshape.weight"].T + sd["decshape.bias"] + shape
        cam = xc @ sd["deccam.weight"].T + sd["deccam.bias"] + cam
    with torch.no_grad():
        out = model.head(phi)[-1]
    torch.testing.assert_close(out.rotmats, _spin_rot6d_to_rotmat(pose).reshape(2, 24, 3, 3), atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(out.betas, shape, atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(out.cam, cam, atol=1e-5, rtol=1e-4)


def test_spin_missing_and_unexpected_keys_are_listed(spin_model_and_state):
    model, sd = spin_model_and_state
    broken = {k: v for k, v in sd.items() if k != "decshape.bias"} | {"smpl.betas": torch.zeros(10)}
    with pytest.raises(CheckpointError, match=r"missing keys \['head.decshape.bias'\].*backbone.smpl.betas"):
        load_spin_checkpoint(model, broken)
    hkmr = build_model(ModelConfig(backbone=BackboneConfig("resnet18"), body=BodyConfig(enabled=False)))
    with pytest.raises(CheckpointError, match="head='hmr'"):
        load_spin_checkpoint(hkmr, sd)


def test_mean_params_file(tmp_path):
    path = tmp_path / "smpl_mean_params.npz"
    aa = np.zeros(72, np.float32)
    aa[0] = np.pi / 2
    np.savez(path, pose=aa, shape=np.arange(10.0), cam=np.array([0.8, 0.1, 0.0]))
    mean = load_mean_params(path)
    torch.testing.assert_close(_spin_rot6d_to_rotmat(mean.pose[:6])[0],
                               torch.tensor([[1.0, 0, 0], [0, 0, -1], [0, 1, 0]]), atol=1e-6, rtol=0)
    cfg = ModelConfig(head="hmr", backbone=BackboneConfig("resnet18"), mean_params=str(path),
                      body=BodyConfig(enabled=False))
    head = build_model(cfg).head
    torch.testing.assert_close(head.init_shape[0], torch.arange(10.0))
    np.savez(path, pose=aa, cam=np.zeros(3))
    with pytest.raises(ValueError, match=r"lacks \['shape'\]"):
        load_mean_params(path)
    with pytest.raises(FileNotFoundError, match="identity mean"):
        load_mean_params(tmp_path / "missing.npz")


def test_spin_checkpoint_without_body_warns_that_its_betas_are_smpls(spin_model_and_state, tmp_path):
    """SPIN regresses SMPL-neutral betas; run with the open default body (no --body, no SMPL file found)
    the shapes are approximate, and `hkmr infer` says so."""
    from core.inference.loading import load_inference_model

    _, sd = spin_model_and_state
    path = tmp_path / "model_checkpoint.pt"
    torch.save({"model": sd}, path)
    loaded = load_inference_model(path)   # hkmr infer prints loaded.warnings (and HKMR_WARNING lines for Blender)
    assert loaded.kind == "spin" and loaded.model.body.identity.startswith("hkmr-open-body")
    assert any("SMPL's neutral model" in w and "open default body" in w for w in loaded.warnings), loaded.warnings
