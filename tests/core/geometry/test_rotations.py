"""Rotation conversions agree with scipy and round-trip to < 1e-5."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.spatial.transform import Rotation

from core.geometry import rotations as rot


@pytest.fixture
def rotvecs() -> torch.Tensor:
    g = torch.Generator().manual_seed(0)
    v = torch.randn(500, 3, generator=g, dtype=torch.float64)
    v = v / v.norm(dim=-1, keepdim=True) * torch.rand(500, 1, generator=g, dtype=torch.float64) * (np.pi - 1e-3)
    return torch.cat([v, torch.zeros(1, 3, dtype=torch.float64)])  # identity included


def test_axis_angle_to_matrix_matches_scipy(rotvecs):
    ours = rot.axis_angle_to_matrix(rotvecs).numpy()
    np.testing.assert_allclose(ours, Rotation.from_rotvec(rotvecs.numpy()).as_matrix(), atol=1e-12)


def test_matrix_to_quaternion_is_wxyz_and_matches_scipy(rotvecs):
    q = rot.matrix_to_quaternion(rot.axis_angle_to_matrix(rotvecs)).numpy()
    ref = Rotation.from_rotvec(rotvecs.numpy()).as_quat()  # xyzw
    ref = np.concatenate([ref[:, 3:], ref[:, :3]], axis=1)
    ref *= np.sign(ref[:, :1] + 1e-300)  # our convention: w >= 0
    np.testing.assert_allclose(q, ref, atol=1e-10)
    assert np.all(q[:, 0] >= 0)


def test_round_trips_below_1e5(rotvecs):
    R = rot.axis_angle_to_matrix(rotvecs).float()
    assert (rot.rot6d_to_matrix(rot.matrix_to_rot6d(R)) - R).abs().max() < 1e-5
    assert (rot.quaternion_to_matrix(rot.matrix_to_quaternion(R)) - R).abs().max() < 1e-5
    back = rot.axis_angle_to_matrix(rot.matrix_to_axis_angle(R))
    assert (back - R).abs().max() < 1e-5


def test_6d_is_spin_layout_first_two_columns():
    R = rot.axis_angle_to_matrix(torch.tensor([[0.3, -0.2, 0.9]]))
    six = rot.matrix_to_rot6d(R)[0]
    expected = torch.stack([R[0, 0, 0], R[0, 0, 1], R[0, 1, 0], R[0, 1, 1], R[0, 2, 0], R[0, 2, 1]])
    torch.testing.assert_close(six, expected)
    # SPIN decodes x.view(-1, 3, 2): columns a1 = x[:, :, 0], a2 = x[:, :, 1]
    torch.testing.assert_close(six.view(3, 2)[:, 0], R[0, :, 0])


def test_6d_decoding_orthonormalises_arbitrary_input():
    x = torch.randn(64, 6)
    R = rot.rot6d_to_matrix(x)
    eye = torch.eye(3).expand(64, 3, 3)
    torch.testing.assert_close(R.transpose(-1, -2) @ R, eye, atol=1e-5, rtol=0)
    torch.testing.assert_close(torch.linalg.det(R), torch.ones(64), atol=1e-5, rtol=0)
    # Gram–Schmidt keeps the first column's direction
    torch.testing.assert_close(R[..., 0], x.view(64, 3, 2)[..., 0] / x.view(64, 3, 2)[..., 0].norm(dim=-1, keepdim=True))


def test_bad_6d_shape_is_reported():
    with pytest.raises(ValueError, match="last dimension of 6"):
        rot.rot6d_to_matrix(torch.zeros(2, 9))
