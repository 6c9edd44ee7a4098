"""Scene settings for feet, root motion and clips (``scene.hkmr_clip``), turned into the plain dataclasses
:class:`.feet.FootSettings`, :class:`.root_motion.RootSettings` and :class:`.clips.ClipSettings` that the
importer and the operators hand to plain functions."""
from __future__ import annotations

import bpy
from bpy.props import BoolProperty, EnumProperty, FloatProperty, IntProperty, StringProperty

from .clips import ClipSettings
from .feet import FootSettings, LegChain
from .root_motion import RootSettings

__all__ = ["HKMRClipSettings", "foot_settings", "root_settings", "clip_settings", "leg_chains",
           "draw_clip_settings", "LEG_FIELDS"]

LEG_FIELDS = tuple(f"{side}_{part}" for side in ("left", "right") for part in ("upper", "lower", "foot", "toe"))
_DEF = FootSettings()
_ROOT = RootSettings()


class HKMRClipSettings(bpy.types.PropertyGroup):
    pin_feet: BoolProperty(name="Pin planted feet", default=_DEF.pin,
                           description="Hold each foot still while it is on the ground (two-bone IK on the leg)")
    foot_contacts: EnumProperty(name="Contacts", default=_DEF.contacts, items=[
        ("file", "From file", "The motion file's foot-contact flags; detected from the motion when it has none"),
        ("detect", "Detect", "Detect contacts from the animation (ankle low and slow)")])
    height_tol: FloatProperty(name="Height tolerance", default=_DEF.height_tol, min=0.0, max=0.5, unit="LENGTH",
                              description="A joint this close to its lowest height can touch the ground")
    speed_tol: FloatProperty(name="Speed tolerance", default=_DEF.speed_tol, min=0.0, max=5.0,
                             description="Metres per second below which a low foot counts as planted")
    blend_frames: IntProperty(name="Blend frames", default=_DEF.blend_frames, min=0, max=30,
                              description="Frames to ease the pin in before and out after each contact")
    max_hip_drop: FloatProperty(name="Max hips drop", default=_DEF.max_hip_drop, min=0.0, max=0.5, unit="LENGTH",
                                description="How far the hips may be lowered so a pinned foot stays in reach")
    root_mode: EnumProperty(name="Root motion", default=_ROOT.mode, items=[
        ("world", "World", "Keep the path as estimated"),
        ("in_place", "In place", "Remove horizontal travel from the hips; height and heading stay"),
        ("root_motion", "Root bone", "A root bone on the floor carries travel and heading (Unreal, Unity)")])
    root_bone: StringProperty(name="Root bone", default=_ROOT.root_bone,
                              description="Root bone above the hips (added to an SMPL armature when missing)")
    root_heading: BoolProperty(name="Root turns", default=_ROOT.heading,
                               description="The root bone also carries the heading (yaw)")
    root_smooth: FloatProperty(name="Path smoothing", default=_ROOT.smooth, min=0.0, max=5.0, unit="TIME_ABSOLUTE",
                               description="Seconds of Gaussian smoothing of the root's path (0: the hips' path)")
    ground: BoolProperty(name="Feet on the floor", default=_ROOT.ground,
                         description="Move the clip so its lowest foot point touches z = 0")
    rest_frame: BoolProperty(name="Rest frame", default=_ROOT.rest_frame,
                             description="Add a rest-pose (T-pose) key one frame before the clip")
    nla: BoolProperty(name="NLA strip", default=ClipSettings().nla,
                      description="Push each imported clip onto the 'HKMR clips' NLA track")
    hips_bone: StringProperty(name="Hips", default="", description="Hips bone (empty: the SMPL-named pelvis)")
    left_upper: StringProperty(name="Left thigh", default="")
    left_lower: StringProperty(name="Left shin", default="")
    left_foot: StringProperty(name="Left foot", default="")
    left_toe: StringProperty(name="Left toe", default="")
    right_upper: StringProperty(name="Right thigh", default="")
    right_lower: StringProperty(name="Right shin", default="")
    right_foot: StringProperty(name="Right foot", default="")
    right_toe: StringProperty(name="Right toe", default="")


def foot_settings(s) -> FootSettings:
    return FootSettings(pin=s.pin_feet, contacts=s.foot_contacts, height_tol=s.height_tol, speed_tol=s.speed_tol,
                        blend_frames=s.blend_frames, max_hip_drop=s.max_hip_drop)


def root_settings(s) -> RootSettings:
    return RootSettings(mode=s.root_mode, root_bone=s.root_bone or "root", heading=s.root_heading,
                        smooth=s.root_smooth, ground=s.ground, rest_frame=s.rest_frame)


def clip_settings(s) -> ClipSettings:
    return ClipSettings(nla=s.nla)


def leg_chains(s):
    """The leg chains typed in the panel, or None when all are empty (SMPL-named bones are then used).
    Raises ValueError naming the empty fields when only some are set."""
    names = [getattr(s, f) for f in LEG_FIELDS]
    if not any(names):
        return None
    empty = [f for f, n in zip(LEG_FIELDS, names) if not n]
    if empty:
        raise ValueError(f"set every leg bone or none (empty: {', '.join(empty)})")
    return LegChain(*names[:4]), LegChain(*names[4:])


_SECTIONS = (("pin_feet", ("foot_contacts", "height_tol", "speed_tol", "blend_frames", "max_hip_drop")),
             ("root_mode", ("root_bone", "root_heading")), (None, ("root_smooth", "ground", "rest_frame", "nla")))


def draw_clip_settings(layout, s, rig=None) -> None:
    """Feet, root motion and clip options; with ``rig`` (an armature) also the leg/hips bone fields."""
    col = layout.column()
    for switch, names in _SECTIONS:
        sub = col
        if switch is not None:
            col.prop(s, switch)
            sub = col.column()
            sub.enabled = bool(getattr(s, switch)) if switch == "pin_feet" else s.root_mode == "root_motion"
        for name in names:
            sub.prop(s, name)
    if rig is not None and rig.type == "ARMATURE":
        box = layout.box()
        box.label(text="Bones (empty: SMPL names)")
        for name in ("hips_bone", *LEG_FIELDS):
            box.prop_search(s, name, rig.data, "bones")
