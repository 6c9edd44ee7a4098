"""SMPL joint ↔ target bone mapping, plain Python: JSON presets, automatic mapping with confidence.

A mapping is a list of :class:`MapEntry` (target bone ← SMPL joint). A joint may drive several bones
(Rigify's torso and hip FK bone both take the pelvis); a bone takes at most one joint. Presets are
JSON files ``{"name", "description", "bones": {joint: [candidate bone names, first present wins]},
"also": {bone: joint}, "properties": {bone: {custom property: value}}}``; names compare without case
and without a namespace prefix (``mixamorig:``, ``mixamorig7:``, ``Armature|``).

Automatic mapping (:func:`auto_map`): the shipped family preset that finds most of its bones, then SMPL names
when all 24 are there (:mod:`..rig.bones`), then body-part words (``thigh``, ``UpperLeg``, ``calf``,
``clavicle``…), then the spine bones between the pelvis and neck bones by hierarchy. Confidence per bone: 1.0
preset, 0.9 SMPL name, 0.7 body-part word, 0.6 spine chain position; a guessed bone (not from a preset) is
halved when it is not below the bone of its SMPL parent joint (hierarchy disagrees). Preset bones are not
checked: a family preset names that family's own bones, and a rig's controls need not mirror SMPL's chain
(Rigify's upper spine and arm FK controls hang below mechanism bones, not below the FK bone before them).
Where two bones answer to one name, the one in the rig's main
(largest connected) hierarchy wins, then the one in the joint's role (above the bones of its SMPL children: the
pelvis roots both legs and the spine, a decoy hung under a hand roots none); the confidence is × 0.8 (the other
lies outside it: a decoy) or × 0.5 (both inside: ambiguous) and the entry's ``how`` names the second candidate.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..base.atomic import atomic_write
from ..base.skeleton import BODY_HAND_NAMES, BODY_HAND_PARENTS, NUM_JOINTS, SMPL_JOINT_NAMES
from ..rig.bones import BoneMatchError, canonical_key, match_smpl_bones
from .preset_schema import PRESET_MAX_BYTES, Preset, PresetError, load_preset

__all__ = ["PRESET_DIR", "PRESET_MAX_BYTES", "Preset", "MapEntry", "BoneMapping", "PresetError", "normalize_name", "load_preset",
           "save_preset", "shipped_presets", "apply_preset", "auto_map", "joint_of_bone"]

PRESET_DIR = Path(__file__).with_name("presets")
_NAMESPACE = re.compile(r"^.*[:|]")
_JOINT = {n: i for i, n in enumerate(BODY_HAND_NAMES)}  # SMPL's 24, then SMPL-H's 30 finger joints


@dataclass
class MapEntry:
    """Target ``bone`` ← SMPL ``joint`` (a name of BODY_HAND_NAMES: SMPL's joints or SMPL-H's finger joints),
    ``confidence`` in [0, 1], ``how``."""

    bone: str
    joint: str
    confidence: float = 1.0
    how: str = "manual"


@dataclass
class BoneMapping:
    """``entries``, the ``family`` (preset name or "generic") and rig ``properties`` to set before keying."""

    entries: list[MapEntry]
    family: str = "generic"
    properties: dict[str, dict[str, float]] = field(default_factory=dict)

    def bone_for(self, joint: str) -> str | None:
        return next((e.bone for e in self.entries if e.joint == joint), None)

    def rig_bones(self) -> dict[str, str] | None:
        """The feet/root-motion bone fields (``settings.RigBones``: hips_bone, left_upper … right_toe) of
        the retargeted rig, or None unless the pelvis and both whole legs (hip, knee, ankle, toe) are mapped."""
        parts = {"upper": "hip", "lower": "knee", "foot": "ankle", "toe": "foot"}
        out = {"hips_bone": self.bone_for("pelvis")}
        out.update({f"{s}_{p}": self.bone_for(f"{s}_{j}") for s in ("left", "right") for p, j in parts.items()})
        return out if all(out.values()) else None


def normalize_name(name: str) -> str:
    """'mixamorig7:LeftArm' → 'leftarm'; 'Armature|Hips' → 'hips'."""
    return _NAMESPACE.sub("", name.strip()).lower()


def save_preset(path: str | Path, mapping: BoneMapping, name: str | None = None) -> Path:
    """Write ``mapping`` as a preset (first bone per joint under "bones", the rest under "also");
    atomic: an existing file is replaced whole or not at all."""
    bones: dict[str, list[str]] = {}
    also: dict[str, str] = {}
    for e in mapping.entries:
        if e.joint in bones:
            also[e.bone] = e.joint
        else:
            bones[e.joint] = [e.bone]
    d = {"name": name or Path(path).stem, "description": f"saved from a {mapping.family} mapping",
         "bones": bones, "also": also, "properties": mapping.properties}
    path = Path(path)
    text = json.dumps(d, indent=1, ensure_ascii=False) + "\n"
    atomic_write(path, lambda fh: fh.write(text.encode("utf-8")))
    return path


def shipped_presets() -> dict[str, Preset]:
    """The presets in ``retarget/presets/`` by name (mixamo, rigify, unreal, unity)."""
    return {p.name: p for p in (load_preset(f) for f in sorted(PRESET_DIR.glob("*.json")))}


#: Blender's suffix for a copied bone's name ('Hips' → 'Hips.001').
_DUPLICATE = re.compile(r"\.\d{3}$")
#: Confidence factor when a second bone answers to the same name: inside the rig's main hierarchy too
#: (ambiguous), or outside it (a decoy, e.g. an unparented ``Hips`` beside ``mixamorig:Hips``).
RIVAL_IN_HIERARCHY, RIVAL_OUTSIDE = 0.5, 0.8


def _hierarchy(parents, n: int) -> tuple[set[int], list[int]]:
    """(bones of the rig's main hierarchy — the connected tree with the most bones —, descendants per bone)."""
    if parents is None:
        return set(range(n)), [0] * n
    parents = [int(p) for p in parents]
    size = [0] * n
    root = list(range(n))
    for i in range(n):  # walk up from each bone (cycles cut off after n steps)
        a, steps = parents[i], 0
        while 0 <= a < n and steps < n:
            size[a] += 1
            root[i] = a
            a, steps = parents[a], steps + 1
    members: dict[int, set[int]] = {}
    for i in range(n):
        members.setdefault(root[i], set()).add(i)
    main = max(members.values(), key=len) if members else set()
    return main, size


def _ancestors(parents, i: int) -> list[int]:
    """Bone ``i``'s ancestors, nearest first (cycles cut off)."""
    out: list[int] = []
    a = int(parents[i]) if parents is not None else -1
    while 0 <= a < len(parents) and a not in out and a != i:
        out.append(a)
        a = int(parents[a])
    return out


@dataclass
class _Rig:
    """A rig's bones for candidate ranking: ``lookup`` (normalized name → bones, best first), ``main`` (names in
    the main hierarchy), ``ancestors`` (name → its ancestors' names) and ``size`` (name → descendants)."""

    lookup: dict[str, list[str]]
    main: set[str]
    ancestors: dict[str, set[str]]
    depth: dict[str, int]
    size: dict[str, int]

    def role_key(self, below: list[str]):
        """Sort key for candidates of one joint whose SMPL child joints already have the bones ``below``: the
        bone above most of them wins (the real hips root both legs and the spine; a decoy hung under a hand or a
        leaf roots none), the nearest such ancestor first (a decoy parent above the real hips loses)."""
        def key(b: str):
            n = sum(1 for c in below if b in self.ancestors.get(c, ()))
            return (b not in self.main, -n, -self.depth[b] if n else 0, -self.size[b])
        return key


def _ranked_lookup(bone_names: list[str], parents, norm=normalize_name) -> _Rig:
    """The rig's bones grouped by ``norm(name)``, best first (in the main hierarchy, then most descendants)."""
    main, size = _hierarchy(parents, len(bone_names))
    anc = [_ancestors(parents, i) if parents is not None else [] for i in range(len(bone_names))]
    groups: dict[str, list[int]] = {}
    for i, n in enumerate(bone_names):
        groups.setdefault(norm(n), []).append(i)
    # A copy renamed by Blender ('Hips.001') in the hierarchy answers to 'Hips' too unless it hangs below a bone
    # of that name: when a decoy took the name — hung anywhere, or wrapped around the real bone as its only parent
    # — the real bone is the copy. Below a bone of its name in any other way, the copy is that bone's own part: a
    # branch of it (Rigify's 'spine.001' below 'spine', which also holds the thighs) or further down its chain
    # (Rigify's finger-tip control 'f_index.01.L.001' below 'f_index.03.L', below 'f_index.01.L').
    children = [0] * len(bone_names)
    for p in (parents if parents is not None else []):
        if 0 <= int(p) < len(bone_names):
            children[int(p)] += 1
    for i, n in enumerate(bone_names):
        base = norm(_DUPLICATE.sub("", n.strip()))
        if i in main and base != norm(n) and base in groups and \
                all(a == anc[i][0] and children[a] == 1 for a in set(anc[i]) & set(groups[base])):
            groups[base].append(i)
    ranked = {k: [bone_names[i] for i in sorted(v, key=lambda i: (i not in main, -size[i], i))]
              for k, v in groups.items()}
    return _Rig(ranked, {bone_names[i] for i in main},
                {bone_names[i]: {bone_names[a] for a in anc[i]} for i in range(len(bone_names))},
                {bone_names[i]: len(anc[i]) for i in range(len(bone_names))},
                {bone_names[i]: size[i] for i in range(len(bone_names))})


def _pick(candidates: list[str], lookup: dict[str, list[str]], main: set[str], used: set[str], key=None
          ) -> tuple[str, float, str] | None:
    """The best unused bone for the first candidate name present (re-ranked by ``key`` if given): (bone,
    confidence factor, note naming a second bone of that name, if any)."""
    for c in candidates:
        free = [b for b in lookup.get(normalize_name(c), []) if b not in used]
        if not free:
            continue
        if key is not None:
            free.sort(key=key)
        bone, rivals = free[0], free[1:]
        if not rivals:
            return bone, 1.0, ""
        inside = [r for r in rivals if r in main]
        factor = RIVAL_IN_HIERARCHY if inside or bone not in main else RIVAL_OUTSIDE
        where = "also in the rig's hierarchy" if inside or bone not in main else "outside the rig's hierarchy"
        return bone, factor, f"; 2nd candidate '{rivals[0]}' ({where})"
    return None


def apply_preset(preset: Preset, bone_names: list[str], parents=None) -> BoneMapping:
    """Resolve ``preset`` against an armature's bones (``parents``: index per bone, -1 for roots; None: unknown).
    Joints are resolved deepest first so a shared candidate (UE4 'spine_03' listed for spine2 and spine3) goes
    to the deeper joint. Where two bones answer to a name (``mixamorig:Hips`` and an unparented ``Hips``), the
    one in the rig's main hierarchy wins and the entry's confidence drops (:data:`RIVAL_OUTSIDE`,
    :data:`RIVAL_IN_HIERARCHY`), its ``how`` naming the other."""
    rig = _ranked_lookup(list(bone_names), parents)
    lookup, main = rig.lookup, rig.main
    used: set[str] = set()
    entries = []
    for joint in sorted(preset.bones, key=lambda j: -_JOINT[j]):   # children before parents: roles are known
        below = [e.bone for e in entries if BODY_HAND_PARENTS[_JOINT[e.joint]] == _JOINT[joint]]
        found = _pick(preset.bones[joint], lookup, main, used, rig.role_key(below))
        if found is not None:
            used.add(found[0])
            entries.append(MapEntry(found[0], joint, found[1], f"preset {preset.name}{found[2]}"))
    for bone, joint in preset.also.items():
        found = _pick([bone], lookup, main, used)
        if found is not None:
            entries.append(MapEntry(found[0], joint, found[1], f"preset {preset.name}{found[2]}"))
    entries.sort(key=lambda e: _JOINT[e.joint])
    props = {lookup[normalize_name(b)][0]: p for b, p in preset.properties.items() if normalize_name(b) in lookup}
    return BoneMapping(entries, preset.name, props)


# body-part words (canonical_key without the side) per SMPL joint; later words only when earlier fail
_WORDS = {
    "pelvis": ["pelvis", "hips", "hip"], "neck": ["neck", "neck 1", "neck 01"], "head": ["head"],
    "shoulder": ["upper arm", "upperarm", "arm", "shoulder"],
    "collar": ["clavicle", "collar", "collarbone", "shoulder"],
    "elbow": ["forearm", "fore arm", "lower arm", "lowerarm", "elbow"], "wrist": ["hand", "wrist"],
    "hip": ["thigh", "up leg", "upper leg", "upperleg", "hip"], "knee": ["shin", "calf", "lower leg", "lowerleg",
                                                                         "knee", "leg"],
    "ankle": ["foot", "ankle"], "foot": ["toe", "toes", "toe base", "ball"],
}
#: the pelvis last: its role (the bone above both thighs) is known by then; no other joint takes its words
_WORD_ORDER = ["neck", "head", "shoulder", "collar", "elbow", "wrist", "hip", "knee", "ankle", "foot", "pelvis"]


def _word_matches(names: list[str], parents, used: set[str]) -> list[MapEntry]:
    rig = _ranked_lookup(names, parents, canonical_key)
    out = []
    for part in _WORD_ORDER:
        for side in (("",) if part in ("pelvis", "neck", "head") else ("left", "right")):
            joint = f"{side}_{part}" if side else part
            below = [e.bone for e in out if BODY_HAND_PARENTS[_JOINT[e.joint]] == _JOINT[joint]]
            for w in _WORDS[part]:
                found = _pick([f"{side} {w}".strip()], rig.lookup, rig.main, used, rig.role_key(below))
                if found is not None:
                    used.add(found[0])
                    out.append(MapEntry(found[0], joint, 0.7 * found[1], f"name '{w}'{found[2]}"))
                    break
    return out


def _spine_chain(names: list[str], parents, entries: list[MapEntry], used: set[str]) -> list[MapEntry]:
    """Spine bones between the pelvis and neck (or head) bones, spread over spine1-3."""
    have = {e.joint: e.bone for e in entries}
    top = have.get("neck") or have.get("head")
    if "pelvis" not in have or top is None or any(j in have for j in ("spine1", "spine2", "spine3")):
        return []
    index = {n: i for i, n in enumerate(names)}
    chain, i = [], parents[index[top]]
    while i >= 0 and names[i] != have["pelvis"]:
        chain.append(names[i])
        i = parents[i]
    if i < 0 or not chain:
        return []
    chain = [b for b in chain[::-1] if b not in used]
    n = len(chain)
    picks = {1: {"spine1": 0}, 2: {"spine1": 0, "spine3": 1}}.get(
        n, dict(zip(("spine1", "spine2", "spine3"), np.round(np.linspace(0, n - 1, 3)).astype(int))))
    return [MapEntry(chain[k], j, 0.6, "spine chain") for j, k in picks.items()]


def _check_hierarchy(entries: list[MapEntry], names: list[str], parents) -> None:
    """Halve the confidence of guessed entries (not from a preset) whose bone is not below the bone(s) of
    the nearest mapped SMPL ancestor joint."""
    index = {n: i for i, n in enumerate(names)}
    bones_of: dict[str, set[int]] = {}
    for e in entries:
        bones_of.setdefault(e.joint, set()).add(index[e.bone])
    for e in entries:
        if e.how.startswith("preset "):
            continue
        a = BODY_HAND_PARENTS[_JOINT[e.joint]]
        while a >= 0 and BODY_HAND_NAMES[a] not in bones_of:
            a = BODY_HAND_PARENTS[a]
        if a < 0:
            continue
        anc, i = set(), parents[index[e.bone]]
        while i >= 0:
            anc.add(i)
            i = parents[i]
        if not anc & bones_of[BODY_HAND_NAMES[a]]:
            e.confidence *= 0.5
            e.how += " (hierarchy disagrees)"


def auto_map(bone_names: list[str], parents, min_coverage: float = 0.6) -> BoneMapping:
    """Map an armature's bones (``parents``: index per bone, -1 for roots) to SMPL joints.

    Uses the shipped preset that resolves the largest share (≥ ``min_coverage``) of its body joints (a rig
    without fingers is still its family's), then fills the joints still free from names and hierarchy; see the
    module docstring for confidences. Finger bones come from the preset and from SMPL-H names
    (``left_index1`` …, e.g. an imported armature)."""
    names = list(bone_names)
    best, best_cov = None, 0.0
    for preset in shipped_presets().values():
        m = apply_preset(preset, names, parents)
        wanted = sum(1 for j, c in preset.bones.items() if c and _JOINT[j] < NUM_JOINTS)
        cov = len({e.joint for e in m.entries if _JOINT[e.joint] < NUM_JOINTS}) / max(wanted, 1)
        if cov > best_cov:
            best, best_cov = m, cov
    mapping = best if best is not None and best_cov >= min_coverage else BoneMapping([], "generic")
    used = {e.bone for e in mapping.entries}
    have = {e.joint for e in mapping.entries}
    if mapping.family == "generic":          # an SMPL-named rig (all 24 joints, any spelling)
        try:
            mapping.entries = [MapEntry(b, j, 0.9, "SMPL name")
                               for b, j in zip(match_smpl_bones(names), SMPL_JOINT_NAMES)]
        except BoneMatchError:
            pass
        used = {e.bone for e in mapping.entries}
        have = {e.joint for e in mapping.entries}
    mapping.entries += [e for e in _word_matches(names, list(parents), set(used)) if e.joint not in have]
    lookup = {normalize_name(n): n for n in names}       # SMPL-H finger names (an imported armature's)
    have = {e.joint for e in mapping.entries}
    used = {e.bone for e in mapping.entries}
    mapping.entries += [MapEntry(lookup[j], j, 0.9, "SMPL-H name") for j in BODY_HAND_NAMES[NUM_JOINTS:]
                        if j not in have and j in lookup and lookup[j] not in used]
    used |= {e.bone for e in mapping.entries}
    mapping.entries += _spine_chain(names, list(parents), mapping.entries, used)
    mapping.entries.sort(key=lambda e: _JOINT[e.joint])
    _check_hierarchy(mapping.entries, names, list(parents))
    return mapping


def joint_of_bone(mapping: BoneMapping, bone_names: list[str]) -> np.ndarray:
    """(N,) SMPL joint index per bone of ``bone_names`` (-1: unmapped). Raises ValueError naming
    bones that the armature lacks or that appear twice in the mapping."""
    index = {n: i for i, n in enumerate(bone_names)}
    out = np.full(len(bone_names), -1, np.int64)
    missing = [e.bone for e in mapping.entries if e.bone not in index]
    if missing:
        raise ValueError(f"the armature has no bone(s) {', '.join(missing)} named in the mapping; "
                         "run Auto-map or fix the names")
    for e in mapping.entries:
        if e.joint not in _JOINT:
            raise ValueError(f"'{e.joint}' (for bone {e.bone}) is not an SMPL joint name")
        if out[index[e.bone]] >= 0:
            raise ValueError(f"bone '{e.bone}' is mapped twice; a bone takes one SMPL joint")
        out[index[e.bone]] = _JOINT[e.joint]
    return out
