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

__all__ = ["UI", "ui", "ui_fields", "from_props", "FootSettings", "RootSettings", "ClipSettings", "RigBones",
           "CONTACT_SOURCES", "ROOT_MODES", "ImportSettings"]


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


def _choices(cls, name: str) -> tuple[str, ...]:
    """The identifiers of an enum field's ``items``."""
    return tuple(i[0] for i in next(f for f in dataclasses.fields(cls) if f.name == name).metadata["ui"].items)


@dataclass
class FootSettings:
    """Planted feet (:mod:`.feet`). ``pin_feet``: pin them; ``contacts``: "file" (the motion file's flags,
    detected when it has none) or "detect"; detection: a joint touches when its height above its own floor
    level (the ``floor_percentile`` of its heights over the clip) is below ``height_tol`` metres and its
    speed below ``speed_tol`` m/s; spans shorter than ``min_frames`` are dropped, gaps up to ``gap_frames``
    filled; ``blend_frames``: ease in/out outside each span; ``max_hip_drop``: metres the hips may be
    lowered where a pinned foot is out of the leg's reach (0: never)."""

    pin_feet: bool = field(default=False, metadata=ui(
        "Pin planted feet", "Hold each foot still while it is on the ground (two-bone IK on the leg)"))
    contacts: str = field(default="file", metadata=ui("Contacts", items=(
        ("file", "From file", "The motion file's foot-contact flags; detected from the motion when it has none"),
        ("detect", "Detect", "Detect contacts from the animation (ankle low and slow)")),
        enabled_if=("pin_feet", True)))
    height_tol: float = field(default=0.05, metadata=ui(
        "Height tolerance", "Metres above its lowest height at which a joint can still touch the ground",
        min=0.0, max=0.5, enabled_if=("pin_feet", True)))
    speed_tol: float = field(default=0.25, metadata=ui(
        "Speed tolerance", "Metres per second below which a low foot counts as planted", min=0.0, max=5.0,
        enabled_if=("pin_feet", True)))
    blend_frames: int = field(default=4, metadata=ui(
        "Blend frames", "Frames to ease the pin in before and out after each contact", min=0, max=30,
        enabled_if=("pin_feet", True)))
    max_hip_drop: float = field(default=0.06, metadata=ui(
        "Max hips drop", "Metres the hips may be lowered so a pinned foot stays in reach", min=0.0, max=0.5,
        enabled_if=("pin_feet", True)))
    floor_percentile: float = 5.0
    min_frames: int = 3
    gap_frames: int = 2


CONTACT_SOURCES = _choices(FootSettings, "contacts")


@dataclass
class RootSettings:
    """Root motion for engines (:mod:`.root_motion`). ``root_mode``: one of :data:`ROOT_MODES`;
    ``root_bone``: the root bone (added to an SMPL rig that lacks it in "root_motion" mode);
    ``root_heading``: the root also turns with the hips' yaw; ``root_smooth``: trajectory smoothing in
    seconds; ``ground``: move the clip so its lowest foot point over the whole clip touches z = 0 (the sole:
    the lowest foot joint minus ``sole_offset`` metres, found from the skinned mesh in Blender when one is
    bound); ``rest_frame``: add a rest-pose key one frame before the clip (T-pose for SMPL, the bind pose
    for engines' retargeters)."""

    root_mode: str = field(default="world", metadata=ui("Root motion", items=(
        ("world", "World", "Keep the path as estimated"),
        ("in_place", "In place", "Remove horizontal travel from the hips; height and heading stay"),
        ("root_motion", "Root bone", "A root bone on the floor carries travel and heading (Unreal, Unity)"))))
    root_bone: str = field(default="root", metadata=ui(
        "Root bone", "Root bone above the hips (added to an SMPL armature when missing)",
        enabled_if=("root_mode", "root_motion")))
    root_heading: bool = field(default=True, metadata=ui(
        "Root turns", "The root bone also carries the heading (yaw)", enabled_if=("root_mode", "root_motion")))
    root_smooth: float = field(default=0.0, metadata=ui(
        "Path smoothing", "Seconds of Gaussian smoothing of the root's path (0: the hips' path)", min=0.0, max=5.0))
    ground: bool = field(default=False, metadata=ui(
        "Feet on the floor", "Move the clip so its lowest foot point touches z = 0"))
    rest_frame: bool = field(default=False, metadata=ui(
        "Rest frame", "Add a rest-pose (T-pose) key one frame before the clip"))
    sole_offset: float = 0.0

    @property
    def active(self) -> bool:
        return self.root_mode != "world" or self.ground or self.rest_frame


ROOT_MODES = _choices(RootSettings, "root_mode")


@dataclass
class ClipSettings:
    """``nla``: push each imported action onto the NLA track ``clips.NLA_TRACK``."""

    nla: bool = field(default=False, metadata=ui(
        "NLA strip", "Push each imported clip onto the 'HKMR clips' NLA track"))


@dataclass
class RigBones:
    """Bones of a rig whose names are not SMPL's (e.g. after retargeting): the hips and, per leg, the bones
    whose heads are the hip, knee, ankle and toe joints. Empty: the SMPL-named bones."""

    hips_bone: str = field(default="", metadata=ui("Hips", "Hips bone (empty: the SMPL-named pelvis)"))
    left_upper: str = field(default="", metadata=ui("Left thigh"))
    left_lower: str = field(default="", metadata=ui("Left shin"))
    left_foot: str = field(default="", metadata=ui("Left foot"))
    left_toe: str = field(default="", metadata=ui("Left toe"))
    right_upper: str = field(default="", metadata=ui("Right thigh"))
    right_lower: str = field(default="", metadata=ui("Right shin"))
    right_foot: str = field(default="", metadata=ui("Right foot"))
    right_toe: str = field(default="", metadata=ui("Right toe"))


@dataclass
class ImportSettings:
    """How a motion file becomes keys. ``target``: "new" armature or the "selected" one; ``rate``:
    "resample" to the scene's frame rate (SLERP) or "set_scene" rate to the motion's; ``bad_frames``:
    "interpolate"/"skip"; ``model_path``: SMPL model file ("" = the shipped default body, if present);
    ``feet``, ``root``, ``clip``: feet pinning, root motion and NLA applied to the new action (:mod:`.clips`)."""

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
