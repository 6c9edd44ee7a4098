"""Batch Export Motions and Export Actions (thin bpy layer) with the panel's preset and format."""
from __future__ import annotations

import os

import bpy
from bpy.props import CollectionProperty, StringProperty
from bpy_extras.io_utils import ImportHelper

from ..root.settings import RootSettings
from ..ui.actions import armature_poll, rig_bones
from ..ui.fields import from_props
from ..ui.properties import import_settings
from .actions import export_actions
from .batch import export_batch
from .files import output_folder

__all__ = ["HKMR_OT_export_batch", "HKMR_OT_export_actions", "CLASSES"]


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
        names = [f.name for f in self.files if f.name] or [n for n in [os.path.basename(self.filepath)] if n]
        if not names:   # Accept with no file picked: was "Exported 0 clip(s) …, 0 failed" (or an output-folder complaint)
            self.report({"ERROR"}, "Batch Export Motions: no motion file chosen; pick one or more .npz/.smpl files in "
                                   "the file browser (Shift/Ctrl-click for several)")
            return {"CANCELLED"}
        inputs = [os.path.join(self.directory or os.path.dirname(self.filepath), n) for n in names]
        try:
            out_dir = output_folder(s.export_dir)
        except ValueError as exc:
            self.report({"ERROR"}, str(exc))
            return {"CANCELLED"}
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


class HKMR_OT_export_actions(bpy.types.Operator):
    """Export one file per action of the active armature (assigned + NLA strips) with the panel's preset and format"""

    bl_idname = "hkmr.export_actions"
    bl_label = "Export Actions"
    bl_options = {"REGISTER"}

    @classmethod
    def poll(cls, context):
        return armature_poll(context, cls)

    def execute(self, context):
        s = context.scene.hkmr
        try:
            out_dir = output_folder(s.export_dir)
            root = None
            if s.export_root_motion and s.export_preset in ("unreal", "unity"):
                root = from_props(RootSettings, s)
            _, hips, feet = rig_bones(context.active_object) if root is not None else (None, None, None)
            report = export_actions(context, context.active_object, out_dir, fmt=s.export_format,
                                    preset=s.export_preset, root_motion=root, hips=hips, feet=feet)
        except (ValueError, OSError) as exc:
            self.report({"ERROR"}, str(exc))
            return {"CANCELLED"}
        for name, err in report.failed:
            self.report({"WARNING"}, f"{name}: {err}")
        self.report({"INFO"} if report.ok else {"WARNING"},
                    f"Exported {len(report.done)} action(s) to {out_dir}, {len(report.failed)} failed")
        return {"FINISHED"} if report.done else {"CANCELLED"}


CLASSES = (HKMR_OT_export_batch, HKMR_OT_export_actions)
