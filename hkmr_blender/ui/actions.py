"""Shared pieces of the operators that edit the active armature's action (Pin Feet, Apply Root Motion,
Export Actions): the poll, the report-on-ValueError ``execute``, and the armature's rig bone fields (with the move
of the fields of older files from the scene to the armatures)."""
from __future__ import annotations

from ..feet.pin import legs_from_bones
from ..feet.settings import RigBones
from ..retarget.props import mapping_from_settings
from ..rig.bones import BoneMatchError, match_smpl_bones
from .fields import from_props, ui_fields

__all__ = ["armature_poll", "ActionEdit", "rig_bones", "adopt_scene_rig_bones"]


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


def rig_bones(obj):
    """(leg chains or None, hips or None, foot bones or None) from the rig bone fields of the armature ``obj``
    (``obj.data.hkmr_bones``; all empty: the bones its retarget mapping gives them, as Retarget Motion fills them, else
    SMPL names). ValueError naming each field whose bone ``obj`` lacks (a typed name, a bone renamed since; before, a
    KeyError traceback from Apply Root Motion and Export)."""
    bones = from_props(RigBones, obj.data.hkmr_bones)
    if bones == RigBones() and obj.data.hkmr_map.items:    # e.g. a linked character: its fields are not saved here
        bones = RigBones(**(mapping_from_settings(obj.data.hkmr_map).rig_bones() or {}))
    if bones == RigBones():
        _smpl_named(obj)
    wrong = [f"{f.metadata['ui'].name} '{getattr(bones, f.name)}'" for f in ui_fields(RigBones)
             if getattr(bones, f.name) and getattr(bones, f.name) not in obj.data.bones]
    if wrong:
        raise ValueError(f"the rig bone fields of '{obj.name}' name bones it does not have: {', '.join(wrong)}; choose "
                         f"its bones in HKMR › Clips, Feet, Root Motion, or clear them for an SMPL rig")
    legs = legs_from_bones(bones)
    feet = [b for c in legs for b in (c.foot, c.toe)] if legs else None
    return legs, bones.hips_bone or None, feet


def _smpl_named(obj) -> None:
    """ValueError for an armature with neither bone fields nor SMPL-named bones (a character never retargeted, its
    fields cleared): the bone matcher's "no bones for SMPL joint(s) …; select an SMPL armature" named the wrong fix."""
    try:
        match_smpl_bones([b.name for b in obj.data.bones])
    except BoneMatchError as exc:
        if not str(exc).startswith("the armature has no bones for SMPL joint"):
            raise
        raise ValueError(f"'{obj.name}' has no rig bone fields and its bones are not named like SMPL's: choose its "
                         f"hips, thigh, shin, foot and toe bones in HKMR › Clips, Feet, Root Motion, or map it in HKMR › "
                         f"Retarget (Retarget Motion fills them)") from None


def adopt_scene_rig_bones(scene) -> str:
    """Files saved before the rig bone fields moved to each armature keep them in ``scene.hkmr``: hand them to the
    scene's armatures that have every bone they name and no fields of their own, and drop them from the scene.
    Returns what was done ('' when the scene had none), for the console."""
    names = [f.name for f in ui_fields(RigBones)]
    old = {n: scene.hkmr.get(n) for n in names}
    if not any(isinstance(v, str) for v in old.values()):
        return ""
    for n in names:
        scene.hkmr.pop(n, None)
    typed = {n: v for n, v in old.items() if isinstance(v, str) and v}
    if not typed:
        return ""
    took = [ob for ob in scene.objects if ob.type == "ARMATURE" and ob.data.library is None
            and all(b in ob.data.bones for b in typed.values()) and not any(getattr(ob.data.hkmr_bones, n) for n in names)]
    for ob in took:
        for n, bone in typed.items():
            setattr(ob.data.hkmr_bones, n, bone)
    said = ", ".join(f"'{ob.name}'" for ob in took) or "no armature (none of this file's own has all of their bones)"
    return f"HKMR: scene '{scene.name}': the rig bone fields ({', '.join(typed.values())}) now belong to {said}"


def _local_action(obj) -> None:
    """ValueError when ``obj``'s action is linked from another .blend (a character file's clip on a library
    override): Pin Feet and Apply Root Motion would edit it in memory only, reported done, and lost on reopen."""
    act = obj.animation_data.action if obj.animation_data is not None else None
    if act is not None and act.library is not None:
        raise ValueError(f"'{obj.name}''s action '{act.name}' is linked from {act.library.name}: edits to it would not "
                         f"be saved; make it local first (Outliner, Blender File view: right-click it › Make Local) or "
                         f"retarget the clip onto '{obj.name}' in this file")


class ActionEdit:
    """Mixin of operators that edit the active armature's action with the panel's settings: ``apply``
    returns the report line; a ValueError becomes an error report."""

    bl_options = {"REGISTER", "UNDO"}

    @classmethod
    def poll(cls, context):
        return armature_poll(context, cls)

    def execute(self, context):
        try:
            _local_action(context.active_object)
            message = self.apply(context, context.scene.hkmr)
        except ValueError as exc:
            self.report({"ERROR"}, str(exc))
            return {"CANCELLED"}
        self.report({"INFO"}, message)
        return {"FINISHED"}
