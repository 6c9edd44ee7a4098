"""Operators (thin bpy layer): Import motion, Bake, Batch export. Errors become reports; a failed
import leaves the scene unchanged (see :mod:`.importer`)."""
from __future__ import annotations

import os

import bpy
from bpy.props import CollectionProperty, StringProperty
from bpy_extras.io_utils import ImportHelper

from .bake.apply import bake_armature
from .export.batch import export_batch
from .importing.importer import HKMRImportError, import_motion_file
from .ui.properties import draw_settings, import_settings
from .importing.settings import ImportSettings

__all__ = ["HKMR_OT_import_motion", "HKMR_OT_bake", "HKMR_OT_export_batch", "CLASSES", "menu_import"]


class HKMR_OT_import_motion(bpy.types.Operator, ImportHelper):
    """Import an SMPL motion (HKMR motion file, AMASS .npz or Meshcapade .smpl) as armature keys"""

    bl_idname = "hkmr.import_motion"
    bl_label = "Import SMPL Motion"
    bl_options = {"REGISTER", "UNDO"}

    filename_ext = ".npz"
    filter_glob: StringProperty(default="*.npz;*.smpl", options={"HIDDEN"})

    def draw(self, context):
        from .ui.properties import CLIP_SETTINGS
        for cls in (ImportSettings, *CLIP_SETTINGS):
            draw_settings(self.layout, context.scene.hkmr, cls)

    def execute(self, context):
        try:
            result = import_motion_file(context, self.filepath, import_settings(context))
        except HKMRImportError as exc:
            self.report({"ERROR"}, str(exc))
            return {"CANCELLED"}
        for w in result.warnings:
            self.report({"WARNING"}, w)
        self.report({"INFO"}, f"Imported {os.path.basename(self.filepath)}: frames "
                              f"{result.frame_start}-{result.frame_end} on '{result.armature.name}'")
        return {"FINISHED"}


class HKMR_OT_bake(bpy.types.Operator):
    """Bake the active SMPL armature's evaluated motion to clean keys (optionally onto another armature)"""

    bl_idname = "hkmr.bake"
    bl_label = "Bake SMPL Motion"
    bl_options = {"REGISTER", "UNDO"}

    @classmethod
    def poll(cls, context):
        return context.active_object is not None and context.active_object.type == "ARMATURE"

    def execute(self, context):
        s = context.scene.hkmr
        try:
            action = bake_armature(context, context.active_object, s.bake_target, smooth_sigma=s.bake_smooth)
        except ValueError as exc:
            self.report({"ERROR"}, str(exc))
            return {"CANCELLED"}
        self.report({"INFO"}, f"Baked to action '{action.name}'")
        return {"FINISHED"}


class HKMR_OT_export_batch(bpy.types.Operator, ImportHelper):
    """Export the chosen motion files, one file per clip, with the preset and format set in the HKMR panel"""

    bl_idname = "hkmr.export_batch"
    bl_label = "Batch Export Motions"
    bl_options = {"REGISTER"}

    filter_glob: StringProperty(default="*.npz;*.smpl", options={"HIDDEN"})
    files: CollectionProperty(type=bpy.types.OperatorFileListElement, options={"HIDDEN", "SKIP_SAVE"})
    directory: StringProperty(subtype="DIR_PATH", options={"HIDDEN", "SKIP_SAVE"})

    def execute(self, context):
        s = context.scene.hkmr
        names = [f.name for f in self.files if f.name] or [os.path.basename(self.filepath)]
        inputs = [os.path.join(self.directory or os.path.dirname(self.filepath), n) for n in names]
        out_dir = bpy.path.abspath(s.export_dir)
        wm = context.window_manager
        wm.progress_begin(0, len(inputs))
        try:
            report = export_batch(inputs, out_dir, s.export_preset, s.export_format,
                                  import_settings(context), progress=False, context=context)
        except (ValueError, OSError) as exc:
            self.report({"ERROR"}, str(exc))
            return {"CANCELLED"}
        finally:
            wm.progress_end()
        for src, err in report.failed:
            self.report({"WARNING"}, f"{os.path.basename(src)}: {err}")
        self.report({"INFO"} if report.ok else {"WARNING"},
                    f"Exported {len(report.done)} clip(s) to {out_dir}, {len(report.failed)} failed")
        return {"FINISHED"} if report.done else {"CANCELLED"}


def menu_import(self, _context):
    self.layout.operator(HKMR_OT_import_motion.bl_idname, text="SMPL Motion (HKMR .npz/.smpl)")


CLASSES = (HKMR_OT_import_motion, HKMR_OT_bake, HKMR_OT_export_batch)
