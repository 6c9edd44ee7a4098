"""Plain settings dataclasses of the add-on, and the one description of how each field appears in the UI.

A field with ``metadata=ui(...)`` is shown to the user: :mod:`.properties` derives the Blender property
(``EnumProperty`` when it has ``items``, else from the default's type) and the panels draw it, so each
setting is written once here. The operators turn the scene's properties back into the dataclass
(:func:`from_props`) and hand it to plain functions, the way io_scene_fbx hands ``as_keywords()`` on.
bpy-free: importable by tests and the headless batch exporter.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from .clips import ClipSettings
from .feet import FootSettings
from .root_motion import RootSettings

__all__ = ["UI", "ui", "ui_fields", "from_props", "ImportSettings"]


@dataclass(frozen=True)
class UI:
    """How a setting appears in Blender: label, tooltip, enum ``items`` (identifier, label, tooltip),
    numeric bounds, and ``enabled_if`` (field name, value) when it only applies in one case."""

    name: str
    description: str = ""
    items: tuple[tuple[str, str, str], ...] = ()
    min: float | None = None
    max: float | None = None
    enabled_if: tuple[str, Any] | None = None


def ui(name: str, description: str = "", **kw) -> dict:
    """``field(metadata=ui(...))`` marks a dataclass field as a user-facing setting."""
    return {"ui": UI(name, description, **kw)}


def ui_fields(cls) -> list[dataclasses.Field]:
    """The user-facing fields of a settings dataclass, in declaration order."""
    return [f for f in dataclasses.fields(cls) if "ui" in f.metadata]


def from_props(cls, props, **extra):
    """A ``cls`` instance from a PropertyGroup (or any object) holding its user-facing fields, plus ``extra``."""
    return cls(**{f.name: getattr(props, f.name) for f in ui_fields(cls)}, **extra)


@dataclass
class ImportSettings:
    """How a motion file becomes keys. ``target``: "new" armature or the "selected" one; ``rate``:
    "resample" to the scene's frame rate (SLERP) or "set_scene" rate to the motion's; ``bad_frames``:
    "interpolate"/"skip"; ``model_path``: SMPL model file ("" = the shipped default body, if present)."""

    target: str = field(default="new", metadata=ui("Apply to", items=(
        ("new", "New armature", "Create an SMPL armature (24 bones) from the file's rest joints"),
        ("selected", "Selected armature", "Key the active SMPL armature, whatever its bones' rest orientation"))))
    create_mesh: bool = field(default=True, metadata=ui(
        "Skinned mesh", "Add a skinned body with shape keys for the betas when a mesh source exists (the file's "
        "rest mesh, the SMPL model in preferences or the shipped default body)", enabled_if=("target", "new")))
    rate: str = field(default="resample", metadata=ui("Frame rate", items=(
        ("resample", "Resample to scene", "SLERP the motion onto the scene's frame rate"),
        ("set_scene", "Set scene rate", "Change the scene's frame rate to the motion's; one key per sample"))))
    start_frame: int = field(default=1, metadata=ui("Start frame"))
    bad_frames: str = field(default="interpolate", metadata=ui("Bad frames", items=(
        ("interpolate", "Interpolate", "SLERP across invalid / low-confidence frames"),
        ("skip", "Skip", "Leave invalid / low-confidence frames without keys"))))
    min_confidence: float = field(default=0.3, metadata=ui(
        "Min confidence", "Frames below this confidence count as bad", min=0.0, max=1.0))
    set_frame_range: bool = True
    model_path: str = ""
    feet: FootSettings = field(default_factory=FootSettings)
    root: RootSettings = field(default_factory=RootSettings)
    clip: ClipSettings = field(default_factory=ClipSettings)
