"""The version layer (hkmr_blender/rig/compat.py): one test for what every Blender must do (keys written,
read back, rewritten into an action the rig does not play yet, played assigned and from the NLA) and one
per storage branch, each run on the bpy of that branch by .ci/bpy-versions (4.2.23, 4.5.15, 5.0.1, 5.3.0)."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from hkmr_blender.base.skeleton import SMPL_JOINT_NAMES
from tests.conftest import make_smpl_arrays

pytestmark = pytest.mark.blender
FRAMES = np.array([1.0, 2.0, 3.0])


def _axis_quats(angles: np.ndarray, axis) -> np.ndarray:
    axis = np.asarray(axis, np.float64) / np.linalg.norm(axis)
    return np.concatenate([np.cos(angles / 2)[:, None], np.sin(angles / 2)[:, None] * axis], 1)


@pytest.fixture
def keyed(empty_scene):
    """An SMPL armature with an action: left_knee bends, the pelvis moves (3 frames)."""
    from hkmr_blender.rig import keys
    from hkmr_blender.rig.armature import create_smpl_armature
    from hkmr_blender.importing.body import rest_joints_for
    rest = rest_joints_for(make_smpl_arrays(), np.zeros(10)) @ np.array([[1, 0, 0], [0, 0, 1], [0, -1, 0]]).T
    obj = create_smpl_armature(empty_scene, "Rig", rest)
    quats = np.zeros((3, 24, 4))
    quats[..., 0] = 1.0
    quats[:, 4] = _axis_quats(np.array([0.0, 0.5, 1.0]), [1, 0, 0])
    loc = np.array([[0.0, 0, 0], [0.1, 0.2, 0.0], [0.3, 0.1, 0.05]])
    action = keys.write_action(obj, "walk", FRAMES, keys.pose_channels(list(SMPL_JOINT_NAMES), quats, loc))
    return empty_scene, obj, action, quats, loc


def _pose_at(context, obj, frame):
    context.scene.frame_set(frame)
    pb = obj.pose.bones
    return np.array(pb["pelvis"].location), np.array(pb["left_knee"].rotation_quaternion)


def _only_on(branch: str) -> None:
    from hkmr_blender.rig import compat
    if compat.BRANCH != branch:
        import bpy
        pytest.skip(f"the {branch} branch; this is bpy {bpy.app.version_string} ({compat.BRANCH}): "
                    "run by .ci/bpy-versions")


def test_branch_table_and_this_blender(bpy_module):
    from hkmr_blender.rig import compat
    assert [compat.branch_for(v) for v in ((4, 2, 23), (4, 3, 2), (4, 4, 0), (4, 5, 15), (5, 0, 1), (5, 3, 0))] == \
        [compat.LEGACY, compat.LEGACY, compat.SLOTTED, compat.SLOTTED, compat.LAYERED, compat.LAYERED]
    assert compat.BRANCH == compat.branch_for(bpy_module.app.version)


def test_keys_read_rewrite_assign_and_nla_play_on_every_version(keyed):
    from hkmr_blender.importing.finish import push_nla_strip
    from hkmr_blender.export.actions import _assign
    from hkmr_blender.rig import compat
    from hkmr_blender.rig.track_bpy import read_track, write_track
    context, obj, action, quats, loc = keyed
    assert len(compat.action_fcurves(action, obj)) == 24 * 4 + 3
    got_loc, got_q = _pose_at(context, obj, 2)
    np.testing.assert_allclose(got_loc, loc[1], atol=1e-6)
    np.testing.assert_allclose(got_q, quats[1, 4], atol=1e-6)

    track = read_track(obj, ["left_knee"])
    np.testing.assert_allclose(track.quat[:, track.index("left_knee")], quats[:, 4], atol=1e-6)
    # write into an action the rig does not play (the failing path of pin_feet/root motion on 4.5)
    other = context.blend_data.actions.new("edited")
    bent = replace(track, quat=track.quat.copy(), loc=track.loc.copy())
    bent.quat[:, track.index("left_knee")] = _axis_quats(np.array([1.0, 1.0, 1.0]), [1, 0, 0])
    bent.loc[:, track.index("pelvis")] = [0.5, 0.0, 0.0]
    write_track(obj, bent, ["left_knee", "pelvis"], action=other, location=True)
    assert len(compat.action_fcurves(other, obj)) == 2 * (4 + 3)              # rotation + location, 2 bones
    assert obj.animation_data.action == action                  # still playing the first one
    _assign(obj, other)                                         # as the per-action exporter does
    got_loc, got_q = _pose_at(context, obj, 3)
    np.testing.assert_allclose(got_loc, [0.5, 0.0, 0.0], atol=1e-6)
    np.testing.assert_allclose(got_q, _axis_quats(np.array([1.0]), [1, 0, 0])[0], atol=1e-6)

    compat.assign_action(obj, action)
    strip = push_nla_strip(obj, action)
    assert obj.animation_data.action is None and strip.action == action
    got_loc, got_q = _pose_at(context, obj, 2)                  # the NLA plays it (through its slot on 4.4+)
    np.testing.assert_allclose(got_loc, loc[1], atol=1e-6)
    np.testing.assert_allclose(got_q, quats[1, 4], atol=1e-6)


def test_legacy_branch_4_2_4_3_keys_live_in_action_fcurves(keyed):
    from hkmr_blender.rig import compat
    _only_on(compat.LEGACY)
    context, obj, action, _, _ = keyed
    assert compat.channelbag(action, obj) == action
    assert len(action.fcurves) == 24 * 4 + 3 and action.groups["left_knee"].channels[0].array_index == 0
    assert not hasattr(obj.animation_data, "action_slot")


def test_slotted_branch_4_4_4_5_channelbag_without_the_5_0_helper(keyed):
    from bpy_extras import anim_utils
    from hkmr_blender.rig import compat
    _only_on(compat.SLOTTED)
    context, obj, action, _, _ = keyed
    assert not hasattr(anim_utils, "action_ensure_channelbag_for_slot")   # why this branch exists
    bag = compat.channelbag(action, obj)
    assert obj.animation_data.action_slot == action.slots[0]
    # the 4.4/4.5 legacy alias Action.fcurves shows the same curves (other add-ons reading it see our keys)
    assert {(f.data_path, f.array_index) for f in action.fcurves} == \
        {(f.data_path, f.array_index) for f in bag.fcurves}


def test_layered_branch_5_x_uses_blenders_channelbag_helper(keyed):
    import bpy
    from bpy_extras import anim_utils
    from hkmr_blender.rig import compat
    _only_on(compat.LAYERED)
    context, obj, action, _, _ = keyed
    assert "fcurves" not in bpy.types.Action.bl_rna.properties                # removed in 5.0
    slot = obj.animation_data.action_slot
    assert compat.channelbag(action, obj) == anim_utils.action_get_channelbag_for_slot(action, slot)
    fresh = bpy.data.actions.new("fresh")
    bag = compat.channelbag(fresh, obj, create=True)
    assert bag == anim_utils.action_ensure_channelbag_for_slot(fresh, fresh.slots[0])

