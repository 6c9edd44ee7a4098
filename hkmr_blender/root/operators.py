"""Apply Root Motion (thin bpy layer): root-motion mode, ground alignment and rest frame on the active
armature's action with the panel's settings."""
from __future__ import annotations

import bpy

from ..ui.actions import ActionEdit, scene_rig_bones
from ..ui.fields import from_props
from .apply import apply_root_on_action
from .settings import RootSettings

__all__ = ["HKMR_OT_root_motion", "CLASSES"]


class HKMR_OT_root_motion(ActionEdit, bpy.types.Operator):
    """Apply the root-motion mode, ground alignment and rest frame to the active armature's action"""

    bl_idname = "hkmr.root_motion"
    bl_label = "Apply Root Motion"

    def apply(self, context, s) -> str:
        _, hips, feet = scene_rig_bones(s)
        settings = from_props(RootSettings, s)
        apply_root_on_action(context, context.active_object, settings, hips=hips, feet=feet)
        return f"Applied '{settings.root_mode}'" if settings.active else "Nothing to do (world mode)"


CLASSES = (HKMR_OT_root_motion,)
