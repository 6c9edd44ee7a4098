"""3D-view sidebar panel (N panel, tab "HKMR")."""
from __future__ import annotations

import bpy

from ..bake.operators import HKMR_OT_bake
from ..export.operators import HKMR_OT_export_batch
from ..importing.operators import HKMR_OT_import_motion
from ..importing.settings import ImportSettings
from ..video.operators import HKMR_OT_motion_from_video
from .properties import draw_settings

__all__ = ["HKMR_PT_motion", "CLASSES"]


class HKMR_PT_motion(bpy.types.Panel):
    bl_label = "HKMR Motion"
    bl_idname = "HKMR_PT_motion"
    bl_space_type = "VIEW_3D"
    bl_region_type = "UI"
    bl_category = "HKMR"

    def draw(self, context):
        s = context.scene.hkmr
        layout = self.layout
        box = layout.box()
        box.label(text="Import", icon="IMPORT")
        draw_settings(box, s, ImportSettings)
        box.operator(HKMR_OT_import_motion.bl_idname, text="Import Motion…")
        box.operator(HKMR_OT_motion_from_video.bl_idname, text="Motion from Video…", icon="FILE_MOVIE")
        box = layout.box()
        box.label(text="Bake", icon="ACTION")
        box.prop(s, "bake_target")
        box.prop(s, "bake_smooth")
        box.operator(HKMR_OT_bake.bl_idname)
        box = layout.box()
        box.label(text="Batch export", icon="EXPORT")
        box.prop(s, "export_dir")
        row = box.row()
        row.prop(s, "export_preset", text="")
        row.prop(s, "export_format", text="")
        box.operator(HKMR_OT_export_batch.bl_idname, text="Export Motion Files…")


CLASSES = (HKMR_PT_motion,)
