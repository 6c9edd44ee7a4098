"""Shared pieces of the operators that edit the active armature's action (Pin Feet, Apply Root Motion,
Export Actions): the poll, the report-on-ValueError ``execute``, and the panel's rig bone fields."""
from __future__ import annotations

from ..feet.pin import legs_from_bones
from ..feet.settings import RigBones
from .fields import from_props, ui_fields

__all__ = ["armature_poll", "ActionEdit", "scene_rig_bones"]


def armature_poll(context, op=None) -> bool:
    """Whether the active object is an armature; if not and ``op`` (the operator class) is given, its greyed-out
    button's tooltip (and a script's error) says why: ``poll_message_set``."""
    ob = context.active_object
    if ob is not None and ob.type == "ARMATURE":
        return True
    if op is not None:
        op.poll_message_set("Select your armature first: no object is active" if ob is None else
                            f"Select your armature first: the active object '{ob.name}' is a {ob.type.lower()}")
    return False


def scene_rig_bones(s, obj=None):
    """(leg chains or None, hips or None, foot bones or None) from the panel's bone fields. With ``obj`` (the armature
    they are for): ValueError naming each field whose bone ``obj`` lacks — Retarget Motion fills them for its target,
    so after it they name another rig's bones (before: a KeyError traceback from Apply Root Motion and Export)."""
    bones = from_props(RigBones, s)
    if obj is not None:
        wrong = [f"{f.metadata['ui'].name} '{getattr(bones, f.name)}'" for f in ui_fields(RigBones)
                 if getattr(bones, f.name) and getattr(bones, f.name) not in obj.data.bones]
        if wrong:
            raise ValueError(f"the rig bone fields name bones that '{obj.name}' does not have: {', '.join(wrong)}; they "
                             f"were filled for another rig (Retarget Motion fills them for its target): choose "
                             f"'{obj.name}''s bones in HKMR › Clips, Feet, Root Motion, or clear them for an SMPL rig")
    legs = legs_from_bones(bones)
    feet = [b for c in legs for b in (c.foot, c.toe)] if legs else None
    return legs, bones.hips_bone or None, feet


class ActionEdit:
    """Mixin of operators that edit the active armature's action with the panel's settings: ``apply``
    returns the report line; a ValueError becomes an error report."""

    bl_options = {"REGISTER", "UNDO"}

    @classmethod
    def poll(cls, context):
        return armature_poll(context, cls)

    def execute(self, context):
        try:
            message = self.apply(context, context.scene.hkmr)
        except ValueError as exc:
            self.report({"ERROR"}, str(exc))
            return {"CANCELLED"}
        self.report({"INFO"}, message)
        return {"FINISHED"}
