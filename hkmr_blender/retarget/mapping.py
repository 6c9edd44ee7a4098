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
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..base.atomic import atomic_write
from ..base.skeleton import SMPL_JOINT_NAMES, SMPL_PARENTS
from ..rig.bones import BoneMatchError, canonical_key, match_smpl_bones

__all__ = ["PRESET_DIR", "Preset", "MapEntry", "BoneMapping", "PresetError", "normalize_name", "load_preset",
           "save_preset", "shipped_presets", "apply_preset", "auto_map", "joint_of_bone"]

PRESET_DIR = Path(__file__).with_name("presets")
_NAMESPACE = re.compile(r"^.*[:|]")
_JOINT = {n: i for i, n in enumerate(SMPL_JOINT_NAMES)}


class PresetError(ValueError):
    """A preset file is unreadable or malformed; the message names the file and the fix."""


@dataclass
class Preset:
    name: str
    description: str = ""
    bones: dict[str, list[str]] = field(default_factory=dict)
    also: dict[str, str] = field(default_factory=dict)
    properties: dict[str, dict[str, float]] = field(default_factory=dict)


@dataclass
class MapEntry:
    """Target ``bone`` ← SMPL ``joint`` (a name of SMPL_JOINT_NAMES), ``confidence`` in [0, 1], ``how``."""

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


#: The preset schema's limits: a file larger than this is not a preset; names and lists are bounded.
PRESET_MAX_BYTES = 1 << 20
_MAX_NAME, _MAX_CANDIDATES = 256, 64
_FIX = "fix the field or save the mapping again with Save Mapping Preset"


def _field(where: str, name: str, problem: str) -> PresetError:
    return PresetError(f"{where}: field '{name}' {problem}; {_FIX}")


def _bone_name(where: str, name: str, value) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > _MAX_NAME:
        raise _field(where, name, f"must be a bone name (text, 1–{_MAX_NAME} characters), got {_short(value)}")
    return value


def _short(value) -> str:
    text = json.dumps(value) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 40 else text[:37] + "…"


def _obj(where: str, name: str, value) -> dict:
    if not isinstance(value, dict):
        raise _field(where, name, f"must be an object {{…}}, got {_short(value)}")
    return value


def _preset_from_dict(d, where: str) -> Preset:
    """The preset schema: ``{"name": str, "description": str, "bones": {SMPL joint: bone | [bones]}, "also":
    {bone: SMPL joint}, "properties": {bone: {property: finite number}}}``; anything else is refused, naming
    the file, the field and the fix."""
    if not isinstance(d, dict) or "bones" not in d:
        raise PresetError(f"{where}: not a bone-mapping preset (needs a 'bones' object: SMPL joint → bone names)")
    unknown = sorted(set(d) - {"name", "description", "bones", "also", "properties"})
    if unknown:
        raise PresetError(f"{where}: unknown field(s) {', '.join(map(repr, unknown))}; a preset has name, "
                          f"description, bones, also and properties")
    for key in ("name", "description"):
        if key in d and not isinstance(d[key], str):
            raise _field(where, key, f"must be text, got {_short(d[key])}")
    bones: dict[str, list[str]] = {}
    for joint, value in _obj(where, "bones", d["bones"]).items():
        if joint not in _JOINT:
            raise PresetError(f"{where}: unknown SMPL joint name(s) {joint}; use {', '.join(SMPL_JOINT_NAMES)}")
        names = [value] if isinstance(value, str) else value
        if not isinstance(names, list) or len(names) > _MAX_CANDIDATES:
            raise _field(where, f"bones.{joint}", f"must be a bone name or a list of up to {_MAX_CANDIDATES} bone "
                         f"names, got {_short(value)}")
        bones[joint] = [_bone_name(where, f"bones.{joint}", v) for v in names]
    also: dict[str, str] = {}
    for bone, joint in _obj(where, "also", d.get("also", {})).items():
        _bone_name(where, "also", bone)
        if joint not in _JOINT:
            raise PresetError(f"{where}: unknown SMPL joint name(s) {_short(joint)} in 'also'; use "
                              f"{', '.join(SMPL_JOINT_NAMES)}")
        also[bone] = joint
    props: dict[str, dict[str, float]] = {}
    for bone, values in _obj(where, "properties", d.get("properties", {})).items():
        _bone_name(where, "properties", bone)
        props[bone] = {}
        for key, v in _obj(where, f"properties.{bone}", values).items():
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                raise _field(where, f"properties.{bone}.{key}", f"must be a finite number, got {_short(v)}")
            props[bone][_bone_name(where, f"properties.{bone}", key)] = float(v)
    return Preset(d.get("name", Path(where).stem), d.get("description", ""), bones, also, props)


def load_preset(path: str | Path) -> Preset:
    """Read a preset JSON file; :class:`PresetError` names the file (and field) on any problem."""
    try:
        if Path(path).stat().st_size > PRESET_MAX_BYTES:
            raise PresetError(f"{path}: {Path(path).stat().st_size} bytes is too large for a bone-mapping preset "
                              f"(at most {PRESET_MAX_BYTES}); is this the right file?")
        d = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PresetError(f"cannot read bone-mapping preset {path}: {exc}") from exc
    except RecursionError:
        raise PresetError(f"{path}: nested too deeply to be a bone-mapping preset") from None
    return _preset_from_dict(d, str(path))


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


def apply_preset(preset: Preset, bone_names: list[str]) -> BoneMapping:
    """Resolve ``preset`` against an armature's bones. Joints are resolved deepest first so a shared
    candidate (UE4 'spine_03' listed for spine2 and spine3) goes to the deeper joint."""
    lookup = {normalize_name(n): n for n in bone_names}
    used: set[str] = set()
    entries = []
    for joint in sorted(preset.bones, key=lambda j: -_JOINT[j]):
        bone = next((lookup[normalize_name(c)] for c in preset.bones[joint]
                     if normalize_name(c) in lookup and lookup[normalize_name(c)] not in used), None)
        if bone is not None:
            used.add(bone)
            entries.append(MapEntry(bone, joint, 1.0, f"preset {preset.name}"))
    for bone, joint in preset.also.items():
        if normalize_name(bone) in lookup and lookup[normalize_name(bone)] not in used:
            entries.append(MapEntry(lookup[normalize_name(bone)], joint, 1.0, f"preset {preset.name}"))
    entries.sort(key=lambda e: _JOINT[e.joint])
    props = {lookup[normalize_name(b)]: p for b, p in preset.properties.items() if normalize_name(b) in lookup}
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
_WORD_ORDER = ["pelvis", "neck", "head", "shoulder", "collar", "elbow", "wrist", "hip", "knee", "ankle", "foot"]


def _word_matches(names: list[str], used: set[str]) -> list[MapEntry]:
    keys = {}
    for n in names:
        keys.setdefault(canonical_key(n), n)
    out = []
    for part in _WORD_ORDER:
        for side in (("",) if part in ("pelvis", "neck", "head") else ("left", "right")):
            joint = f"{side}_{part}" if side else part
            for w in _WORDS[part]:
                bone = keys.get(f"{side} {w}".strip())
                if bone is not None and bone not in used:
                    used.add(bone)
                    out.append(MapEntry(bone, joint, 0.7, f"name '{w}'"))
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
        a = SMPL_PARENTS[_JOINT[e.joint]]
        while a >= 0 and SMPL_JOINT_NAMES[a] not in bones_of:
            a = SMPL_PARENTS[a]
        if a < 0:
            continue
        anc, i = set(), parents[index[e.bone]]
        while i >= 0:
            anc.add(i)
            i = parents[i]
        if not anc & bones_of[SMPL_JOINT_NAMES[a]]:
            e.confidence *= 0.5
            e.how += " (hierarchy disagrees)"


def auto_map(bone_names: list[str], parents, min_coverage: float = 0.6) -> BoneMapping:
    """Map an armature's bones (``parents``: index per bone, -1 for roots) to SMPL joints.

    Uses the shipped preset that resolves the largest share (≥ ``min_coverage``) of its joints, then
    fills the joints still free from names and hierarchy; see the module docstring for confidences."""
    names = list(bone_names)
    best, best_cov = None, 0.0
    for preset in shipped_presets().values():
        m = apply_preset(preset, names)
        wanted = sum(1 for c in preset.bones.values() if c)
        cov = len({e.joint for e in m.entries}) / max(wanted, 1)
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
    mapping.entries += [e for e in _word_matches(names, set(used)) if e.joint not in have]
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
