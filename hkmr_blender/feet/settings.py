"""What the user sets for planted feet (:mod:`.pin`), and the bone names of rigs not named like SMPL."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..ui.fields import choices, ui

__all__ = ["FootSettings", "CONTACT_SOURCES", "RigBones"]


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


CONTACT_SOURCES = choices(FootSettings, "contacts")


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
