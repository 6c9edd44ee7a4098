"""Import SMPL Motion (thin bpy layer). Errors become reports; a failed import leaves the scene unchanged
(see :mod:`.importer`)."""
from __future__ import annotations

import os

import bpy
from bpy.props import StringProperty
from bpy_extras.io_utils import ImportHelper

from ..ui.properties import CLIP_SETTINGS, draw_settings, import_settings
from .importer import HKMRImportError, import_motion_file
from .settings import ImportSettings

__all__ = ["HKMR_OT_import_motion", "menu_import", "CLASSES"]


class HKMR_OT_import_motion(bpy.types.Operator, ImportHelper):
    """Import an SMPL motion (HKMR motion file, AMASS .npz or Meshcapade .smpl) as armature keys"""

    bl_idname = "hkmr.import_motion"
    bl_label = "Import SMPL Motion"
    bl_options = {"REGISTER", "UNDO"}

    filename_ext = ".npz"
    filter_glob: StringProperty(default="*.npz;*.smpl", options={"HIDDEN"})

    def draw(self, context):
        for cls in (ImportSettings, *CLIP_SETTINGS):
            draw_settings(self.layout, context.scene.hkmr, cls)

    def execute(self, context):
        try:
            settings = import_settings(context)
            result = import_motion_file(context, self.filepath, settings)
        except HKMRImportError as exc:
            self.report({"ERROR"}, str(exc))
            return {"CANCELLED"}
        for w in result.warnings:
            self.report({"WARNING"}, w)
        timing = f"; {result.timing}" if result.timing else ""
        self.report({"INFO"}, f"Imported {os.path.basename(self.filepath)}: frames "
                              f"{result.frame_start}-{result.frame_end} on '{result.armature.name}'{timing}")
        rt = getattr(context.scene, "hkmr_retarget", None)
        if rt is not None and settings.target == "new" and rt.source != result.armature:
            rt.source = result.armature    # Retarget's Source follows the newest import (it kept the previous clip)
            self.report({"INFO"}, f"HKMR › Retarget › Source is now '{result.armature.name}'")
        return {"FINISHED"}


def menu_import(self, _context):
    self.layout.operator(HKMR_OT_import_motion.bl_idname, text="SMPL Motion (HKMR .npz/.smpl)")


CLASSES = (HKMR_OT_import_motion,)
