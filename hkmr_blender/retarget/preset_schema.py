"""The bone-mapping preset's schema (JSON from anyone; plain Python): :func:`load_preset` reads a file into a
:class:`Preset` or raises :class:`PresetError` naming the file, the field and the fix.

``{"name": str, "description": str, "bones": {SMPL joint: bone | [bones]}, "also": {bone: SMPL joint},
"properties": {bone: {property: finite number}}}`` — nothing else; names 1–256 characters, at most 64 candidate
bones per joint, files up to :data:`PRESET_MAX_BYTES`, nesting no deeper than the JSON reader allows.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from ..base.inputs import file_problem
from ..base.skeleton import BODY_HAND_NAMES, SMPL_JOINT_NAMES

__all__ = ["PRESET_MAX_BYTES", "Preset", "PresetError", "load_preset", "preset_from_dict"]

_JOINT = {n: i for i, n in enumerate(BODY_HAND_NAMES)}  # SMPL's 24, then SMPL-H's 30 finger joints


class PresetError(ValueError):
    """A preset file is unreadable or malformed; the message names the file and the fix."""


@dataclass
class Preset:
    name: str
    description: str = ""
    bones: dict[str, list[str]] = field(default_factory=dict)
    also: dict[str, str] = field(default_factory=dict)
    properties: dict[str, dict[str, float]] = field(default_factory=dict)


#: The preset schema's limits: a file larger than this is not a preset; names and lists are bounded.
PRESET_MAX_BYTES = 1 << 20
_MAX_NAME, _MAX_CANDIDATES = 256, 64
_FIX = "fix the field or save the mapping again with Save Mapping Preset"


def _field(where: str, name: str, problem: str) -> PresetError:
    return PresetError(f"{where}: field '{name}' {problem}; {_FIX}")


def _bone_name(where: str, name: str, value) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > _MAX_NAME:
        raise _field(where, name, f"must be a bone name (text, 1–{_MAX_NAME} characters), got {_short(value)}")
    try:
        value.encode("utf-8")  # a lone surrogate ("\ud800") is valid JSON but no Blender name
    except UnicodeEncodeError:
        raise _field(where, name, f"must be a bone name in valid Unicode, got {value.encode('utf-8', 'replace')!r}") \
            from None
    return value


def _short(value) -> str:
    text = json.dumps(value) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 40 else text[:37] + "…"


def _finite(v: int | float) -> bool:
    """A JSON number that fits a float and is finite (an integer of 400 digits overflows the conversion)."""
    try:
        return math.isfinite(v)
    except OverflowError:
        return False


def _obj(where: str, name: str, value) -> dict:
    if not isinstance(value, dict):
        raise _field(where, name, f"must be an object {{…}}, got {_short(value)}")
    return value


def preset_from_dict(d, where: str) -> Preset:
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
            raise PresetError(f"{where}: unknown SMPL joint name(s) {joint}; use {', '.join(SMPL_JOINT_NAMES)} or finger joints like left_index1 … right_thumb3")
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
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not _finite(v):
                raise _field(where, f"properties.{bone}.{key}", f"must be a finite number, got {_short(v)}")
            props[bone][_bone_name(where, f"properties.{bone}", key)] = float(v)
    return Preset(d.get("name", Path(where).stem), d.get("description", ""), bones, also, props)


def _unique_keys(pairs: list) -> dict:
    """json's object hook: refuse an object that names a key twice (json keeps the last one silently)."""
    d: dict = {}
    for key, value in pairs:
        if key in d:
            raise json.JSONDecodeError(f"the key {_short(key)} appears twice in one object; keep one", "", 0)
        d[key] = value
    return d


def load_preset(path: str | Path) -> Preset:
    """Read a preset JSON file; :class:`PresetError` names the file (and field) on any problem."""
    problem = file_problem(path)
    if problem is not None:   # a named pipe would block Blender's UI for ever, a device never end
        raise PresetError(f"cannot read bone-mapping preset {path}: {problem}; choose a .json preset file")
    try:
        with open(path, "rb") as fh:
            raw = fh.read(PRESET_MAX_BYTES + 1)
        if len(raw) > PRESET_MAX_BYTES:
            raise PresetError(f"{path}: {Path(path).stat().st_size} bytes is too large for a bone-mapping preset "
                              f"(at most {PRESET_MAX_BYTES}); is this the right file?")
        # utf-8-sig: a byte-order mark (Windows Notepad) is not an error; duplicate keys are (the last one would win)
        d = json.loads(raw.decode("utf-8-sig"), object_pairs_hook=_unique_keys)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PresetError(f"cannot read bone-mapping preset {path}: {exc}") from exc
    except RecursionError:
        raise PresetError(f"{path}: nested too deeply to be a bone-mapping preset") from None
    return preset_from_dict(d, str(path))


