"""How a field of a settings dataclass appears in the UI — the one description each room's settings use.

A field with ``metadata=ui(...)`` is shown to the user: :mod:`.properties` derives the Blender property
(``EnumProperty`` when it has ``items``, else from the default's type) and the panels draw it, so each
setting is written once, in its room's settings module. The operators turn the scene's properties back into the dataclass
(:func:`from_props`) and hand it to plain functions, the way io_scene_fbx hands ``as_keywords()`` on.
bpy-free: importable by tests and the headless batch exporter.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

__all__ = ["UI", "ui", "ui_fields", "from_props", "choices"]


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


def choices(cls, name: str) -> tuple[str, ...]:
    """The identifiers of an enum field's ``items``."""
    return tuple(i[0] for i in next(f for f in dataclasses.fields(cls) if f.name == name).metadata["ui"].items)
