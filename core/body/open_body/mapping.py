"""Which anny bones make which SMPL joint (plain Python, no anny needed).

Joint positions: an SMPL joint is the mean of the heads of the anny bones listed for it in
:data:`JOINT_SOURCES` (one bone, except feet = toe bases and hands = finger bases).
Skinning: every anny bone's weight goes to the SMPL joint that owns it (:func:`bone_to_joint`):
the bone itself if it defines a joint, toes → foot, fingers (thumb included) → hand, otherwise
its nearest ancestor that does (e.g. spine05/04 → pelvis, upperleg02 → hip, eye → head).
"""
from __future__ import annotations

from hkmr_blender.base.skeleton import SMPL_JOINT_NAMES

__all__ = ["JOINT_SOURCES", "joint_sources", "bone_to_joint"]


def _sided(side: str) -> dict[str, tuple[str, ...]]:
    s = "LR"["left right".split().index(side)]
    return {
        f"{side}_hip": (f"upperleg01.{s}",),
        f"{side}_knee": (f"lowerleg01.{s}",),
        f"{side}_ankle": (f"foot.{s}",),
        f"{side}_foot": tuple(f"toe{k}-1.{s}" for k in range(1, 6)),
        f"{side}_collar": (f"clavicle.{s}",),
        f"{side}_shoulder": (f"upperarm01.{s}",),
        f"{side}_elbow": (f"lowerarm01.{s}",),
        f"{side}_wrist": (f"wrist.{s}",),
        f"{side}_hand": tuple(f"finger{k}-1.{s}" for k in range(2, 6)),
    }


#: SMPL joint name → anny bones (rig "anny") whose heads' mean is the joint.
#: anny's ``.L`` is the body's own left, like SMPL's ``left_*``.
JOINT_SOURCES: dict[str, tuple[str, ...]] = {
    "pelvis": ("root",), "spine1": ("spine03",), "spine2": ("spine02",), "spine3": ("spine01",),
    "neck": ("neck01",), "head": ("head",), **_sided("left"), **_sided("right"),
}


def joint_sources(bone_labels: list[str]) -> list[list[int]]:
    """Per SMPL joint (SMPL order), the indices into ``bone_labels`` of its source bones."""
    index = {b: i for i, b in enumerate(bone_labels)}
    missing = [b for bones in JOINT_SOURCES.values() for b in bones if b not in index]
    if missing:
        raise ValueError(f"anny rig lacks bones {missing}; the mapping is written for rig='anny'")
    return [[index[b] for b in JOINT_SOURCES[name]] for name in SMPL_JOINT_NAMES]


def bone_to_joint(bone_labels: list[str], bone_parents: list[int]) -> list[int]:
    """SMPL joint index owning each anny bone's skin weights (see module docstring)."""
    owner: dict[str, int] = {}
    for j, name in enumerate(SMPL_JOINT_NAMES):
        if len(JOINT_SOURCES[name]) == 1:
            owner[JOINT_SOURCES[name][0]] = j
    foot = {s: SMPL_JOINT_NAMES.index(f"{side}_foot") for s, side in (("L", "left"), ("R", "right"))}
    hand = {s: SMPL_JOINT_NAMES.index(f"{side}_hand") for s, side in (("L", "left"), ("R", "right"))}
    result = []
    for i, label in enumerate(bone_labels):
        if label.startswith("toe"):
            result.append(foot[label[-1]])
            continue
        if label.startswith("finger"):
            result.append(hand[label[-1]])
            continue
        k = i
        while bone_labels[k] not in owner:
            k = bone_parents[k]
            if k < 0:
                raise ValueError(f"anny bone {label!r} has no mapped ancestor")
        result.append(owner[bone_labels[k]])
    return result
