"""landmark_points: BlazePose's 33 landmarks on a posed body equal the full forward's joints/keypoints."""
from __future__ import annotations

import numpy as np
import torch

from core.body.landmark_points import landmark_points, landmark_weights
from core.body.model import BodyModel
from core.detect.landmarks import LANDMARK_TO_BODY
from core.geometry.rotations import axis_angle_to_matrix
from tests.conftest import make_smpl_arrays


def _reference(body: BodyModel, rotmats, betas, transl) -> torch.Tensor:
    out = body(rotmats, betas, transl)
    names = list(body.surface_names)
    cols = []
    for m in LANDMARK_TO_BODY:
        if m is None:
            cols.append(out.joints[:, 0])
        elif m[0] == "joint":
            cols.append(out.joints[:, body.joint_names.index(m[1])])
        else:
            cols.append(out.keypoints[:, names.index(m[1])])
    return torch.stack(cols, 1)


def _random_pose(n: int, seed: int):
    g = torch.Generator().manual_seed(seed)
    return (axis_angle_to_matrix(torch.randn(n, 24, 3, generator=g) * 0.4), torch.randn(n, 10, generator=g),
            torch.randn(n, 3, generator=g))


def test_open_body_landmarks_match_forward(open_body):
    rotmats, betas, transl = _random_pose(5, 0)
    got = landmark_points(open_body, rotmats, betas, transl)
    # float32 skinning in two summation orders: ~1e-6 m apart; 1e-5 m is 100× below a visible error
    torch.testing.assert_close(got, _reference(open_body, rotmats, betas, transl), rtol=0, atol=1e-5)
    assert landmark_weights(open_body).tolist() == [0.0 if m is None else 1.0 for m in LANDMARK_TO_BODY]


def test_pose_correctives_are_applied_on_smpl_topology():
    arrays = make_smpl_arrays(num_verts=6890, seed=1)        # SMPL's vertex count: smplx's surface ids apply
    arrays["posedirs"] = arrays["posedirs"] * 50             # large correctives so a missing term would show
    body = BodyModel(arrays)
    rotmats, betas, transl = _random_pose(3, 1)
    got = landmark_points(body, rotmats, betas, transl)
    torch.testing.assert_close(got, _reference(body, rotmats, betas, transl), rtol=0, atol=1e-5)
    no_corr = BodyModel(dict(arrays, posedirs=np.zeros_like(arrays["posedirs"])))
    assert (landmark_points(no_corr, rotmats, betas, transl) - got).abs().max() > 1e-3


def test_unknown_topology_falls_back_to_joints_with_zero_weight(smpl_arrays):
    body = BodyModel(smpl_arrays)                            # 300 vertices: no surface keypoints
    rotmats, betas, transl = _random_pose(2, 2)
    got = landmark_points(body, rotmats, betas, transl)
    joints = body.joints(rotmats, betas, transl)
    nose = LANDMARK_TO_BODY.index(("surface", "nose"))
    torch.testing.assert_close(got[:, nose], joints[:, body.joint_names.index("head")])
    w = landmark_weights(body)
    assert w[nose] == 0 and w[LANDMARK_TO_BODY.index(("joint", "left_knee"))] == 1
