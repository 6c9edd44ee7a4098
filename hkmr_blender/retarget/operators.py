"""Retarget operators (thin bpy layer): auto-map, load/save preset, add/remove a row, retarget. Each
hands the scene settings (``scene.hkmr_retarget``) and the Target's own mapping (``target.data.hkmr_map``) to the
plain functions of :mod:`.mapping` and :mod:`.apply`; errors become reports and leave the scene as it was."""
from __future__ import annotations

import bpy
from bpy.props import EnumProperty, StringProperty
from bpy_extras.io_utils import ExportHelper, ImportHelper

from .apply import not_an_armature, read_target, retarget
from .mapping import PresetError, apply_preset, auto_map, load_preset, save_preset, shipped_presets
from .props import (linked_map, mapping_from_settings, mapping_to_settings, options_from_settings, target_map,
                    wrong_pick)

__all__ = ["CLASSES"]


def _settings(context):
    return context.scene.hkmr_retarget


def _target_names(settings) -> tuple[list[str], list[int]]:
    rig, _ = read_target(settings.target)
    return rig.names, list(rig.parents)


def _report_linked(op, bone_map) -> None:
    """Warn when the mapping just made lives on an armature linked from another file (not saved with this one)."""
    said = linked_map(bone_map)
    if said:
        op.report({"WARNING"}, said)


def _report_rivals(op, mapping) -> None:
    """Warn about each mapped bone that had a second candidate of the same name (shown in the list too)."""
    for e in mapping.entries:
        if "2nd candidate" in e.how:
            op.report({"WARNING"}, f"{e.joint} → '{e.bone}' ({e.how}): check it")


class _NeedsTarget:
    @classmethod
    def poll(cls, context):
        t = context.scene.hkmr_retarget.target
        if t is not None and t.type == "ARMATURE":
            return True
        cls.poll_message_set("Choose the Target above: your character's armature" if t is None else
                             not_an_armature("target", t))
        return False


class HKMR_OT_retarget_auto_map(_NeedsTarget, bpy.types.Operator):
    """Map the target's bones to SMPL joints from their names and hierarchy (with a confidence per bone)"""

    bl_idname = "hkmr.retarget_auto_map"
    bl_label = "Auto-map Bones"
    bl_options = {"REGISTER", "UNDO"}

    def execute(self, context):
        s = _settings(context)
        try:
            names, parents = _target_names(s)
        except ValueError as exc:
            self.report({"ERROR"}, str(exc))
            return {"CANCELLED"}
        m = auto_map(names, parents)
        mapping_to_settings(target_map(s), m)
        _report_rivals(self, m)
        _report_linked(self, target_map(s))
        low = sum(e.confidence < 0.75 for e in m.entries)
        self.report({"INFO"}, f"Mapped {len(m.entries)} bones ({m.family}); {low} with low confidence: check them")
        return {"FINISHED"}


class HKMR_OT_retarget_load_preset(_NeedsTarget, bpy.types.Operator, ImportHelper):
    """Load a bone-mapping preset: a shipped one (Mixamo, Rigify, Unreal, Unity) or a JSON file"""

    bl_idname = "hkmr.retarget_load_preset"
    bl_label = "Load Mapping Preset"
    bl_options = {"REGISTER", "UNDO"}
    filename_ext = ".json"
    filter_glob: StringProperty(default="*.json", options={"HIDDEN"})
    shipped: StringProperty(name="Shipped preset", default="", options={"SKIP_SAVE"},
                            description="Name of a shipped preset (empty: choose a file)")

    def invoke(self, context, event):
        if self.shipped:
            return self.execute(context)
        return ImportHelper.invoke(self, context, event)

    def execute(self, context):
        s = _settings(context)
        try:
            preset = shipped_presets()[self.shipped] if self.shipped else load_preset(self.filepath)
            names, parents = _target_names(s)
        except (PresetError, ValueError, KeyError) as exc:
            self.report({"ERROR"}, str(exc))
            return {"CANCELLED"}
        m = apply_preset(preset, names, parents)
        mapping_to_settings(target_map(s), m)
        _report_rivals(self, m)
        _report_linked(self, target_map(s))
        self.report({"INFO"}, f"Preset '{preset.name}': {len(m.entries)} bones found on '{s.target.name}'")
        return {"FINISHED"}


class HKMR_OT_retarget_save_preset(_NeedsTarget, bpy.types.Operator, ExportHelper):
    """Save the Target's bone mapping (shown in the list) as a JSON preset"""

    bl_idname = "hkmr.retarget_save_preset"
    bl_label = "Save Mapping Preset"
    filename_ext = ".json"
    filter_glob: StringProperty(default="*.json", options={"HIDDEN"})

    def execute(self, context):
        m = mapping_from_settings(target_map(_settings(context)))
        if not m.entries:
            self.report({"ERROR"}, "the mapping is empty: run Auto-map or load a preset first")
            return {"CANCELLED"}
        try:
            path = save_preset(self.filepath, m)
        except OSError as exc:
            self.report({"ERROR"}, f"cannot write {self.filepath}: {exc}")
            return {"CANCELLED"}
        self.report({"INFO"}, f"Saved {len(m.entries)} bones to {path}")
        return {"FINISHED"}


class HKMR_OT_retarget_map_edit(_NeedsTarget, bpy.types.Operator):
    """Add a row to the bone mapping, or remove the selected one"""

    bl_idname = "hkmr.retarget_map_edit"
    bl_label = "Edit Mapping Rows"
    bl_options = {"REGISTER", "UNDO"}
    action: EnumProperty(items=[("ADD", "Add", "Add a row"), ("REMOVE", "Remove", "Remove the selected row")])

    @classmethod
    def poll(cls, context):
        if not super().poll(context):
            return False
        said = linked_map(target_map(_settings(context)))    # its rows cannot be edited here (Blender greys them)
        if said:
            cls.poll_message_set(said)
        return not said

    def execute(self, context):
        s = target_map(_settings(context))
        if self.action == "ADD":
            s.items.add().how = "manual"
            s.active_index = len(s.items) - 1
        elif 0 <= s.active_index < len(s.items):
            s.items.remove(s.active_index)
            s.active_index = min(s.active_index, len(s.items) - 1)
        return {"FINISHED"}


class HKMR_OT_retarget(bpy.types.Operator):
    """Retarget the source SMPL armature's motion onto the target rig as a new action (auto-maps first
    if the target has no mapping yet)"""

    bl_idname = "hkmr.retarget"
    bl_label = "Retarget Motion"
    bl_options = {"REGISTER", "UNDO"}

    @classmethod
    def poll(cls, context):
        s = context.scene.hkmr_retarget
        wrong = wrong_pick(s)
        if wrong:
            cls.poll_message_set(wrong)
            return False
        if s.source is not None and s.target is not None:
            return True
        cls.poll_message_set("Choose the Source (the imported SMPL armature) and the Target (your character) above")
        return False

    def execute(self, context):
        s = _settings(context)
        try:
            bone_map = target_map(s)
            if not bone_map.items:
                names, parents = _target_names(s)
                mapping_to_settings(bone_map, auto_map(names, parents))
                _report_linked(self, bone_map)
            result = retarget(context, s.source, s.target, mapping_from_settings(bone_map), options_from_settings(s),
                              name=s.action_name or None)
        except ValueError as exc:
            self.report({"ERROR"}, str(exc))
            return {"CANCELLED"}
        k = result.keys
        rig_bones = result.mapping.rig_bones()
        if rig_bones is not None:          # Pin Feet / Root Motion then work on the retargeted rig (its own fields)
            for field, bone in rig_bones.items():
                setattr(s.target.data.hkmr_bones, field, bone)
        feet = ""
        if k.ground is not None:
            g = k.ground
            mm = ", ".join(f"{b * 1000:.0f}→{a * 1000:.1f}" for b, a in zip(g.travel_before, g.travel_after))
            feet = (f"; contacts {'detected' if g.detected else 'from the file'}, planted-foot travel (mm, per leg) "
                    f"{mm}" + (f", {int(g.out_of_reach.sum())} frames out of reach" if g.out_of_reach.any() else ""))
        self.report({"INFO"}, f"Retargeted {len(k.frames)} frames onto {len(k.bones)} bones of '{s.target.name}' "
                              f"(action '{result.action.name}', hip travel × {k.translation_scale:.3f}{feet})")
        if result.kept is not None:
            self.report({"INFO"}, f"The earlier clip '{result.kept.name}' stays on '{s.target.name}' as a muted strip "
                                  f"on its NLA track 'HKMR clips': Export Actions writes it too")
        return {"FINISHED"}


CLASSES = (HKMR_OT_retarget_auto_map, HKMR_OT_retarget_load_preset, HKMR_OT_retarget_save_preset,
           HKMR_OT_retarget_map_edit, HKMR_OT_retarget)
