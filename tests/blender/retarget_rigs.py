"""Test rigs of the humanoid families, with their real bone names and hierarchy, heads on SMPL rest joints.

Each table row: (bone, parent, head) where head is an SMPL joint name, a blend "a|b|t" (t of the way from
joint a to joint b), or "origin". Rest conventions (applied by :func:`build_armature`): Mixamo bones point
at their child with random rolls; Unreal bones point along random axes with random rolls (an engine
import's X-forward bones) under a 'root' at the origin, with twist and IK helper bones (``unreal_hands``: UE5's
finger bones too, metacarpals included); Unity-style bones point at their child, roll 0, arms in an A-pose (rest
differs from SMPL's T-pose; ``unity_hands`` adds the humanoid's 30 finger bones).
"""
from __future__ import annotations

import numpy as np

from hkmr_blender.base.skeleton import BODY_HAND_NAMES, SMPL_JOINT_NAMES

SIDES = (("left", "Left", "l", "L"), ("right", "Right", "r", "R"))


def _sided(rows):
    out = []
    for r in rows:
        if "{" in "".join(x or "" for x in r):
            for side, cap, s, up in SIDES:
                out.append(tuple(None if x is None else x.format(side=side, Side=cap, s=s, S=up) for x in r))
        else:
            out.append(r)
    return out


MIXAMO = _sided([
    ("mixamorig:Hips", None, "pelvis"), ("mixamorig:Spine", "mixamorig:Hips", "spine1"),
    ("mixamorig:Spine1", "mixamorig:Spine", "spine2"), ("mixamorig:Spine2", "mixamorig:Spine1", "spine3"),
    ("mixamorig:Neck", "mixamorig:Spine2", "neck"), ("mixamorig:Head", "mixamorig:Neck", "head"),
    ("mixamorig:HeadTop_End", "mixamorig:Head", "neck|head|2.2"),
    ("mixamorig:{Side}Shoulder", "mixamorig:Spine2", "{side}_collar"),
    ("mixamorig:{Side}Arm", "mixamorig:{Side}Shoulder", "{side}_shoulder"),
    ("mixamorig:{Side}ForeArm", "mixamorig:{Side}Arm", "{side}_elbow"),
    ("mixamorig:{Side}Hand", "mixamorig:{Side}ForeArm", "{side}_wrist"),
    ("mixamorig:{Side}HandMiddle1", "mixamorig:{Side}Hand", "{side}_hand"),
    ("mixamorig:{Side}UpLeg", "mixamorig:Hips", "{side}_hip"),
    ("mixamorig:{Side}Leg", "mixamorig:{Side}UpLeg", "{side}_knee"),
    ("mixamorig:{Side}Foot", "mixamorig:{Side}Leg", "{side}_ankle"),
    ("mixamorig:{Side}ToeBase", "mixamorig:{Side}Foot", "{side}_foot"),
    ("mixamorig:{Side}Toe_End", "mixamorig:{Side}ToeBase", "{side}_ankle|{side}_foot|1.6"),
])
UNREAL = _sided([
    ("root", None, "origin"), ("pelvis", "root", "pelvis"), ("spine_01", "pelvis", "spine1"),
    ("spine_02", "spine_01", "spine1|spine2|0.5"), ("spine_03", "spine_02", "spine2"),
    ("spine_04", "spine_03", "spine2|spine3|0.5"), ("spine_05", "spine_04", "spine3"),
    ("neck_01", "spine_05", "neck"), ("neck_02", "neck_01", "neck|head|0.5"), ("head", "neck_02", "head"),
    ("clavicle_{s}", "spine_05", "{side}_collar"), ("upperarm_{s}", "clavicle_{s}", "{side}_shoulder"),
    ("upperarm_twist_01_{s}", "upperarm_{s}", "{side}_shoulder|{side}_elbow|0.5"),
    ("lowerarm_{s}", "upperarm_{s}", "{side}_elbow"), ("hand_{s}", "lowerarm_{s}", "{side}_wrist"),
    ("middle_01_{s}", "hand_{s}", "{side}_hand"),
    ("thigh_{s}", "pelvis", "{side}_hip"), ("calf_{s}", "thigh_{s}", "{side}_knee"),
    ("foot_{s}", "calf_{s}", "{side}_ankle"), ("ball_{s}", "foot_{s}", "{side}_foot"),
    ("ik_foot_{s}", "root", "{side}_ankle"),
])
UNITY = _sided([
    ("Hips", None, "pelvis"), ("Spine", "Hips", "spine1"), ("Chest", "Spine", "spine2"),
    ("UpperChest", "Chest", "spine3"), ("Neck", "UpperChest", "neck"), ("Head", "Neck", "head"),
    ("{Side}Shoulder", "UpperChest", "{side}_collar"), ("{Side}UpperArm", "{Side}Shoulder", "{side}_shoulder"),
    ("{Side}LowerArm", "{Side}UpperArm", "{side}_elbow"), ("{Side}Hand", "{Side}LowerArm", "{side}_wrist"),
    ("{Side}UpperLeg", "Hips", "{side}_hip"), ("{Side}LowerLeg", "{Side}UpperLeg", "{side}_knee"),
    ("{Side}Foot", "{Side}LowerLeg", "{side}_ankle"), ("{Side}Toes", "{Side}Foot", "{side}_foot"),
])
MIXAMO_HANDS = [r for r in MIXAMO if "HandMiddle1" not in r[0]] + _sided([
    (f"mixamorig:{{Side}}Hand{f.title()}{k}",
     "mixamorig:{Side}Hand" if k == 1 else f"mixamorig:{{Side}}Hand{f.title()}{k - 1}", f"{{side}}_{f}{k}")
    for f in ("index", "middle", "pinky", "ring", "thumb") for k in (1, 2, 3)])
_FINGERS = ("middle", "index", "pinky", "ring", "thumb")  # middle first: a hand bone points at its first child
#: UE5 Manny/Quinn hands: a metacarpal bone under hand_l for each long finger (index_metacarpal_l …, near the
#: wrist, unmapped: it stays at rest), then *_01…03_l on the finger joints; the thumb's thumb_01_l is its CMC.
UNREAL_HANDS = [r for r in UNREAL if not r[0].startswith("middle_01")] + _sided(
    [(f"{f}_metacarpal_{{s}}", "hand_{s}", f"{{side}}_wrist|{{side}}_{f}1|0.3") for f in _FINGERS[:4]]
    + [(f"{f}_0{k}_{{s}}", f"{f}_0{k - 1}_{{s}}" if k > 1 else "hand_{s}" if f == "thumb" else f"{f}_metacarpal_{{s}}",
        f"{{side}}_{f}{k}") for f in _FINGERS for k in (1, 2, 3)])
#: Unity humanoid (HumanBodyBones as FBX exporters name them, e.g. UniVRM/VRoid): Proximal, Intermediate, Distal;
#: the little finger is "Little"; the thumb's Proximal is its CMC.
UNITY_HANDS = UNITY + _sided([
    (f"{{Side}}{u}{part}", "{Side}Hand" if k == 1 else f"{{Side}}{u}{('Proximal', 'Intermediate')[k - 2]}",
     f"{{side}}_{f}{k}")
    for f, u in zip(_FINGERS, ("Middle", "Index", "Little", "Ring", "Thumb"))
    for k, part in zip((1, 2, 3), ("Proximal", "Intermediate", "Distal"))])
FAMILIES = {"mixamo": MIXAMO, "unreal": UNREAL, "unity": UNITY, "mixamo_hands": MIXAMO_HANDS,
            "unreal_hands": UNREAL_HANDS, "unity_hands": UNITY_HANDS}

# the mapping each family's auto-map must find (bone ← SMPL joint), besides the left/right twins
EXPECTED = {
    "mixamo": {"mixamorig:Hips": "pelvis", "mixamorig:Spine": "spine1", "mixamorig:Spine1": "spine2",
               "mixamorig:Spine2": "spine3", "mixamorig:Neck": "neck", "mixamorig:Head": "head",
               "mixamorig:LeftShoulder": "left_collar", "mixamorig:LeftArm": "left_shoulder",
               "mixamorig:LeftForeArm": "left_elbow", "mixamorig:LeftHand": "left_wrist",
               "mixamorig:LeftUpLeg": "left_hip", "mixamorig:LeftLeg": "left_knee",
               "mixamorig:LeftFoot": "left_ankle", "mixamorig:LeftToeBase": "left_foot"},
    "unreal": {"pelvis": "pelvis", "spine_01": "spine1", "spine_03": "spine2", "spine_05": "spine3",
               "neck_01": "neck", "head": "head", "clavicle_l": "left_collar", "upperarm_l": "left_shoulder",
               "lowerarm_l": "left_elbow", "hand_l": "left_wrist", "thigh_l": "left_hip", "calf_l": "left_knee",
               "foot_l": "left_ankle", "ball_l": "left_foot"},
    "unity": {"Hips": "pelvis", "Spine": "spine1", "Chest": "spine2", "UpperChest": "spine3", "Neck": "neck",
              "Head": "head", "LeftShoulder": "left_collar", "LeftUpperArm": "left_shoulder",
              "LeftLowerArm": "left_elbow", "LeftHand": "left_wrist", "LeftUpperLeg": "left_hip",
              "LeftLowerLeg": "left_knee", "LeftFoot": "left_ankle", "LeftToes": "left_foot"},
    "rigify": {"torso": "pelvis", "spine_fk": "pelvis", "spine_fk.001": "spine1", "spine_fk.002": "spine2",
               "spine_fk.003": "spine3", "neck": "neck", "head": "head", "shoulder.L": "left_collar",
               "upper_arm_fk.L": "left_shoulder", "forearm_fk.L": "left_elbow", "hand_fk.L": "left_wrist",
               "thigh_fk.L": "left_hip", "shin_fk.L": "left_knee", "foot_fk.L": "left_ankle",
               "toe_fk.L": "left_foot"},
}


def head_position(spec: str, joints: np.ndarray) -> np.ndarray:
    """Rest head for a table entry: a joint name, 'a|b|t' or 'origin'; ``joints`` (24,3), or (54,3) with the
    finger joints (``BODY_HAND_NAMES``)."""
    if spec == "origin":
        return np.zeros(3)
    if "|" in spec:
        a, b, t = spec.split("|")
        ja, jb = joints[BODY_HAND_NAMES.index(a)], joints[BODY_HAND_NAMES.index(b)]
        return ja + float(t) * (jb - ja)
    return joints[BODY_HAND_NAMES.index(spec)]


def names_and_parents(rows) -> tuple[list[str], list[int]]:
    names = [r[0] for r in rows]
    return names, [names.index(r[1]) if r[1] else -1 for r in rows]


def a_pose(joints: np.ndarray, degrees: float = 40.0) -> np.ndarray:
    """SMPL rest joints (24,3, Z-up) with both arms (shoulder and below) turned down by ``degrees``."""
    out = joints.copy()
    for side, sign in (("left", 1.0), ("right", -1.0)):
        s = SMPL_JOINT_NAMES.index(f"{side}_shoulder")
        a = np.radians(degrees) * sign
        rot = np.array([[np.cos(a), 0, np.sin(a)], [0, 1, 0], [-np.sin(a), 0, np.cos(a)]])   # about Y: +X → −Z
        for j in (s, s + 2, s + 4, s + 6):
            out[j] = joints[s] + rot @ (joints[j] - joints[s])
    return out


def build_armature(context, family: str, joints: np.ndarray, seed: int = 0, name: str | None = None):
    """An armature object of ``family`` (mixamo, unreal, unity) with heads on ``joints`` (24,3 Z-up,
    armature units) and the family's rest convention (module docstring). Returns the object."""
    import bpy
    rows = FAMILIES[family]
    rng = np.random.default_rng(seed)
    heads = {r[0]: head_position(r[2], joints) for r in rows}
    kids = {r[0]: [c[0] for c in rows if c[1] == r[0]] for r in rows}
    obj = bpy.data.objects.new(name or family, bpy.data.armatures.new(name or family))
    context.scene.collection.objects.link(obj)
    context.view_layer.objects.active = obj
    bpy.ops.object.mode_set(mode="EDIT")
    edit = {}
    for bone, parent, _ in rows:
        eb = obj.data.edit_bones.new(bone)
        eb.head = heads[bone]
        if family.startswith("unreal"):               # engine-style axes: unrelated to the limb
            d = rng.normal(size=3)
            eb.tail = heads[bone] + 0.08 * d / np.linalg.norm(d)
        else:
            main = [k for k in kids[bone] if "Shoulder" not in k and "UpLeg" not in k and "UpperLeg" not in k
                    and "ik_" not in k]
            tail = heads[main[0]] if main else heads[bone] + [0, 0, 0.05]
            if parent and not main:                   # leaf: continue the parent direction
                tail = heads[bone] + 0.5 * (heads[bone] - heads[parent])
            eb.tail = tail if np.linalg.norm(tail - heads[bone]) > 1e-3 else heads[bone] + [0, 0, 0.05]
        eb.roll = rng.uniform(-np.pi, np.pi) if not family.startswith("unity") else 0.0
        if parent:
            eb.parent = edit[parent]
        edit[bone] = eb
    bpy.ops.object.mode_set(mode="OBJECT")
    return obj


def rigify_rig(context):
    """The real Rigify rig generated from the human metarig (Rigify ships with Blender)."""
    import addon_utils
    import bpy
    addon_utils.enable("rigify", default_set=True)
    bpy.ops.object.armature_human_metarig_add()
    meta = context.object
    bpy.ops.pose.rigify_generate()
    rig = context.object
    meta.hide_set(True)
    return rig
