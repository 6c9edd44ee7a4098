"""The main HKMR sidebar panel (3D view, N panel, tab "HKMR"): import, Motion from Video, bake, batch export.
It draws the rooms' operators, so it stands above them; each room's sub-panel hangs under it by id
(:mod:`.ui.sidebar`)."""
from __future__ import annotations

import bpy

from .bake.operators import HKMR_OT_bake
from .export.operators import HKMR_OT_export_batch
from .importing.operators import HKMR_OT_import_motion
from .importing.settings import ImportSettings
from .video.operators import HKMR_OT_motion_from_video
from .ui.properties import draw_settings
from .ui.sidebar import MAIN_PANEL_ID, SidebarPanel

__all__ = ["HKMR_PT_motion", "CLASSES"]


class HKMR_PT_motion(SidebarPanel, bpy.types.Panel):
    bl_label = "HKMR Motion"
    bl_idname = MAIN_PANEL_ID

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
