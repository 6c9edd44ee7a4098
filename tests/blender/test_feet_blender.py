"""Feet pinning in Blender: world ankle travel during contact, measured on the evaluated armature, on the
add-on's SMPL rig and on a foreign rig (other bone axes/rolls, root bone, rotated and scaled object) whose
bones are then renamed Mixamo-style and found through a joint → bone map."""
from __future__ import annotations

import numpy as np
import pytest

from hkmr_blender.importing.body import load_body_arrays, rest_joints_for
from hkmr_blender.feet.pin import FootSettings, contact_travel, legs_for
from tests.blender.conftest import heads_over_frames
from tests.blender.gait import walk
from tests.blender.test_import_exact import foreign_armature

pytestmark = pytest.mark.blender
FRAMES = 90


@pytest.fixture(scope="module")
def sliding_walk():
    rest = rest_joints_for(load_body_arrays(), np.zeros(10))
    return walk(rest, frames=FRAMES, slip=0.03, seed=2)


def _import(context, motion, **kw):
    from hkmr_blender.importing.importer import ImportSettings, import_motion
    return import_motion(context, motion, ImportSettings(rate="set_scene", create_mesh=False, **kw), name="walk")


def _ankles(context, obj, names):
    return heads_over_frames(context, obj, names, range(1, FRAMES + 1))


def test_pin_on_smpl_armature(empty_scene, sliding_walk):
    from hkmr_blender.feet.apply import pin_feet_on_action
    motion, stance = sliding_walk
    res = _import(empty_scene, motion)
    names = ["left_ankle", "right_ankle", "pelvis", "spine3"]
    before = _ankles(empty_scene, res.armature, names)
    report = pin_feet_on_action(res.armature, FootSettings(pin_feet=True), contacts=stance)
    after = _ankles(empty_scene, res.armature, names)
    for leg in (0, 1):
        assert contact_travel(before[:, leg], stance[:, leg]) > 0.02
        assert contact_travel(after[:, leg], stance[:, leg]) < 2e-3       # goal: planted feet move < 2 mm
    assert report.travel_after.max() < 2e-3
    np.testing.assert_allclose(after[:, 2:, :2], before[:, 2:, :2], atol=1e-5)   # upper body: float32 keys
    # detection from the animation alone finds the stance and pins it too
    res2 = _import(empty_scene, motion)
    rep2 = pin_feet_on_action(res2.armature, FootSettings(pin_feet=True, contacts="detect"))
    assert rep2.contacts.any(axis=0).all() and rep2.travel_after.max() < 2e-3
    after2 = _ankles(empty_scene, res2.armature, names)
    assert contact_travel(after2[:, 0], rep2.contacts[:, 0]) < 2e-3


def test_pin_on_foreign_rig_with_other_names(empty_scene, sliding_walk):
    from hkmr_blender.rig import transforms as rm
    from hkmr_blender.feet.apply import pin_feet_on_action
    motion, stance = sliding_walk
    obj, names = foreign_armature(empty_scene, motion.rest_joints @ rm.C_Y_TO_Z.T)
    empty_scene.view_layer.objects.active = obj
    _import(empty_scene, motion, target="selected")
    mixamo = {"left_hip": "LeftUpLeg", "left_knee": "LeftLeg", "left_ankle": "LeftFoot", "left_foot": "LeftToeBase",
              "right_hip": "RightUpLeg", "right_knee": "RightLeg", "right_ankle": "RightFoot",
              "right_foot": "RightToeBase"}
    from hkmr_blender.base.skeleton import SMPL_JOINT_NAMES
    for joint, new in mixamo.items():                 # Blender renames the action's channels with the bones
        obj.data.bones[names[SMPL_JOINT_NAMES.index(joint)]].name = "mixamorig:" + new
    chains = legs_for({j: "mixamorig:" + b for j, b in mixamo.items()})
    ankles = ["mixamorig:LeftFoot", "mixamorig:RightFoot"]
    before = _ankles(empty_scene, obj, ankles)
    report = pin_feet_on_action(obj, FootSettings(pin_feet=True), chains=chains, contacts=stance)
    after = _ankles(empty_scene, obj, ankles)
    for leg in (0, 1):   # world metres: the object is scaled 0.5, travel is reported in world units too
        assert contact_travel(before[:, leg], stance[:, leg]) > 0.02
        assert contact_travel(after[:, leg], stance[:, leg]) < 2e-3
    np.testing.assert_allclose(report.travel_after, [contact_travel(after[:, i], stance[:, i]) for i in (0, 1)],
                               atol=2e-5)                                  # float32 keys vs float64 math


def test_pin_rejects_missing_bones(empty_scene, sliding_walk):
    from hkmr_blender.feet.apply import pin_feet_on_action
    res = _import(empty_scene, sliding_walk[0])
    with pytest.raises(ValueError, match="no bone"):
        pin_feet_on_action(res.armature, FootSettings(pin_feet=True), chains=legs_for(lambda j: "nope_" + j))
