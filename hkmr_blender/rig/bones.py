"""Match an existing armature's bone names to SMPL's 24 joints (plain Python, no bpy).

Handles the spellings other SMPL tools use: ``Pelvis``, ``L_Hip``, ``left_hip``, ``m_avg_L_Hip``
(Meshcapade/SMPL Unity rigs), ``f_avg_R_Knee``, ``Hip.L``, ``hip_l``, ``LeftHip``, ``mixamorig:`` or
``smpl_`` prefixes. Matching is on a canonical key (side + body word), never on position.
"""
from __future__ import annotations

import re

from ..base.skeleton import SMPL_JOINT_NAMES

__all__ = ["canonical_key", "match_smpl_bones", "BoneMatchError"]

_PREFIX = re.compile(r"^(?:[mf]_avg_|smplx?_|mixamorig\d*:|armature[_:.]|def[-_.]|j_)", re.I)
_SIDE_WORDS = {"l": "left", "left": "left", "r": "right", "right": "right"}


class BoneMatchError(ValueError):
    """The armature lacks SMPL joints (or has duplicates); the message lists them."""


def _tokens(name: str) -> list[str]:
    name = _PREFIX.sub("", name.strip())
    name = re.sub(r"([a-z])([A-Z])", r"\1_\2", name)          # LeftHip → Left_Hip
    name = re.sub(r"([A-Za-z])(\d)", r"\1_\2", name)          # Spine1 → Spine_1
    return [t for t in re.split(r"[^a-z0-9]+", name.lower()) if t]


def canonical_key(name: str) -> str:
    """'m_avg_L_Hip', 'left_hip', 'Hip.L', 'LeftHip' → 'left hip'; 'Spine1' → 'spine 1'."""
    toks = _tokens(name)
    side = ""
    if toks and toks[0] in _SIDE_WORDS:
        side = _SIDE_WORDS[toks.pop(0)]
    elif len(toks) > 1 and toks[-1] in _SIDE_WORDS:
        side = _SIDE_WORDS[toks.pop()]
    return " ".join(([side] if side else []) + toks)


_SMPL_KEYS = {canonical_key(n): i for i, n in enumerate(SMPL_JOINT_NAMES)}


def match_smpl_bones(bone_names: list[str]) -> list[str]:
    """Bone names of an armature → the bone name for each SMPL joint, in SMPL order (24).

    Raises :class:`BoneMatchError` naming missing joints or ambiguous bones."""
    found: dict[int, str] = {}
    for name in bone_names:
        j = _SMPL_KEYS.get(canonical_key(name))
        if j is None:
            continue
        if j in found:
            raise BoneMatchError(f"bones '{found[j]}' and '{name}' both look like SMPL joint "
                                 f"'{SMPL_JOINT_NAMES[j]}'; rename one of them")
        found[j] = name
    missing = [SMPL_JOINT_NAMES[j] for j in range(len(SMPL_JOINT_NAMES)) if j not in found]
    if missing:
        raise BoneMatchError(f"the armature has no bones for SMPL joint(s) {', '.join(missing)} "
                             "(names like 'Pelvis', 'L_Hip', 'left_hip' or 'm_avg_L_Hip' are recognised); "
                             "select an SMPL armature or create a new one")
    return [found[j] for j in range(len(SMPL_JOINT_NAMES))]
