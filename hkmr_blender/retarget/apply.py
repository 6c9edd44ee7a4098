"""Retarget onto an armature in the scene (bpy layer): read rigs, hand them to :mod:`.solve`, write keys.

Entry point for operators and other modules (clips, foot pinning, root motion, batch export)::

    result = retarget(context, source, target, mapping=None, options=RetargetOptions())

``source``: an SMPL armature in the scene (its evaluated motion is sampled: constraints, NLA and
drivers included) or a Y-up :class:`~hkmr_blender.base.Motion` with rest joints (keys straight from the
file, no scene evaluation: the fast path). ``mapping``: a :class:`.mapping.BoneMapping` (None: automatic).
Everything that can fail on bad input runs before the scene is touched.
"""
from __future__ import annotations

from dataclasses import dataclass

import bpy
import numpy as np

from ..armature import smpl_rig
from ..bake import sample_pose
from ..base import Motion
from ..keys import Channel, write_action
from ..pipeline import KeyOptions
from .mapping import BoneMapping, auto_map, joint_of_bone
from .solve import RetargetKeys, RetargetOptions, SourceMotion, TargetRig, solve_retarget, source_from_motion

__all__ = ["RetargetResult", "read_target", "source_from_armature", "retarget", "RetargetOptions"]


@dataclass
class RetargetResult:
    """The new ``action`` on the target, the ``mapping`` used and the solved ``keys``."""

    action: object
    mapping: BoneMapping
    keys: RetargetKeys


def _object_rot_scale(obj) -> tuple[np.ndarray, float]:
    mw = np.array(obj.matrix_world, np.float64)[:3, :3]
    scales = np.linalg.norm(mw, axis=0)
    if np.ptp(scales) > 1e-5 * scales.max():
        raise ValueError(f"armature '{obj.name}' has non-uniform scale {tuple(np.round(scales, 5))}; "
                         "apply the scale (Ctrl+A) first")
    return mw / scales, float(scales[0])


def _copy_source(obj, pb) -> str | None:
    """The bone whose world rotation ``pb`` takes over entirely through an active, full-influence
    Copy Transforms / Copy Rotation (all axes, replace) constraint in world space, or None."""
    for c in pb.constraints:
        if c.mute or c.influence < 0.999 or getattr(c, "target", None) != obj or not c.subtarget:
            continue
        if c.owner_space != "WORLD" or c.target_space != "WORLD":
            continue
        if c.type == "COPY_TRANSFORMS" or (c.type == "COPY_ROTATION" and c.use_x and c.use_y and c.use_z
                                           and c.mix_mode == "REPLACE" and not (c.invert_x or c.invert_y
                                                                                 or c.invert_z)):
            return c.subtarget
    return None


def read_target(obj) -> tuple[TargetRig, np.ndarray]:
    """An armature object → (:class:`TargetRig`, the object's world rotation). Bones are ordered so
    parents and constraint sources come first; full-influence world-space Copy Transforms/Rotation
    constraints (read as they evaluate now: set driver properties first) become ``copies``."""
    if obj is None or obj.type != "ARMATURE":
        raise ValueError("choose an armature as the retarget target")
    rot, scale = _object_rot_scale(obj)
    bones = obj.data.bones
    deps = {}
    for b in bones:
        src = _copy_source(obj, obj.pose.bones[b.name])
        deps[b.name] = [d for d in ((b.parent.name if b.parent else None), src) if d and d in bones]
    order: list[str] = []
    state: dict[str, int] = {}

    def visit(n: str) -> None:            # depth-first topological order over parent + copy links
        if state.get(n) == 2:
            return
        if state.get(n) == 1:
            raise ValueError(f"armature '{obj.name}': bone '{n}' depends on itself through constraints")
        state[n] = 1
        for d in deps[n]:
            visit(d)
        state[n] = 2
        order.append(n)
    for b in bones:
        visit(b.name)
    index = {n: i for i, n in enumerate(order)}
    parents = np.array([index[bones[n].parent.name] if bones[n].parent else -1 for n in order])
    copies = np.array([index[deps[n][-1]] if len(deps[n]) and deps[n][-1] != (bones[n].parent.name
                       if bones[n].parent else None) else -1 for n in order])
    rest = np.array([np.array(bones[n].matrix_local, np.float64)[:3, :3] for n in order])
    heads = np.array([tuple(bones[n].head_local) for n in order], np.float64)
    tails = np.array([tuple(bones[n].tail_local) for n in order], np.float64)
    return TargetRig(order, parents, rest, heads, tails, scale, copies), rot


def source_from_armature(context, obj, target_rot: np.ndarray, frame_start: int, frame_end: int) -> SourceMotion:
    """Sample an SMPL armature's evaluated pose on frames ``frame_start..frame_end`` → a
    :class:`SourceMotion` in the axes of an object with world rotation ``target_rot`` (identity: world)."""
    src = smpl_rig(obj)
    frames = np.arange(frame_start, frame_end + 1)
    pose_rot, heads = sample_pose(context, obj, src.bone_names, frames)
    a = target_rot.T @ src.object_rot                          # source armature axes → target armature axes
    deltas = a @ (pose_rot @ np.swapaxes(src.rest, -1, -2)) @ a.T
    rest_heads = np.array([tuple(obj.data.bones[n].head_local) for n in src.bone_names], np.float64)
    pelvis = (heads[:, 0] - rest_heads[0]) @ a.T * src.object_scale
    return SourceMotion(deltas, pelvis, rest_heads @ a.T * src.object_scale, frames.astype(np.float64))


def _channels(keys: RetargetKeys) -> list[Channel]:
    out: list[Channel] = []
    for j, name in enumerate(keys.bones):
        base = f'pose.bones["{bpy.utils.escape_identifier(name)}"]'
        if name == keys.location_bone:
            out += [Channel(base + ".location", i, name, keys.location[:, i]) for i in range(3)]
        out += [Channel(base + ".rotation_quaternion", i, name, keys.quats[:, j, i]) for i in range(4)]
    return out


def retarget(context, source, target, mapping: BoneMapping | None = None,
             options: RetargetOptions = RetargetOptions(), name: str | None = None,
             key_options: KeyOptions | None = None, frame_range: tuple[int, int] | None = None
             ) -> RetargetResult:
    """Key ``source``'s motion onto ``target`` (any humanoid armature) as a new action, assigned.

    ``key_options`` (Motion source): timing/resampling (default: the scene's rate from frame 1);
    ``frame_range`` (armature source): frames to sample (default: the scene's range). The mapping's
    rig ``properties`` (Rigify: limbs to FK, neck/head follow) are set on the target's pose bones.
    Raises ValueError (bad mapping, not an armature, non-uniform scale) before changing the scene."""
    rig, rot = read_target(target)
    mapping = mapping if mapping is not None else auto_map(rig.names, rig.parents)
    joint_of_bone(mapping, rig.names)                 # validate before any change
    scene = context.scene
    if isinstance(source, Motion):
        if source.rest_joints is None or source.up_axis != "y":
            raise ValueError("retarget needs a Y-up motion with rest joints (see importer: body.with_rest_joints "
                             "and rig_math.convert_up_axis)")
        ko = key_options or KeyOptions(fps=scene.render.fps / scene.render.fps_base)
        src = source_from_motion(source, ko, None if options.align_body else rot)
    else:
        if source == target:
            raise ValueError("the retarget source and target are the same armature; choose another target")
        f0, f1 = frame_range or (scene.frame_start, scene.frame_end)
        if f1 < f0:
            raise ValueError(f"empty frame range {f0}..{f1}")
        src = source_from_armature(context, source, np.eye(3) if options.align_body else rot, f0, f1)
    if mapping.properties:             # e.g. Rigify limbs to FK; drivers then change constraint influences
        for bone, props in mapping.properties.items():
            pb = target.pose.bones.get(bone)
            for prop, value in props.items():
                if pb is not None:
                    pb[prop] = value
        context.view_layer.update()
        rig, rot = read_target(target)
    keys = solve_retarget(src, rig, joint_of_bone(mapping, rig.names), options)
    for bone in keys.bones:
        target.pose.bones[bone].rotation_mode = "QUATERNION"
    action = write_action(target, name or f"{target.name}_retarget", keys.frames, _channels(keys))
    return RetargetResult(action, mapping, keys)
