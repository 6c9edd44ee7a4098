"""rig_math (numpy) against scipy and smplx: rotations, continuity, SLERP, rest conjugation, FK, up axis."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.transform import Rotation, Slerp

from hkmr_blender.rig import transforms as rm
from hkmr_blender.base import Motion
from hkmr_blender.base.skeleton import SMPL_PARENTS
from tests.blender.conftest import has_torch, make_motion, smplx_joints
from tests.blender.reference_fk import forward_kinematics


@pytest.fixture
def rng():
    return np.random.default_rng(7)


def _wxyz(r: Rotation) -> np.ndarray:
    q = r.as_quat()[..., [3, 0, 1, 2]]
    return np.where(q[..., :1] < 0, -q, q)


def test_rodrigues_matches_scipy_including_tiny_and_pi_angles(rng):
    aa = np.concatenate([rng.normal(0, 1.5, (500, 3)), rng.normal(0, 1e-9, (5, 3)), np.zeros((1, 3)),
                         np.array([[np.pi, 0, 0], [0, -np.pi + 1e-7, 0]])])
    np.testing.assert_allclose(rm.axis_angle_to_matrix(aa), Rotation.from_rotvec(aa).as_matrix(), atol=1e-12)


def test_matrix_to_quaternion_and_axis_angle_match_scipy(rng):
    r = Rotation.random(1000, random_state=3)
    m = np.concatenate([r.as_matrix(), np.eye(3)[None], Rotation.from_rotvec([[np.pi, 0, 0]]).as_matrix()])
    ref = Rotation.from_matrix(m)
    np.testing.assert_allclose(rm.matrix_to_quaternion(m), _wxyz(ref), atol=1e-12)
    np.testing.assert_allclose(rm.quaternion_to_matrix(rm.matrix_to_quaternion(m)), m, atol=1e-12)
    aa = rm.matrix_to_axis_angle(m)
    np.testing.assert_allclose(rm.axis_angle_to_matrix(aa), m, atol=1e-12)
    assert np.all(np.linalg.norm(aa, axis=-1) <= np.pi + 1e-12)


def test_quaternion_continuity_gives_positive_dots_same_rotations(rng):
    q = _wxyz(Rotation.from_rotvec(np.cumsum(rng.normal(0, 0.3, (200, 4, 3)), axis=0).reshape(-1, 3))).reshape(200, 4, 4)
    q *= rng.choice([-1.0, 1.0], (200, 4, 1))
    c = rm.quaternion_continuity(q)
    assert np.all(np.sum(c[1:] * c[:-1], -1) >= 0)
    np.testing.assert_allclose(np.abs(np.sum(c * q, -1)), 1.0, atol=1e-12)  # same rotation, ±q


def test_slerp_resample_matches_scipy(rng):
    times = np.cumsum(rng.uniform(0.02, 0.05, 30))
    rots = Rotation.from_rotvec(rng.normal(0, 1.0, (30, 3)))
    new_t = np.linspace(times[0], times[-1], 77)
    trans = rng.normal(size=(30, 3))
    q, t, *_ = rm.resample(times, _wxyz(rots)[:, None], trans, new_t)
    ref = Slerp(times, rots)(new_t)
    np.testing.assert_allclose(rm.quaternion_to_matrix(q[:, 0]), ref.as_matrix(), atol=1e-10)
    np.testing.assert_allclose(t, np.stack([np.interp(new_t, times, trans[:, i]) for i in range(3)], 1), atol=1e-12)


def test_fill_invalid_slerps_across_bad_frames_and_holds_edges(rng):
    times = np.arange(10) / 10
    rots = Rotation.from_rotvec(rng.normal(0, 1.0, (10, 3)))
    bad = np.zeros(10, bool)
    bad[[0, 4, 5, 9]] = True
    q, t = rm.fill_invalid(times, _wxyz(rots)[:, None], np.arange(30.0).reshape(10, 3), bad)
    ref = Slerp(times[~bad], rots[~bad])(times[4:6])
    np.testing.assert_allclose(rm.quaternion_to_matrix(q[4:6, 0]), ref.as_matrix(), atol=1e-10)
    np.testing.assert_allclose(q[0], q[1])          # held before the first good frame
    np.testing.assert_allclose(t[9], t[8])
    with pytest.raises(ValueError, match="every frame"):
        rm.fill_invalid(times, q, t, np.ones(10, bool))


def test_rest_conjugation_gives_same_world_delta_for_any_rest(rng):
    r = Rotation.random(50, random_state=1).as_matrix()
    b = Rotation.random(50, random_state=2).as_matrix()
    rb = rm.rest_conjugate(r, b)
    # Blender: the bone's world delta is B·R_bone·B⁻¹; it must equal C·R·C⁻¹ whatever B is
    np.testing.assert_allclose(b @ rb @ np.swapaxes(b, -1, -2), rm.C_Y_TO_Z @ r @ rm.C_Y_TO_Z.T, atol=1e-12)
    # only B = C reduces to "use R directly"
    np.testing.assert_allclose(rm.rest_conjugate(r, np.broadcast_to(rm.C_Y_TO_Z, b.shape)), r, atol=1e-12)


def test_c_y_to_z_is_plus_90_about_x():
    np.testing.assert_allclose(rm.C_Y_TO_Z, Rotation.from_euler("x", 90, degrees=True).as_matrix(), atol=1e-15)
    np.testing.assert_allclose(rm.C_Y_TO_Z @ [0, 1, 0], [0, 0, 1], atol=1e-15)  # SMPL up → Blender up


@pytest.mark.skipif(not has_torch(), reason="smplx.lbs needs torch (the version-matrix venvs have none)")
def test_forward_kinematics_matches_smplx_lbs(rng):
    motion, arrays = make_motion(rng)
    joints, _ = forward_kinematics(motion.poses, motion.trans, motion.rest_joints)
    # smplx.batch_rodrigues adds 1e-8 to every rotation vector, hence ~1e-8 m, not 1e-12
    np.testing.assert_allclose(joints, smplx_joints(motion, arrays), atol=1e-7)


def test_convert_up_axis_rotates_the_world_exactly_and_round_trips(rng):
    motion, _ = make_motion(rng)
    z = rm.convert_up_axis(motion, "z")
    assert z.up_axis == "z"
    jy, _ = forward_kinematics(motion.poses, motion.trans, motion.rest_joints)
    jz, _ = forward_kinematics(z.poses, z.trans, z.rest_joints)
    np.testing.assert_allclose(jz, jy @ rm.C_Y_TO_Z.T, atol=1e-10)
    back = rm.convert_up_axis(z, "y")
    np.testing.assert_allclose(rm.axis_angle_to_matrix(back.poses.reshape(-1, 3)),
                               rm.axis_angle_to_matrix(motion.poses.reshape(-1, 3)), atol=1e-10)
    np.testing.assert_allclose(back.trans, motion.trans, atol=1e-12)
    with pytest.raises(ValueError, match="rest_joints"):
        rm.convert_up_axis(Motion(poses=motion.poses, trans=motion.trans, betas=motion.betas, fps=30.0), "z")


def test_convert_up_axis_feeds_write_amass(rng, tmp_path):
    from hkmr_blender.base.amass import write_amass
    from hkmr_blender.base import read_motion
    motion, _ = make_motion(rng)
    write_amass(tmp_path / "a.npz", rm.convert_up_axis(motion, "z"))
    back = read_motion(tmp_path / "a.npz")
    assert back.up_axis == "z"
    np.testing.assert_allclose(back.trans, rm.convert_up_axis(motion, "z").trans)


def test_smoothing_removes_noise_and_keeps_unit_quaternions(rng):
    clean = Rotation.from_rotvec(np.linspace(0, 1, 100)[:, None] * [0, 0, 1.0])
    noisy = clean * Rotation.from_rotvec(rng.normal(0, 0.05, (100, 3)))
    q = rm.smooth_quaternions(_wxyz(noisy) * rng.choice([-1.0, 1.0], (100, 1)), sigma=3.0)
    np.testing.assert_allclose(np.linalg.norm(q, axis=-1), 1.0, atol=1e-12)
    err = lambda r: (r * clean.inv()).magnitude()[10:-10].mean()  # noqa: E731
    assert err(Rotation.from_quat(q[:, [1, 2, 3, 0]])) < 0.5 * err(noisy)


def test_local_from_pose_inverts_forward_kinematics(rng):
    motion, _ = make_motion(rng)
    _, glob = forward_kinematics(motion.poses, motion.trans, motion.rest_joints)
    b = Rotation.random(24, random_state=5).as_matrix()
    local = rm.local_from_pose(glob @ b, b, SMPL_PARENTS)   # posed bone matrices P = G·B
    np.testing.assert_allclose(local, rm.axis_angle_to_matrix(motion.poses.reshape(-1, 24, 3)), atol=1e-10)
