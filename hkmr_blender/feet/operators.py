"""Pin Feet (thin bpy layer): pin the planted feet of the active armature's action with the panel's settings."""
from __future__ import annotations

from dataclasses import replace

import bpy

from ..ui.actions import ActionEdit, rig_bones
from ..ui.fields import from_props
from .apply import pin_feet_on_action
from .settings import FootSettings

__all__ = ["HKMR_OT_pin_feet", "CLASSES"]


class HKMR_OT_pin_feet(ActionEdit, bpy.types.Operator):
    """Pin the planted feet of the active armature's action (contacts detected from the animation)"""

    bl_idname = "hkmr.pin_feet"
    bl_label = "Pin Feet"

    def apply(self, context, s) -> str:
        settings = replace(from_props(FootSettings, s), pin_feet=True, contacts="detect")
        report = pin_feet_on_action(context.active_object, settings, chains=rig_bones(context.active_object)[0])
        mm = ", ".join(f"{b * 1000:.0f}→{a * 1000:.1f}" for b, a in zip(report.travel_before, report.travel_after))
        return f"Pinned feet; travel during contact (mm, per leg): {mm}"


CLASSES = (HKMR_OT_pin_feet,)
