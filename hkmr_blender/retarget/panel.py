"""Retarget section of the HKMR sidebar (a sub-panel of ``HKMR_PT_motion``) and the mapping UIList."""
from __future__ import annotations

import bpy

from ..ui.sidebar import SubPanel
from .mapping import shipped_presets
from .operators import (HKMR_OT_retarget, HKMR_OT_retarget_auto_map, HKMR_OT_retarget_load_preset,
                        HKMR_OT_retarget_map_edit, HKMR_OT_retarget_save_preset)
from .props import linked_map, target_map, wrong_pick

__all__ = ["HKMR_UL_bone_map", "HKMR_PT_retarget", "CLASSES"]

LOW_CONFIDENCE = 0.75


class HKMR_UL_bone_map(bpy.types.UIList):
    """One row per mapped bone: target bone (searchable), SMPL joint, confidence (red when low)."""

    def draw_item(self, context, layout, _data, item, _icon, _active_data, _active_propname, _index=0,
                  _flt_flag=0):
        row = layout.row(align=True)
        row.prop_search(item, "bone", item.id_data, "bones", text="")   # the armature that owns the mapping
        row.prop(item, "joint", text="")
        sub = row.row()
        sub.alert = item.confidence < LOW_CONFIDENCE
        sub.label(text=f"{item.confidence:.2f}")


class HKMR_PT_retarget(SubPanel, bpy.types.Panel):
    """Sub-panel of the main HKMR panel (:class:`..ui.sidebar.SubPanel`)."""

    bl_label = "Retarget"
    bl_idname = "HKMR_PT_retarget"

    def draw(self, context):
        s = context.scene.hkmr_retarget
        layout = self.layout
        col = layout.column()
        col.prop(s, "source")
        col.prop(s, "target")
        wrong = wrong_pick(s)       # the pickers list armatures only; a script can set any object
        if wrong:
            box = col.box()
            box.alert = True
            what, fix = wrong.split(": ", 1)     # two lines: a sidebar label does not wrap
            box.label(text=what, icon="ERROR")
            box.label(text=fix[0].upper() + fix[1:], icon="BLANK1")
        row = layout.row(align=True)
        row.operator(HKMR_OT_retarget_auto_map.bl_idname, icon="AUTO")
        for name in shipped_presets():
            row.operator(HKMR_OT_retarget_load_preset.bl_idname, text=name.title()).shipped = name
        m = target_map(s)             # the Target's own mapping: each character keeps its own
        if m is None:
            layout.label(text="Mapping: choose the Target to see its bone mapping", icon="INFO")
        else:
            layout.label(text=f"Mapping of '{s.target.name}' ({m.family or 'none'}): bone · SMPL joint · confidence")
            twins = [o.name for o in context.scene.objects if o.data == m.id_data and o != s.target] \
                if m.id_data.users > 1 else []      # a linked duplicate (Alt+D) shares the armature and its mapping
            if twins:
                layout.label(text=f"Shared with {', '.join(repr(n) for n in twins)} (one armature data): an edit "
                                  f"changes both", icon="LINKED")
            linked = linked_map(m)      # a linked character's armature: its mapping lives in its own file
            if linked:
                box = layout.box()
                for i, line in enumerate(linked.split(": ")):    # a sidebar label does not wrap
                    box.label(text=line[0].upper() + line[1:], icon="ERROR" if i == 0 else "BLANK1")
            row = layout.row()
            row.template_list("HKMR_UL_bone_map", "", m, "items", m, "active_index", rows=6)
            col = row.column(align=True)
            col.operator(HKMR_OT_retarget_map_edit.bl_idname, text="", icon="ADD").action = "ADD"
            col.operator(HKMR_OT_retarget_map_edit.bl_idname, text="", icon="REMOVE").action = "REMOVE"
            if 0 <= m.active_index < len(m.items) and m.items[m.active_index].how:
                item = m.items[m.active_index]  # why this bone: preset/name/hierarchy and a 2nd candidate, if any
                layout.label(text=f"{item.bone}: {item.how}", icon="ERROR" if "2nd candidate" in item.how else "INFO")
        row = layout.row(align=True)
        row.operator(HKMR_OT_retarget_load_preset.bl_idname, text="Load…", icon="FILEBROWSER").shipped = ""
        row.operator(HKMR_OT_retarget_save_preset.bl_idname, text="Save…", icon="FILE_TICK")
        col = layout.column()
        col.prop(s, "align_rest")
        col.prop(s, "align_body")
        col.prop(s, "translation")
        sub = col.column()
        sub.enabled = s.translation
        sub.prop(s, "scale_translation")
        sub.prop(s, "keep_contacts")
        col.prop(s, "action_name")
        layout.operator(HKMR_OT_retarget.bl_idname, icon="ARMATURE_DATA")


CLASSES = (HKMR_UL_bone_map, HKMR_PT_retarget)
