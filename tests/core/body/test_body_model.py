"""BodyModel over smplx: discovery order, clear errors, FK properties of the forward pass."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from core.body.discovery import ENV_VAR, OPEN_BODY_PATH, find_body_model, user_model_dir
from core.body.model import BodyModel, load_body_model
from core.geometry.rotations import axis_angle_to_matrix
from hkmr_blender.base.smpl_file import SmplFileError
from tests.conftest import make_smpl_arrays


@pytest.fixture
def body(smpl_arrays) -> BodyModel:
    return BodyModel(smpl_arrays, source="test")


def _random_pose(batch: int, scale: float = 0.4, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return axis_angle_to_matrix(torch.randn(batch, 24, 3, generator=g) * scale)


def test_identity_pose_gives_rest_joints(body):
    betas = torch.randn(2, 10) * 0.5
    out = body(torch.eye(3).expand(2, 24, 3, 3), betas)
    torch.testing.assert_close(out.joints, body.rest_joints(betas), atol=1e-6, rtol=0)
    assert out.vertices.shape == (2, body.num_vertices, 3)


def test_transl_moves_everything(body):
    rot, betas = _random_pose(3), torch.zeros(3, 10)
    t = torch.tensor([[1.0, 2.0, 3.0]]).expand(3, 3)
    a, b = body(rot, betas), body(rot, betas, t)
    torch.testing.assert_close(b.joints - a.joints, t[:, None].expand_as(a.joints))


def test_root_rotation_moves_descendants_leaf_rotation_does_not_move_ancestors(body):
    betas = torch.zeros(1, 10)
    base = _random_pose(1)
    ref = body(base, betas).joints
    rot_root = base.clone()
    rot_root[:, 0] = axis_angle_to_matrix(torch.tensor([[0.0, 0.7, 0.0]])) @ base[:, 0]
    moved = (body(rot_root, betas).joints - ref).norm(dim=-1)[0]
    assert torch.all(moved[1:] > 1e-4)  # every joint below the root moved
    torch.testing.assert_close(moved[0], torch.tensor(0.0))  # rotation is about the pelvis joint
    rot_leaf = base.clone()
    knee = body.joint_names.index("left_knee")
    rot_leaf[:, knee] = axis_angle_to_matrix(torch.tensor([[1.0, 0.0, 0.0]]))
    diff = (body(rot_leaf, betas).joints - ref).norm(dim=-1)[0]
    below = {knee, body.joint_names.index("left_ankle"), body.joint_names.index("left_foot")}
    for j in range(24):
        assert (diff[j] > 1e-4) == (j in below - {knee}), body.joint_names[j]


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_joints_only_path_matches_the_skinned_forward(body, smpl_arrays, dtype):
    """body.joints (forward kinematics of the folded rest joints) is what forward().joints gives,
    with pose correctives present (these arrays have non-zero posedirs) and for any betas/transl."""
    assert np.abs(smpl_arrays["posedirs"]).max() > 0
    g = torch.Generator().manual_seed(3)
    rot, betas = _random_pose(5, 0.8, seed=3).to(dtype), torch.randn(5, 10, generator=g).to(dtype)
    transl = torch.randn(5, 3, generator=g).to(dtype)
    body = body.to(dtype)
    torch.testing.assert_close(body.joints(rot, betas, transl), body(rot, betas, transl).joints, atol=1e-5, rtol=0)
    torch.testing.assert_close(body.joints(rot, betas), body(rot, betas).joints, atol=1e-5, rtol=0)
    # gradients reach the pose and the shape through the joints-only path
    rot.requires_grad_(True)
    betas.requires_grad_(True)
    body.joints(rot, betas).square().sum().backward()
    assert rot.grad.abs().sum() > 0 and betas.grad.abs().sum() > 0
    with pytest.raises(ValueError, match="betas must have 10"):
        body.joints(rot.detach(), torch.zeros(5, 11, dtype=dtype))


def test_identity_names_model_and_shape(smpl_arrays):
    a = BodyModel(smpl_arrays)
    b = BodyModel(make_smpl_arrays(seed=1))
    assert a.identity.startswith("smpl:neutral:") and a.identity != b.identity


def test_bad_inputs(body, smpl_arrays):
    with pytest.raises(ValueError, match="betas must have 10"):
        body(_random_pose(1), torch.zeros(1, 11))
    with pytest.raises(ValueError, match=r"rotmats must be \(B, 24, 3, 3\)"):
        body(torch.eye(3).expand(1, 23, 3, 3), torch.zeros(1, 10))
    with pytest.raises(SmplFileError, match="asked for 16 betas but the model has 10"):
        BodyModel(smpl_arrays, num_betas=16)
    with pytest.raises(SmplFileError, match="gender 'robot'"):
        load_body_model(gender="robot")


def test_discovery_order(tmp_path, monkeypatch, smpl_arrays):
    explicit, env, user = (tmp_path / n for n in ("explicit", "env", "user"))
    for folder in (explicit, env):
        folder.mkdir()
        np.savez(folder / "SMPL_NEUTRAL.npz", **smpl_arrays)
    user_dir = user_model_dir()
    user_dir.mkdir(parents=True)
    np.savez(user_dir / "SMPL_NEUTRAL.npz", **smpl_arrays)
    assert find_body_model(explicit) == explicit / "SMPL_NEUTRAL.npz"
    monkeypatch.setenv(ENV_VAR, str(env))
    assert find_body_model() == env / "SMPL_NEUTRAL.npz"
    monkeypatch.delenv(ENV_VAR)
    assert find_body_model() == user_dir / "SMPL_NEUTRAL.npz"
    (user_dir / "SMPL_NEUTRAL.npz").unlink()
    assert find_body_model() == OPEN_BODY_PATH


def test_named_paths_never_fall_back(tmp_path, monkeypatch):
    with pytest.raises(SmplFileError, match="not found.*smpl.is.tue.mpg.de"):
        find_body_model(tmp_path / "nope.pkl")
    with pytest.raises(SmplFileError, match="no female SMPL model in this folder"):
        find_body_model(tmp_path, gender="female")
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "missing"))
    with pytest.raises(SmplFileError, match=r"\$HKMR_SMPL_PATH"):
        find_body_model()


def test_official_file_names_in_folder(tmp_path, smpl_arrays):
    np.savez(tmp_path / "basicModel_f_lbs_10_207_0_v1.0.0.npz", **smpl_arrays)
    assert find_body_model(tmp_path, "female").name.startswith("basicModel_f")
