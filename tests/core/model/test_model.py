"""The full model: SMPL forward through the body model, projections, training signal, inference."""
from __future__ import annotations

import copy

import pytest
import torch

from core.body.skeleton import descendants
from core.geometry.projection import weak_perspective_project
from core.geometry.rotations import axis_angle_to_matrix
from core.model.builder import build_model
from core.model.config import HKMRHeadConfig
from core.model.head_base import RegressorOutput
from core.model.mesh_regressor import ModelOutput, predict


def _images(n: int = 2, res: int = 64, seed: int = 0) -> torch.Tensor:
    return torch.randn(n, 3, res, res, generator=torch.Generator().manual_seed(seed))


def test_outputs_and_projection(small_model, body):
    out = predict(small_model, _images())
    assert out.vertices.shape == (2, body.num_vertices, 3) and out.joints.shape == (2, 24, 3)
    torch.testing.assert_close(out.joints2d, out.final.cam[:, None, :1] * (out.joints[..., :2] + out.final.cam[:, None, 1:]))
    assert len(out.iterations) == 3 and out.features.shape == (2, 512)


def test_mean_pose_is_upright_and_faces_the_camera(small_model):
    with torch.no_grad():
        for p in small_model.head.parameters():
            p.zero_()  # every residual is zero → the mean parameters
    out = predict(small_model, _images())
    torch.testing.assert_close(out.final.rotmats[:, 0], torch.diag(torch.tensor([1.0, -1.0, -1.0])).expand(2, 3, 3))
    torch.testing.assert_close(out.final.rotmats[:, 1:], torch.eye(3).expand(2, 23, 3, 3))
    torch.testing.assert_close(out.final.cam, torch.tensor([[0.9, 0.0, 0.0]]).expand(2, 3))
    head_y, pelvis_y = out.joints[:, 15, 1], out.joints[:, 0, 1]
    assert (head_y < pelvis_y - 0.3).all()  # camera frame: y down, so the head is above
    assert (out.joints2d[:, 15, 1] < out.joints2d[:, 10:12, 1].min(dim=1).values).all()  # head above feet


def test_root_moves_every_descendant_leaf_moves_no_ancestor(small_model, body):
    out = predict(small_model, _images())
    fin = out.final

    def joints_with(joint: int, rot: torch.Tensor) -> torch.Tensor:
        rotmats = fin.rotmats.clone()
        rotmats[:, joint] = rot @ rotmats[:, joint]
        changed = ModelOutput([RegressorOutput(rotmats, fin.rot6d, fin.betas, fin.cam)], out.features)
        return small_model.body_forward(changed).joints

    turn = axis_angle_to_matrix(torch.tensor([0.3, -0.2, 0.4]))
    moved = (joints_with(0, turn) - out.joints).norm(dim=-1) > 1e-4
    assert moved[:, descendants(body.parents, 0)].all() and not moved[:, 0].any()
    l_wrist = 20
    moved = (joints_with(l_wrist, turn) - out.joints).norm(dim=-1) > 1e-6
    assert moved.nonzero()[:, 1].unique().tolist() == descendants(body.parents, l_wrist)  # left hand only


@pytest.mark.parametrize("head", ["hkmr", "hmr"])
def test_one_step_lowers_3d_joint_loss(small_cfg, body, head):
    small_cfg.head = head
    torch.manual_seed(0)
    model = build_model(small_cfg, body=body).eval()  # eval: BN running stats, no dropout → deterministic
    images = _images(2, seed=1)
    target = body(axis_angle_to_matrix(torch.randn(2, 24, 3) * 0.3), torch.zeros(2, 10)).joints

    def loss() -> torch.Tensor:
        return (model(images).joints - target).square().sum(-1).mean()

    opt = torch.optim.Adam(model.parameters(), lr=5e-5)  # SPIN's learning rate
    before = loss()
    before.backward()
    opt.step()
    with torch.no_grad():
        after = loss()
    assert after < before * 0.999, (before.item(), after.item())


@pytest.mark.parametrize("cfg", [HKMRHeadConfig(hierarchy="parent"), HKMRHeadConfig(passes="f")],
                         ids=["parent-only", "forward-only"])
def test_ablation_models_build_and_run(small_cfg, body, cfg):
    small_cfg.hkmr = cfg
    out = predict(build_model(small_cfg, body=body), _images(1))
    assert out.joints.shape == (1, 24, 3) and torch.isfinite(out.vertices).all()


def test_predict_bf16_channels_last_and_train_mode_restored(small_cfg, body, small_model):
    ref = predict(small_model, _images())
    cl_cfg = copy.deepcopy(small_cfg)
    cl_cfg.channels_last = True
    cl = build_model(cl_cfg, body=body)
    cl.load_state_dict(small_model.state_dict())
    cl.train()
    out = predict(cl, _images())
    assert cl.training  # restored
    torch.testing.assert_close(out.joints, ref.joints, atol=1e-4, rtol=1e-4)
    amp = predict(small_model, _images(), amp=True)  # bf16 autocast on CPU
    assert amp.final.rotmats.dtype == torch.float32 and amp.joints.dtype == torch.float32
    assert (amp.joints - ref.joints).abs().max() < 0.05
    assert predict(small_model, _images(), run_body=False).joints is None


def test_body_is_not_saved_and_beta_count_checked(small_model, small_cfg, body):
    assert not [k for k in small_model.state_dict() if k.startswith("body.")]
    small_cfg.num_betas = 8
    with pytest.raises(ValueError, match="10 betas but the config asks for 8"):
        build_model(small_cfg, body=body)
