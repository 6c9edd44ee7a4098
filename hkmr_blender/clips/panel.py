"""The Clips, Feet, Root Motion sub-panel: clip import, Pin Feet, Apply Root Motion, Export Actions. Settings
live in ``scene.hkmr``: the fields of the feet/root/clip settings and the export folder, preset and format; the
active armature's ``RigBones`` (bone names for rigs not named like SMPL) in ``armature.data.hkmr_bones``."""
from __future__ import annotations

import bpy

from ..export.operators import HKMR_OT_export_actions
from ..feet.operators import HKMR_OT_pin_feet
from ..root.operators import HKMR_OT_root_motion
from ..ui.sidebar import SubPanel
from .operators import HKMR_OT_import_clips, draw_clip_settings

__all__ = ["HKMR_PT_clips", "CLASSES"]


class HKMR_PT_clips(SubPanel, bpy.types.Panel):
    """Sub-panel of the main HKMR panel (:class:`..ui.sidebar.SubPanel`)."""

    bl_label = "Clips, Feet, Root Motion"
    bl_idname = "HKMR_PT_clips"

    def draw(self, context):
        layout = self.layout
        draw_clip_settings(layout, context.scene.hkmr, context.active_object)
        layout.operator(HKMR_OT_import_clips.bl_idname, text="Import Clips…", icon="IMPORT")
        row = layout.row()
        row.operator(HKMR_OT_pin_feet.bl_idname)
        row.operator(HKMR_OT_root_motion.bl_idname)
        row = layout.row()
        row.operator(HKMR_OT_export_actions.bl_idname, icon="EXPORT")
        sub = row.row()
        sub.enabled = context.scene.hkmr.export_preset in ("unreal", "unity")
        sub.prop(context.scene.hkmr, "export_root_motion")
        s = context.scene.hkmr      # its settings live in the main panel's Batch export box: say what it will do
        layout.label(text=f"{s.export_format.upper()}, {s.export_preset.title()} preset → {s.export_dir or '(no folder)'}"
                          f" (HKMR Motion › Batch export)", icon="INFO")


CLASSES = (HKMR_PT_clips,)
