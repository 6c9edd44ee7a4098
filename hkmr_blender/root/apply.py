"""Root motion on an armature's action (bpy layer over :mod:`.plan`): add a root bone, find the
sole below the foot joints from the skinned mesh, key the root/hips, add a rest-pose key."""
from __future__ import annotations

import bpy
import numpy as np

from ..rig.bones import match_smpl_bones
from ..base.skeleton import SMPL_JOINT_NAMES
from .plan import RootPlan, apply_root
from .settings import RootSettings
from ..rig.track_bpy import action_channels, assigned_action, read_track, write_track

__all__ = ["smpl_hips_and_feet", "ensure_root_bone", "sole_offset", "add_rest_key", "apply_root_on_action"]


def smpl_hips_and_feet(obj) -> tuple[str, list[str]]:
    """Hips and foot bones (ankles, toes) of an armature with SMPL-named bones."""
    names = dict(zip(SMPL_JOINT_NAMES, match_smpl_bones([b.name for b in obj.data.bones])))
    return names["pelvis"], [names[j] for j in ("left_ankle", "right_ankle", "left_foot", "right_foot")]


def ensure_root_bone(context, obj, name: str = "root") -> bool:
    """Give ``obj`` a bone ``name`` at the armature origin (pointing +Y, identity rest rotation) that
    parents every parentless bone. Returns True if it was added. Existing keys keep their meaning: a
    child's location is relative to its own rest, which does not change."""
    if name in obj.data.bones:
        return False
    arm = obj.data
    if arm.library is not None or not getattr(arm, "is_editable", True):     # a linked character: no Edit Mode
        lib = arm.library.name if arm.library is not None else "its library file"
        raise ValueError(f"'{obj.name}' has no bone '{name}' and its bones are linked from {lib}, so it cannot be "
                         f"added here: add a '{name}' bone above the hips in {lib}, or choose Root motion: In place")
    size = max(0.1, 0.2 * max(obj.dimensions) / max(obj.matrix_world.to_scale()))
    previous = context.view_layer.objects.active
    if context.object is not None and context.object.mode != "OBJECT":
        bpy.ops.object.mode_set(mode="OBJECT")
    context.view_layer.objects.active = obj
    bpy.ops.object.mode_set(mode="EDIT")
    try:
        edit = obj.data.edit_bones
        tops = [b for b in edit if b.parent is None]
        root = edit.new(name)
        root.head, root.tail, root.roll = (0.0, 0.0, 0.0), (0.0, size, 0.0), 0.0
        for b in tops:
            b.parent = root
    finally:
        bpy.ops.object.mode_set(mode="OBJECT")
        context.view_layer.objects.active = previous
    obj.pose.bones[name].rotation_mode = "QUATERNION"
    return True


def sole_offset(context, obj, feet) -> float | None:
    """Metres from the lowest foot-bone head to the lowest vertex of a mesh skinned to ``obj``, both at
    the rest pose, in world units (None without such a mesh)."""
    meshes = [o for o in context.scene.objects if o.type == "MESH" and any(
        m.type == "ARMATURE" and m.object == obj for m in o.modifiers)]
    if not meshes:
        return None
    arm = obj.data
    saved = arm.pose_position
    arm.pose_position = "REST"
    try:
        context.view_layer.update()
        deps = context.evaluated_depsgraph_get()
        low = np.inf
        for ob in meshes:
            ev = ob.evaluated_get(deps)
            me = ev.to_mesh()
            co = np.empty(3 * len(me.vertices))
            me.vertices.foreach_get("co", co)
            mw = np.array(ev.matrix_world)
            low = min(low, float((co.reshape(-1, 3) @ mw[:3, :3].T + mw[:3, 3])[:, 2].min()))
            ev.to_mesh_clear()
        mw = np.array(obj.matrix_world)
        heads = np.array([obj.data.bones[f].head_local for f in feet]) @ mw[:3, :3].T + mw[:3, 3]
    finally:
        arm.pose_position = saved
        context.view_layer.update()
    return float(heads[:, 2].min() - low)


def add_rest_key(obj, action, frame: float) -> None:
    """Key every channel of ``obj`` in ``action`` at ``frame`` with its rest value (identity rotation,
    zero location, unit scale)."""
    for (path, index), fc in action_channels(action, obj).items():
        rest = 1.0 if (path.endswith("rotation_quaternion") and index == 0) or path.endswith("scale") else 0.0
        fc.keyframe_points.insert(frame, rest, options={"FAST"}).interpolation = "LINEAR"
        fc.update()


def apply_root_on_action(context, obj, settings: RootSettings, hips: str | None = None, feet=None,
                         action=None, fps: float | None = None) -> RootPlan | None:
    """Apply ``settings`` to ``obj``'s ``action`` (default: the assigned one), in place. ``hips``/``feet``
    default to the SMPL-named bones. Adds ``settings.root_bone`` in ``root_motion`` mode if missing."""
    if not settings.active:
        return None
    action = action or assigned_action(obj)
    if hips is None or feet is None:
        hips_smpl, feet_smpl = smpl_hips_and_feet(obj)
        hips, feet = hips or hips_smpl, feet if feet is not None else feet_smpl
    if settings.root_mode == "root_motion":
        ensure_root_bone(context, obj, settings.root_bone)
    above = [b.name for b in obj.data.bones[hips].parent_recursive]
    root = settings.root_bone if settings.root_bone in above else None
    if settings.root_mode == "root_motion" and root is None:   # the rig has that bone, but not above its hips
        raise ValueError(f"'{obj.name}': root motion needs its bone '{settings.root_bone}' above the hips bone "
                         f"'{hips}', whose parents are {' → '.join(above) if above else 'none'}; this rig moves its "
                         f"hips another way (Rigify: through constraints), which root motion does not handle yet: "
                         f"export without Root motion, or let the engine extract it from the hips")
    if settings.ground and settings.sole_offset == 0.0:
        found = sole_offset(context, obj, feet)
        if found is not None:
            from dataclasses import replace
            settings = replace(settings, sole_offset=found)
    track = read_track(obj, [hips, *feet] + ([root] if root else []), action, fps)
    first = float(track.frames[0])
    plan = None
    if settings.root_mode != "world" or settings.ground:
        out, plan = apply_root(track, hips, settings, feet=feet, root=root if settings.root_mode != "world" else None)
        write_track(obj, out, [hips] + ([root] if root and settings.root_mode != "world" else []), action, location=True)
    if settings.rest_frame:
        add_rest_key(obj, action, first - 1)
    return plan
