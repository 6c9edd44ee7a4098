"""Bake SMPL Motion (thin bpy layer): the active armature's evaluated motion → clean keys."""
from __future__ import annotations

import bpy

from ..ui.actions import armature_poll
from .apply import bake_armature

__all__ = ["HKMR_OT_bake", "CLASSES"]


class HKMR_OT_bake(bpy.types.Operator):
    """Bake the active SMPL armature's evaluated motion to clean keys (optionally onto another armature)"""

    bl_idname = "hkmr.bake"
    bl_label = "Bake SMPL Motion"
    bl_options = {"REGISTER", "UNDO"}

    @classmethod
    def poll(cls, context):
        return armature_poll(context, cls)

    def execute(self, context):
        s = context.scene.hkmr
        try:
            action = bake_armature(context, context.active_object, s.bake_target, smooth_sigma=s.bake_smooth)
        except ValueError as exc:
            self.report({"ERROR"}, str(exc))
            return {"CANCELLED"}
        self.report({"INFO"}, f"Baked to action '{action.name}'")
        return {"FINISHED"}


CLASSES = (HKMR_OT_bake,)
