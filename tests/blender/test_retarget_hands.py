"""Fingers retargeted: a motion with ``hand_pose`` onto a Mixamo rig with finger bones (random rolls) — every
finger bone's direction follows the source's finger segment within 1° on every frame, from the motion file
and from the imported armature; the real Rigify rig's finger controls are found by auto-map and keyed; a
motion without hands leaves a rig's fingers unkeyed."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from hkmr_blender.base.skeleton import BODY_HAND_NAMES, HAND_JOINT_NAMES, SMPL_JOINT_NAMES
from tests.blender.conftest import heads_over_frames, make_motion
from tests.blender.retarget_rigs import build_armature, rigify_rig

pytestmark = pytest.mark.blender
FRAMES = 10
MAX_DEG = 1.0


@pytest.fixture
def source(empty_scene):
    from hkmr_blender.importing.body import load_body_arrays
    from hkmr_blender.importing.importer import ImportSettings, import_motion
    rng = np.random.default_rng(8)
    motion, _ = make_motion(rng, FRAMES, load_body_arrays(None))
    motion = replace(motion, hand_pose=rng.normal(0, 0.35, (FRAMES, 90)))
    res = import_motion(empty_scene, motion, ImportSettings(rate="set_scene", create_mesh=False))
    return motion, res.armature


def _rest54(arm) -> np.ndarray:
    return np.array([tuple(arm.data.bones[n].head_local) for n in BODY_HAND_NAMES])


def _finger_pairs():
    """(finger joint, next joint) along each finger (the last joint has no segment of its own here)."""
    return [(f"{s}_{f}{k}", f"{s}_{f}{k + 1}") for s in ("left", "right")
            for f in ("index", "middle", "pinky", "ring", "thumb") for k in (1, 2)]


def _max_angle(context, target, bone_of, smpl) -> float:
    src = heads_over_frames(context, smpl, list(BODY_HAND_NAMES), range(1, FRAMES + 1))
    names = sorted({bone_of[x] for p in _finger_pairs() for x in p})
    tgt = heads_over_frames(context, target, names, range(1, FRAMES + 1))
    ix = {n: i for i, n in enumerate(names)}
    worst = 0.0
    for j, c in _finger_pairs():
        a = src[:, BODY_HAND_NAMES.index(c)] - src[:, BODY_HAND_NAMES.index(j)]
        b = tgt[:, ix[bone_of[c]]] - tgt[:, ix[bone_of[j]]]
        cos = np.sum(a * b, -1) / np.linalg.norm(a, axis=-1) / np.linalg.norm(b, axis=-1)
        worst = max(worst, float(np.degrees(np.arccos(np.clip(cos, -1, 1))).max()))
    return worst


@pytest.mark.parametrize("from_file", [True, False])
def test_mixamo_fingers_follow_the_source(source, from_file):
    import bpy
    from hkmr_blender.retarget.apply import retarget
    context = bpy.context
    motion, smpl = source
    target = build_armature(context, "mixamo_hands", _rest54(smpl), seed=6)
    result = retarget(context, motion if from_file else smpl, target)
    assert result.mapping.family == "mixamo"
    bone_of = {e.joint: e.bone for e in result.mapping.entries}
    assert bone_of["left_index1"] == "mixamorig:LeftHandIndex1"
    assert bone_of["right_thumb3"] == "mixamorig:RightHandThumb3"
    assert set(HAND_JOINT_NAMES) <= set(bone_of)
    assert _max_angle(context, target, bone_of, smpl) < MAX_DEG
    # the fingers really move: the index tip's segment turns between frames
    heads = heads_over_frames(context, target, ["mixamorig:LeftHandIndex2", "mixamorig:LeftHandIndex3"], (1, FRAMES))
    d = heads[:, 1] - heads[:, 0]
    assert np.degrees(np.arccos(np.dot(d[0], d[1]) / np.linalg.norm(d[0]) / np.linalg.norm(d[1]))) > 5.0


def test_rigify_finger_controls_are_mapped_and_keyed(source):
    import bpy
    from hkmr_blender.retarget.apply import retarget
    from hkmr_blender.rig.keys import action_fcurves
    context = bpy.context
    motion, _ = source
    rig = rigify_rig(context)
    result = retarget(context, motion, rig)
    bone_of = {e.joint: e.bone for e in result.mapping.entries}
    assert result.mapping.family == "rigify"
    assert bone_of["left_index1"] == "f_index.01.L" and bone_of["right_thumb1"] == "thumb.01.R"
    assert set(HAND_JOINT_NAMES) <= set(bone_of)
    keyed = {fc.group.name for fc in action_fcurves(rig)}
    assert {bone_of[j] for j in HAND_JOINT_NAMES} <= keyed
    # the deform bone of the index finger follows its control: it turns over the clip
    context.scene.frame_set(1)
    a = np.array(rig.pose.bones["DEF-f_index.02.L"].matrix)[:3, 1].copy()
    context.scene.frame_set(FRAMES)
    b = np.array(rig.pose.bones["DEF-f_index.02.L"].matrix)[:3, 1]
    assert np.degrees(np.arccos(np.clip(a @ b / np.linalg.norm(a) / np.linalg.norm(b), -1, 1))) > 5.0


def test_motion_without_hands_leaves_fingers_unkeyed(source):
    import bpy
    from hkmr_blender.retarget.apply import retarget
    from hkmr_blender.rig.keys import action_fcurves
    context = bpy.context
    motion, smpl = source
    target = build_armature(context, "mixamo_hands", _rest54(smpl), seed=7)
    result = retarget(context, replace(motion, hand_pose=None), target)
    assert not {e.joint for e in result.mapping.entries} - set(SMPL_JOINT_NAMES)
    keyed = {fc.group.name for fc in action_fcurves(target)}
    assert not any("Index" in k or "Thumb" in k for k in keyed)
