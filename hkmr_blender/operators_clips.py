"""Operators and sidebar sub-panel for clips (thin bpy layer): import several files onto one rig, pin feet
and apply root motion to the active armature's action, export one file per action. Settings live in
``scene.hkmr``: the fields of :class:`.settings.FootSettings`, ``RootSettings``, ``ClipSettings`` and
``RigBones`` (bone names for rigs not named like SMPL), and the export folder, preset and format."""
from __future__ import annotations

import dataclasses
import os
from dataclasses import replace

import bpy
from bpy.props import CollectionProperty, StringProperty
from bpy_extras.io_utils import ImportHelper

from .export.actions import export_actions
from .feet.pin import legs_from_bones
from .feet.apply import pin_feet_on_action
from .importing.importer import HKMRImportError, import_clips
from .ui.panel import HKMR_PT_motion
from .ui.properties import CLIP_SETTINGS, draw_settings, import_settings
from .root.apply import apply_root_on_action
from .feet.settings import FootSettings, RigBones
from .root.settings import RootSettings
from .ui.fields import from_props

__all__ = ["HKMR_OT_import_clips", "HKMR_OT_pin_feet", "HKMR_OT_root_motion", "HKMR_OT_export_actions",
           "HKMR_PT_clips", "CLASSES"]


def _armature_poll(context) -> bool:
    ob = context.active_object
    return ob is not None and ob.type == "ARMATURE"


def _rig_bones(s):
    """(leg chains or None, hips or None, foot bones or None) from the panel's bone fields."""
    bones = from_props(RigBones, s)
    legs = legs_from_bones(bones)
    feet = [b for c in legs for b in (c.foot, c.toe)] if legs else None
    return legs, bones.hips_bone or None, feet


def draw_clip_settings(layout, s, rig=None) -> None:
    """Feet, root motion and clip options; with ``rig`` (an armature) also the hips/leg bone fields."""
    for cls in CLIP_SETTINGS:
        draw_settings(layout, s, cls)
    if rig is not None and rig.type == "ARMATURE":
        box = layout.box()
        box.label(text="Bones (empty: SMPL names)")
        for f in dataclasses.fields(RigBones):
            box.prop_search(s, f.name, rig.data, "bones")


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
        self.report({"INFO"}, f"Imported {len(results)} clip(s) onto '{results[0].armature.name}'")
        return {"FINISHED"}


class _ActionEdit:
    """Operators that edit the active armature's action with the panel's settings: ``apply`` returns the
    report line; a ValueError becomes an error report."""

    bl_options = {"REGISTER", "UNDO"}

    @classmethod
    def poll(cls, context):
        return _armature_poll(context)

    def execute(self, context):
        try:
            message = self.apply(context, context.scene.hkmr)
        except ValueError as exc:
            self.report({"ERROR"}, str(exc))
            return {"CANCELLED"}
        self.report({"INFO"}, message)
        return {"FINISHED"}


class HKMR_OT_pin_feet(_ActionEdit, bpy.types.Operator):
    """Pin the planted feet of the active armature's action (contacts detected from the animation)"""

    bl_idname = "hkmr.pin_feet"
    bl_label = "Pin Feet"

    def apply(self, context, s) -> str:
        settings = replace(from_props(FootSettings, s), pin_feet=True, contacts="detect")
        report = pin_feet_on_action(context.active_object, settings, chains=_rig_bones(s)[0])
        mm = ", ".join(f"{b * 1000:.0f}→{a * 1000:.1f}" for b, a in zip(report.travel_before, report.travel_after))
        return f"Pinned feet; travel during contact (mm, per leg): {mm}"


class HKMR_OT_root_motion(_ActionEdit, bpy.types.Operator):
    """Apply the root-motion mode, ground alignment and rest frame to the active armature's action"""

    bl_idname = "hkmr.root_motion"
    bl_label = "Apply Root Motion"

    def apply(self, context, s) -> str:
        _, hips, feet = _rig_bones(s)
        settings = from_props(RootSettings, s)
        apply_root_on_action(context, context.active_object, settings, hips=hips, feet=feet)
        return f"Applied '{settings.root_mode}'" if settings.active else "Nothing to do (world mode)"


class HKMR_OT_export_actions(bpy.types.Operator):
    """Export one file per action of the active armature (assigned + NLA strips) with the panel's preset and format"""

    bl_idname = "hkmr.export_actions"
    bl_label = "Export Actions"
    bl_options = {"REGISTER"}

    @classmethod
    def poll(cls, context):
        return _armature_poll(context)

    def execute(self, context):
        s = context.scene.hkmr
        out_dir = bpy.path.abspath(s.export_dir)
        try:
            report = export_actions(context, context.active_object, out_dir, fmt=s.export_format,
                                    preset=s.export_preset)
        except (ValueError, OSError) as exc:
            self.report({"ERROR"}, str(exc))
            return {"CANCELLED"}
        for name, err in report.failed:
            self.report({"WARNING"}, f"{name}: {err}")
        self.report({"INFO"} if report.ok else {"WARNING"},
                    f"Exported {len(report.done)} action(s) to {out_dir}, {len(report.failed)} failed")
        return {"FINISHED"} if report.done else {"CANCELLED"}


class HKMR_PT_clips(bpy.types.Panel):
    """Sub-panel of :class:`.panels.HKMR_PT_motion` (same space, region and tab)."""

    bl_label = "Clips, Feet, Root Motion"
    bl_idname = "HKMR_PT_clips"
    bl_parent_id = HKMR_PT_motion.bl_idname
    bl_space_type, bl_region_type, bl_category = (HKMR_PT_motion.bl_space_type, HKMR_PT_motion.bl_region_type,
                                                  HKMR_PT_motion.bl_category)

    def draw(self, context):
        layout = self.layout
        draw_clip_settings(layout, context.scene.hkmr, context.active_object)
        layout.operator(HKMR_OT_import_clips.bl_idname, text="Import Clips…", icon="IMPORT")
        row = layout.row()
        row.operator(HKMR_OT_pin_feet.bl_idname)
        row.operator(HKMR_OT_root_motion.bl_idname)
        layout.operator(HKMR_OT_export_actions.bl_idname, icon="EXPORT")


CLASSES = (HKMR_OT_import_clips, HKMR_OT_pin_feet, HKMR_OT_root_motion, HKMR_OT_export_actions, HKMR_PT_clips)
