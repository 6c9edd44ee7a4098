"""SMPL armatures in Blender (bpy layer): build one from rest joints, or read an existing one.

Bone heads sit on the joints (Z-up); each bone points at its main child (pelvis → spine1,
spine3 → neck, limbs along the chain), leaves continue their parent's direction. Rolls are 0.
Nothing downstream assumes these orientations: keys use each bone's actual ``matrix_local``.
"""
from __future__ import annotations

from dataclasses import dataclass

import bpy
import numpy as np

from .bones import match_smpl_bones
from ..base.skeleton import HAND_JOINT_NAMES, HAND_PARENTS, NUM_JOINTS, SMPL_JOINT_NAMES, SMPL_PARENTS

__all__ = ["SmplRig", "create_smpl_armature", "smpl_rig", "world_heads", "finger_tails", "finger_bones"]


@dataclass
class SmplRig:
    """An armature seen as SMPL: ``bone_names`` (24) in SMPL order, ``rest`` (24,3,3) bone
    ``matrix_local`` rotations, ``object_rot`` (3,3) world rotation and ``object_scale`` of the object."""

    obj: object
    bone_names: list[str]
    rest: np.ndarray
    object_rot: np.ndarray
    object_scale: float


def _tail_targets(joints: np.ndarray) -> np.ndarray:
    """(24,3) tail position of each bone: its main child's head, or a continuation for leaves."""
    tails = np.empty_like(joints)
    children = {i: [c for c, p in enumerate(SMPL_PARENTS) if p == i] for i in range(NUM_JOINTS)}
    for i, name in enumerate(SMPL_JOINT_NAMES):
        kids = children[i]
        side = name.split("_")[0] if name.startswith(("left_", "right_")) else ""
        central = [c for c in kids if not SMPL_JOINT_NAMES[c].startswith(("left_", "right_"))]
        main = central[0] if (not side and central) else (kids[0] if kids else None)
        if main is not None:
            tails[i] = joints[main]
        else:  # leaf: continue the parent → joint direction by half its length
            tails[i] = joints[i] + 0.5 * (joints[i] - joints[SMPL_PARENTS[i]])
        if np.linalg.norm(tails[i] - joints[i]) < 1e-3:
            tails[i] = joints[i] + np.array([0.0, 0.0, 0.05])
    return tails


def finger_tails(fingers: np.ndarray) -> np.ndarray:
    """(30,3) tails of the finger bones: the next joint of the finger; the last joint continues its phalanx by
    80 %. ``fingers`` (30,3) in ``HAND_JOINT_NAMES`` order (any frame)."""
    tails = np.empty_like(fingers)
    for k in range(len(HAND_JOINT_NAMES)):
        if k % 3 < 2:
            tails[k] = fingers[k + 1]
        else:
            tails[k] = fingers[k] + 0.8 * (fingers[k] - fingers[k - 1])
    return tails


def finger_bones(obj) -> list[str] | None:
    """The 30 finger bone names (``HAND_JOINT_NAMES``) if ``obj`` has them all, else None."""
    have = set(obj.data.bones.keys())
    return list(HAND_JOINT_NAMES) if all(n in have for n in HAND_JOINT_NAMES) else None


def create_smpl_armature(context, name: str, rest_joints_z: np.ndarray, collection=None,
                         fingers_z: np.ndarray | None = None):
    """New armature object with 24 SMPL bones; ``rest_joints_z`` (24,3) in Blender's Z-up frame; with
    ``fingers_z`` (30,3) also SMPL-H's 30 finger bones (``HAND_JOINT_NAMES``; each finger's first bone
    parented to its wrist).

    Bones use quaternion rotation mode and are not connected (any bone may translate)."""
    arm = bpy.data.armatures.new(name)
    obj = bpy.data.objects.new(name, arm)
    (collection or context.scene.collection).objects.link(obj)
    if context.object is not None and context.object.mode != "OBJECT":
        bpy.ops.object.mode_set(mode="OBJECT")
    context.view_layer.objects.active = obj
    bpy.ops.object.mode_set(mode="EDIT")
    try:
        tails = _tail_targets(rest_joints_z)
        edit = [arm.edit_bones.new(n) for n in SMPL_JOINT_NAMES]
        for i, eb in enumerate(edit):
            eb.head, eb.tail, eb.roll = rest_joints_z[i], tails[i], 0.0
            if SMPL_PARENTS[i] >= 0:
                eb.parent = edit[SMPL_PARENTS[i]]
        if fingers_z is not None:
            ftails = finger_tails(fingers_z)
            fingers = [arm.edit_bones.new(n) for n in HAND_JOINT_NAMES]
            for k, eb in enumerate(fingers):
                eb.head, eb.tail, eb.roll = fingers_z[k], ftails[k], 0.0
                p = HAND_PARENTS[k]
                eb.parent = edit[p] if p < 22 else fingers[p - 22]  # 52-joint numbering: 22.. are fingers
    finally:
        bpy.ops.object.mode_set(mode="OBJECT")
    for pb in obj.pose.bones:
        pb.rotation_mode = "QUATERNION"
    return obj


def smpl_rig(obj) -> SmplRig:
    """View ``obj`` (an armature whose bone names match SMPL's joints) as a :class:`SmplRig`.

    Raises ``BoneMatchError`` for missing joints and ``ValueError`` for non-uniform object scale."""
    if obj is None or obj.type != "ARMATURE":
        raise ValueError("select an armature (or choose 'New armature')")
    names = match_smpl_bones([b.name for b in obj.data.bones])
    rest = np.array([np.array(obj.data.bones[n].matrix_local.to_3x3(), np.float64) for n in names])
    mw = np.array(obj.matrix_world, np.float64)[:3, :3]
    scales = np.linalg.norm(mw, axis=0)
    if np.ptp(scales) > 1e-5 * scales.max():
        raise ValueError(f"armature '{obj.name}' has non-uniform scale {tuple(np.round(scales, 5))}; "
                         "apply the scale (Ctrl+A) first")
    for n in names:
        obj.pose.bones[n].rotation_mode = "QUATERNION"
    return SmplRig(obj, names, rest, mw / scales, float(scales[0]))


def world_heads(obj, bone_names: list[str]) -> np.ndarray:
    """(J,3) current world positions of the named pose bones' heads (evaluated pose)."""
    mw = np.array(obj.matrix_world, np.float64)
    heads = np.array([obj.pose.bones[n].head for n in bone_names], np.float64)
    return heads @ mw[:3, :3].T + mw[:3, 3]
