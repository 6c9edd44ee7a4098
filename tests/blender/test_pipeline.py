"""Key planning (numpy, no bpy): timing, resampling, bad frames; bone-name matching."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from hkmr_blender.rig import transforms as rm
from hkmr_blender.rig.bones import BoneMatchError, canonical_key, match_smpl_bones
from hkmr_blender.importing.plan import KeyOptions, plan_keys, sample_times
from hkmr_blender.base.skeleton import SMPL_JOINT_NAMES
from tests.blender.conftest import make_motion

REST = Rotation.random(24, random_state=11).as_matrix()


@pytest.fixture
def motion():
    return make_motion(np.random.default_rng(3), frames=10)[0]


def _expected_quats(motion, frames):
    r = rm.axis_angle_to_matrix(motion.poses[frames].reshape(-1, 24, 3))
    return rm.matrix_to_quaternion(rm.rest_conjugate(r, REST))


def _same_rotation(q1, q2):
    np.testing.assert_allclose(np.abs(np.sum(q1 * q2, -1)), 1.0, atol=1e-9)


def test_no_resampling_keys_every_sample_at_its_frame(motion):
    plan = plan_keys(motion, REST, KeyOptions(fps=30.0, resample=False, start_frame=5))
    np.testing.assert_allclose(plan.frames, 5 + np.arange(10))
    _same_rotation(plan.quats, _expected_quats(motion, np.arange(10)))
    np.testing.assert_allclose(plan.root_loc, rm.root_location(motion.trans, REST[0]))
    assert np.all(np.sum(plan.quats[1:] * plan.quats[:-1], -1) >= 0)   # sign-continuous


def test_resampling_to_double_rate_hits_source_frames_exactly(motion):
    plan = plan_keys(motion, REST, KeyOptions(fps=60.0, resample=True, start_frame=1))
    np.testing.assert_allclose(plan.frames, 1 + np.arange(19))
    _same_rotation(plan.quats[::2], _expected_quats(motion, np.arange(10)))
    np.testing.assert_allclose(plan.root_loc[1], rm.root_location(motion.trans[:2].mean(0, keepdims=True), REST[0])[0])


def test_frame_index_stride_and_gaps_set_the_timing(motion):
    idx = np.array([0, 2, 4, 6, 8, 14, 16, 18, 20, 22])  # stride 2, three samples lost after 8
    times = sample_times(replace(motion, frame_index=idx))
    np.testing.assert_allclose(times * 30, [0, 1, 2, 3, 4, 7, 8, 9, 10, 11])


def test_bad_frames_interpolate_or_skip(motion):
    valid = np.ones(10, bool)
    valid[4] = False
    conf = np.full(10, 0.9, np.float32)
    conf[6] = 0.1
    m = replace(motion, valid=valid, confidence=conf)
    interp = plan_keys(m, REST, KeyOptions(fps=30.0, resample=False, min_confidence=0.5))
    assert len(interp.frames) == 10
    mid = rm.slerp(rm.matrix_to_quaternion(rm.axis_angle_to_matrix(m.poses[3].reshape(24, 3))),
                   rm.matrix_to_quaternion(rm.axis_angle_to_matrix(m.poses[5].reshape(24, 3))), np.full(24, 0.5))
    _same_rotation(interp.quats[4], rm.matrix_to_quaternion(rm.rest_conjugate(rm.quaternion_to_matrix(mid), REST)))
    skip = plan_keys(m, REST, KeyOptions(fps=30.0, resample=False, bad_frames="skip", min_confidence=0.5))
    np.testing.assert_allclose(skip.frames, [1, 2, 3, 4, 6, 8, 9, 10])
    skip60 = plan_keys(m, REST, KeyOptions(fps=60.0, resample=True, bad_frames="skip", min_confidence=0.5))
    assert not set(skip60.frames) & {8, 9, 10, 12, 13, 14}   # keys touching samples 4 and 6 dropped
    with pytest.raises(ValueError, match="every frame"):
        plan_keys(replace(m, valid=np.zeros(10, bool)), REST, KeyOptions(fps=30.0))


def test_object_rotation_and_scale_enter_the_frame_map(motion):
    rot = Rotation.from_euler("z", 90, degrees=True).as_matrix()
    plan = plan_keys(motion, REST, KeyOptions(fps=30.0, resample=False), object_rot=rot, object_scale=0.5)
    world = rot @ REST[0] @ plan.root_loc.T * 0.5        # pose location → world displacement
    np.testing.assert_allclose(world.T, motion.trans @ rm.C_Y_TO_Z.T, atol=1e-12)


def test_z_up_motion_is_refused(motion):
    with pytest.raises(ValueError, match="Y-up"):
        plan_keys(rm.convert_up_axis(motion, "z"), REST, KeyOptions(fps=30.0))


@pytest.mark.parametrize("style", [
    lambda n: n, lambda n: n.title().replace("Left_", "L_").replace("Right_", "R_"),
    lambda n: "m_avg_" + n.title().replace("Left_", "L_").replace("Right_", "R_"),
    lambda n: n.replace("left_", "") + ".L" if n.startswith("left_") else
    (n.replace("right_", "") + ".R" if n.startswith("right_") else n.upper()),
])
def test_bone_names_of_other_smpl_rigs_match(style):
    names = [style(n) for n in SMPL_JOINT_NAMES]
    extra = ["root", "jaw", "L_Eye"]
    assert match_smpl_bones(extra + names[::-1]) == names


def test_bone_match_reports_missing_and_ambiguous():
    names = list(SMPL_JOINT_NAMES)
    with pytest.raises(BoneMatchError, match="left_wrist, right_wrist"):
        match_smpl_bones([n for n in names if "wrist" not in n])
    with pytest.raises(BoneMatchError, match="'L_Hip'"):
        match_smpl_bones(names + ["L_Hip"])
    assert canonical_key("m_avg_L_Hip") == canonical_key("LeftHip") == canonical_key("hip_l") == "left hip"
