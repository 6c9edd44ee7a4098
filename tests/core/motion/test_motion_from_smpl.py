"""The motion file written from SMPL parameters reproduces the body's joints exactly."""
from __future__ import annotations

import numpy as np
import torch

from core.body.model import BodyModel
from core.geometry.rotations import axis_angle_to_matrix
from core.motion import motion_from_smpl, read_motion, write_motion


def test_motion_file_reproduces_forward_kinematics(tmp_path, smpl_arrays):
    body = BodyModel(smpl_arrays, source="test")
    g = torch.Generator().manual_seed(3)
    frames = 6
    rotmats = axis_angle_to_matrix(torch.randn(frames, 24, 3, generator=g) * 0.5)
    betas, trans = torch.randn(10, generator=g), torch.randn(frames, 3, generator=g)
    motion = motion_from_smpl(body, rotmats, betas, trans, fps=25.0, confidence=np.full(frames, 0.9))
    write_motion(tmp_path / "m.npz", motion)
    back = read_motion(tmp_path / "m.npz")
    rot_back = axis_angle_to_matrix(torch.from_numpy(back.poses).float().view(frames, 24, 3))
    betas_back = torch.from_numpy(back.betas).float()[None].expand(frames, -1)
    ref = body(rotmats, betas[None].expand(frames, -1), trans).joints
    got = body(rot_back, betas_back, torch.from_numpy(back.trans).float()).joints
    torch.testing.assert_close(got, ref, atol=1e-5, rtol=0)
    torch.testing.assert_close(torch.from_numpy(back.rest_joints).float(), body.rest_joints(betas[None])[0])
    assert back.body_model == body.identity and back.mesh.vertices.shape == (body.num_vertices, 3)
    np.testing.assert_allclose(back.mesh.weights.sum(1), 1.0, atol=1e-5)
