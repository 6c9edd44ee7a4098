"""Import Motion Clips (thin bpy layer): several motion files onto one armature, one action per file."""
from __future__ import annotations

import dataclasses
import os

import bpy
from bpy.props import CollectionProperty, StringProperty
from bpy_extras.io_utils import ImportHelper

from ..feet.settings import RigBones
from ..importing.importer import HKMRImportError, import_clips
from ..ui.properties import CLIP_SETTINGS, draw_settings, import_settings

__all__ = ["HKMR_OT_import_clips", "draw_clip_settings", "CLASSES"]


def draw_clip_settings(layout, s, rig=None) -> None:
    """Feet, root motion and clip options; with ``rig`` (an armature) also the hips/leg bone fields."""
    for cls in CLIP_SETTINGS:
        draw_settings(layout, s, cls)
    if rig is not None and rig.type == "ARMATURE":
        box = layout.box()
        box.label(text=f"Bones of '{rig.name}' (empty: from its mapping, else SMPL names)")
        for f in dataclasses.fields(RigBones):
            box.prop_search(rig.data.hkmr_bones, f.name, rig.data, "bones")


class HKMR_OT_import_clips(bpy.types.Operator, ImportHelper):
    """Import several motion files onto one armature: one action per file (named after it), optional NLA strips"""

    bl_idname = "hkmr.import_clips"
    bl_label = "Import Motion Clips"
    bl_options = {"REGISTER", "UNDO"}

    filter_glob: StringProperty(default="*.npz;*.smpl", options={"HIDDEN"})
    files: CollectionProperty(type=bpy.types.OperatorFileListElement, options={"HIDDEN", "SKIP_SAVE"})
    directory: StringProperty(subtype="DIR_PATH", options={"HIDDEN", "SKIP_SAVE"})

    def draw(self, context):
        draw_clip_settings(self.layout, context.scene.hkmr)

    def execute(self, context):
        names = sorted(f.name for f in self.files if f.name) or [os.path.basename(self.filepath)]
        paths = [os.path.join(self.directory or os.path.dirname(self.filepath), n) for n in names]
        try:
            results = import_clips(context, paths, import_settings(context))
        except HKMRImportError as exc:
            self.report({"ERROR"}, str(exc))
            return {"CANCELLED"}
        for r in results:
            for w in r.warnings:
                self.report({"WARNING"}, f"{r.action.name}: {w}")
            if r.timing:
                self.report({"INFO"}, f"{r.action.name}: {r.timing}")
        self.report({"INFO"}, f"Imported {len(results)} clip(s) onto '{results[0].armature.name}'")
        return {"FINISHED"}


CLASSES = (HKMR_OT_import_clips,)
