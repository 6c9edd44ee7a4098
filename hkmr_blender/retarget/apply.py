"""Retarget onto an armature in the scene (bpy layer): read rigs, hand them to :mod:`.solve`, write keys.

Entry point for operators and other modules (clips, foot pinning, root motion, batch export)::

    result = retarget(context, source, target, mapping=None, options=RetargetOptions())

``source``: an SMPL armature in the scene (its evaluated motion is sampled: constraints, NLA and
drivers included) or a Y-up :class:`~hkmr_blender.base.Motion` with rest joints (keys straight from the
file, no scene evaluation: the fast path). ``mapping``: a :class:`.mapping.BoneMapping` (None: automatic).
Everything that can fail on bad input runs before the scene is touched.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import bpy
import numpy as np

from ..rig import transforms as rm
from ..rig.armature import finger_bones, smpl_rig
from ..bake.apply import sample_pose
from ..base import Motion
from ..base.skeleton import BODY_HAND_PARENTS, SMPL_JOINT_NAMES
from ..rig.keys import Channel, write_action
from ..importing.plan import KeyOptions
from .mapping import BoneMapping, auto_map, joint_of_bone
from .solve import (RetargetKeys, RetargetOptions, SourceMotion, TargetRig, solve_retarget, source_from_motion,
                    world_deltas)

__all__ = ["RetargetResult", "not_an_armature", "read_target", "source_from_armature", "retarget", "write_keys", "RetargetOptions",
           "action_name", "keep_previous"]


@dataclass
class RetargetResult:
    """The new ``action`` on the target, the ``mapping`` used and the solved ``keys``."""

    action: object
    mapping: BoneMapping
    keys: RetargetKeys
    kept: object | None = None      #: the target's earlier clip, kept on the NLA track (see :func:`keep_previous`)


def _object_rot_scale(obj) -> tuple[np.ndarray, float]:
    mw = np.array(obj.matrix_world, np.float64)[:3, :3]
    scales = np.linalg.norm(mw, axis=0)
    if np.ptp(scales) > 1e-5 * scales.max():
        raise ValueError(f"armature '{obj.name}' has non-uniform scale {tuple(np.round(scales, 5))}; "
                         "apply the scale (Ctrl+A) first")
    return mw / scales, float(scales[0])


def _copy_source(obj, pb) -> tuple[str, bool] | None:
    """(the bone whose world rotation ``pb`` takes over entirely through an active, full-influence
    Copy Transforms / Copy Rotation (all axes, replace) constraint in world space, whether its location
    is taken too), or None."""
    for c in pb.constraints:
        if c.mute or c.influence < 0.999 or getattr(c, "target", None) != obj or not c.subtarget:
            continue
        if c.owner_space != "WORLD" or c.target_space != "WORLD":
            continue
        if c.type == "COPY_TRANSFORMS" or (c.type == "COPY_ROTATION" and c.use_x and c.use_y and c.use_z
                                           and c.mix_mode == "REPLACE" and not (c.invert_x or c.invert_y
                                                                                 or c.invert_z)):
            return c.subtarget, c.type == "COPY_TRANSFORMS"
    return None


#: what each retarget field wants, for the messages
_WANTS = {"source": "the imported SMPL armature", "target": "your character's armature"}


def not_an_armature(field: str, obj) -> str:
    """The message for ``obj`` (not an armature) given as the retarget's ``field`` ('source' or 'target')."""
    return (f"{field.title()} '{obj.name}' is a {obj.type.lower()}, not an armature: choose {_WANTS[field]} as the "
            f"{field.title()}")


def linked_target(obj) -> str:
    """Why keys on ``obj`` would be lost ('' when they are kept): an object linked from another .blend (not a library
    override) takes an action in memory, but the file saves only the link, so the retargeted clip is gone on reopen."""
    if obj is None or obj.library is None:
        return ""
    return (f"Target '{obj.name}' is linked from {obj.library.name}: a clip keyed on it would not be saved; make it a "
            f"library override (Object › Library Override › Make) and choose that")


def read_target(obj) -> tuple[TargetRig, np.ndarray]:
    """An armature object → (:class:`TargetRig`, the object's world rotation). Bones are ordered so
    parents and constraint sources come first; full-influence world-space Copy Transforms/Rotation
    constraints (read as they evaluate now: set driver properties first) become ``copies``."""
    if obj is None:
        raise ValueError("choose an armature as the retarget target")
    if obj.type != "ARMATURE":
        raise ValueError(not_an_armature("target", obj))
    rot, scale = _object_rot_scale(obj)
    bones = obj.data.bones
    deps, copy = {}, {}
    for b in bones:
        found = _copy_source(obj, obj.pose.bones[b.name])
        if found is not None and found[0] in bones:
            copy[b.name] = found
        deps[b.name] = [d for d in ((b.parent.name if b.parent else None), copy.get(b.name, (None,))[0]) if d]
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
    copies = np.array([index[copy[n][0]] if n in copy else -1 for n in order], np.int64)
    copies_location = np.array([n in copy and copy[n][1] for n in order], bool)
    rest = np.array([np.array(bones[n].matrix_local, np.float64)[:3, :3] for n in order])
    heads = np.array([tuple(bones[n].head_local) for n in order], np.float64)
    tails = np.array([tuple(bones[n].tail_local) for n in order], np.float64)
    return TargetRig(order, parents, rest, heads, tails, scale, copies, copies_location), rot


def source_from_armature(context, obj, target_rot: np.ndarray, frame_start: int, frame_end: int) -> SourceMotion:
    """An SMPL armature's pose on frames ``frame_start..frame_end`` → a :class:`SourceMotion` in the axes
    of an object with world rotation ``target_rot`` (identity: world). Read straight from its keys when
    they alone decide the pose (see :func:`_pose_from_keys`), else evaluated frame by frame. Its foot
    contacts are left to the solve to detect (``contacts`` None); ``fps`` is the scene's. An armature with
    the 30 finger bones (an import with hands) is read with them (``BODY_HAND_NAMES`` order)."""
    src = smpl_rig(obj)
    names = src.bone_names + (finger_bones(obj) or [])
    rest = np.concatenate([src.rest, np.array([np.array(obj.data.bones[n].matrix_local.to_3x3(), np.float64)
                                               for n in names[len(src.bone_names):]]).reshape(-1, 3, 3)])
    frames = np.arange(frame_start, frame_end + 1)
    read = _pose_from_keys(obj, names, rest, frames)
    pose_rot, heads = read if read is not None else sample_pose(context, obj, names, frames)
    a = target_rot.T @ src.object_rot                          # source armature axes → target armature axes
    deltas = a @ (pose_rot @ np.swapaxes(rest, -1, -2)) @ a.T
    rest_heads = np.array([tuple(obj.data.bones[n].head_local) for n in names], np.float64)
    pelvis = (heads[:, 0] - rest_heads[0]) @ a.T * src.object_scale
    fps = context.scene.render.fps / context.scene.render.fps_base
    return SourceMotion(deltas, pelvis, rest_heads @ a.T * src.object_scale, frames.astype(np.float64), None, fps)


def _pose_from_keys(obj, names: list[str], rest: np.ndarray, frames: np.ndarray):
    """(posed rotations (K,J,3,3), heads (K,J,3) — only the pelvis head is filled) read from the action's
    keys, or None unless they alone decide the pose: an action without NLA tracks or drivers, no bone
    constraints, the SMPL bones parented as in SMPL with the pelvis as a root, and a quaternion key for
    each SMPL bone (and the pelvis location) on exactly these frames — what the importer writes."""
    from ..rig.keys import action_fcurves
    ad = obj.animation_data
    if ad is None or ad.action is None or len(ad.nla_tracks) or len(ad.drivers):
        return None
    bones = obj.data.bones
    if bones[names[0]].parent is not None or any(bones[n].parent is None or bones[n].parent.name != names[p]
                                                 for n, p in zip(names[1:], BODY_HAND_PARENTS[1:])):
        return None
    if any(len(obj.pose.bones[n].constraints) for n in names):
        return None
    curves = {(fc.data_path, fc.array_index): fc for fc in action_fcurves(obj)}
    values = {}
    for j, n in enumerate(names):
        base = f'pose.bones["{bpy.utils.escape_identifier(n)}"]'
        for path, size in ((".rotation_quaternion", 4),) + (((".location", 3),) if j == 0 else ()):
            for i in range(size):
                fc = curves.get((base + path, i))
                if fc is None or len(fc.keyframe_points) != len(frames):
                    return None
                co = np.empty(2 * len(frames), np.float32)
                fc.keyframe_points.foreach_get("co", co)
                if np.any(np.abs(co[0::2] - frames) > 1e-4):
                    return None
                values[(j, path, i)] = co[1::2]
    quats = np.array([[values[(j, ".rotation_quaternion", i)] for i in range(4)] for j in range(len(names))])
    basis = rm.quaternion_to_matrix(np.moveaxis(quats, -1, 0))        # (24,4,K) → (K,24,3,3)
    pose_rot = world_deltas(BODY_HAND_PARENTS[:len(names)], rest, basis) @ rest
    heads = np.zeros((len(frames), len(names), 3))
    loc = np.stack([values[(0, ".location", i)] for i in range(3)], axis=1)
    heads[:, 0] = np.array(tuple(bones[names[0]].head_local)) + loc @ rest[0].T
    return pose_rot, heads


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
    if linked_target(target):
        raise ValueError(linked_target(target))
    mapping = mapping if mapping is not None else auto_map(rig.names, rig.parents)
    joint_of_bone(mapping, rig.names)                 # validate before any change
    scene = context.scene
    if isinstance(source, Motion):
        if source.rest_joints is None or source.up_axis != "y":
            raise ValueError("retarget needs a Y-up motion with rest joints (see hkmr_blender.importing.body.with_rest_joints "
                             "and hkmr_blender.rig.transforms.convert_up_axis)")
        ko = key_options or KeyOptions(fps=scene.render.fps / scene.render.fps_base)
        src = source_from_motion(source, ko, None if options.align_body else rot)
    else:
        if source is None or source.type != "ARMATURE":
            raise ValueError("choose the imported SMPL armature as the retarget source" if source is None else
                             not_an_armature("source", source))
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
    if src.deltas.shape[1] < len(BODY_HAND_PARENTS):  # a source without hands: its finger entries key nothing
        mapping = replace(mapping, entries=[e for e in mapping.entries if e.joint in SMPL_JOINT_NAMES])
    keys = solve_retarget(src, rig, joint_of_bone(mapping, rig.names), options)
    ad = target.animation_data
    previous = ad.action if ad is not None else None
    name = name or action_name(target, source)
    action = write_keys(target, keys, name)
    return RetargetResult(action, mapping, keys, keep_previous(target, previous, action, name))


def action_name(target, source) -> str:
    """The new action's default name: ``<target>_<clip>``, the clip being the source armature's action (named after
    its video or file by the import, e.g. 'Armature_walk'); ``<target>_retarget`` for a Motion or a source without
    an action. Export Actions names its files after it."""
    ad = getattr(source, "animation_data", None)
    clip = ad.action.name if ad is not None and ad.action is not None else ""
    return f"{target.name}_{clip or 'retarget'}"


def keep_previous(target, previous, action, name: str):
    """Keep ``previous`` (the action ``target`` played before ``action`` replaced it) in the file: another clip is
    pushed as a muted strip onto the NLA track 'HKMR clips' (playback shows ``action``; Export Actions writes one
    file per strip too) — before, it was left with no user and lost when the file was saved. The same clip
    retargeted again (``previous`` is named ``name``, so ``action`` got '.001') is replaced: ``action`` takes the
    name; a linked ``previous`` of that name (the character file's own take, on a library override) is left in its
    file, not pushed: two actions of one name made Export Actions refuse both. Returns the kept action or None."""
    from ..importing.finish import NLA_TRACK, push_nla_strip
    if previous is None or previous == action:
        return None
    if previous.name == name and previous.users == 0 and not previous.use_fake_user:
        previous.name, action.name = name + " (replaced)", name
        return None
    if previous.library is not None and previous.name == name:
        return None                               # the character file's take of this clip: it stays in that file
    ad = target.animation_data
    if any(s.action == previous for t in ad.nla_tracks for s in t.strips):
        return None                               # already on the rig's NLA: nothing is lost
    strip = push_nla_strip(target, previous, NLA_TRACK)
    strip.mute = True
    return previous


def write_keys(obj, keys: RetargetKeys, name: str):
    """Write ``keys`` (e.g. edited by foot pinning or root-motion code) as a new action ``name`` on ``obj``
    and assign it; keyed bones are switched to quaternion rotation. Returns the action."""
    for bone in keys.bones:
        obj.pose.bones[bone].rotation_mode = "QUATERNION"
    return write_action(obj, name, keys.frames, _channels(keys))
