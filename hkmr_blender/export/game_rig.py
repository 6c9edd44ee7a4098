"""The "game rig" step (bpy layer): a temporary deform-only armature, baked from the evaluated rig.

What animators do by hand before sending a Rigify character to an engine, done for every export of a rig
that needs it (:func:`needs_game_rig`: bones that do not deform, several roots, or bone constraints):

1. :func:`.skeleton.game_skeleton` picks the deform bones (+ the rig's ``root``) and re-links their
   parents (Rigify's DEF bones hang below ORG/MCH bones; ``DEF-x`` follows ``ORG-x``'s hierarchy).
2. A new armature object with those bones at the same rest (head, tail, roll) and the rig's object
   transform is linked to the scene, named as the rig (the rig is renamed meanwhile).
3. Every frame of the range is evaluated on the rig (constraints, drivers, IK, NLA) and the bones'
   armature-space matrices become location/rotation/scale keys on the new hierarchy
   (:func:`.skeleton.local_keys`), so the new armature's bones are where the rig's deform bones are.
4. Meshes skinned to the rig are pointed at the new armature while exporting.

Everything is removed and restored on exit (objects, data, action, modifier targets, names): nothing is
left in the user's scene.
"""
from __future__ import annotations

import contextlib

import bpy
import numpy as np

from ..rig.keys import Channel, write_action
from .skeleton import GameSkeleton, game_skeleton, local_keys

__all__ = ["needs_game_rig", "skeleton_of", "game_rig", "freed_names"]


def needs_game_rig(armature) -> bool:
    """True when ``armature`` has non-deform bones, more than one root or any bone constraint."""
    bones = armature.data.bones
    return (any(not b.use_deform for b in bones) or sum(b.parent is None for b in bones) > 1
            or any(len(pb.constraints) for pb in armature.pose.bones))


def skeleton_of(armature) -> GameSkeleton:
    """:func:`.skeleton.game_skeleton` of an armature object."""
    bones = armature.data.bones
    return game_skeleton([b.name for b in bones], {b.name: b.parent.name if b.parent else None for b in bones},
                         {b.name: b.use_deform for b in bones})


@contextlib.contextmanager
def freed_names(names, collection=None):
    """Data-blocks of ``collection`` (default ``bpy.data.objects``) named as any of ``names`` are renamed
    for the duration, so new ones can take these names exactly (Blender would append ``.001``: the
    exported file would name the mesh ``walk_body.001``); their names come back on exit. Only this file's own
    data-blocks: a library override's linked original keeps its name (and cannot be renamed)."""
    coll = bpy.data.objects if collection is None else collection
    moved = []
    try:
        for name in names:
            item = coll.get((name, None))           # this file's own: one linked from a library may share the name
            if item is not None:
                item.name = f"{name}.hkmr_tmp"
                moved.append((item, name))
        yield
    finally:
        for item, name in reversed(moved):
            clash = coll.get((name, None))
            if clash is not None and clash != item:     # whatever took the name meanwhile gives it back
                clash.name = f"{name}.hkmr_new"
            item.name = name


def _sample(context, armature, names: list[str], frames) -> np.ndarray:
    """Armature-space matrices (F,K,4,4) of ``names`` on the evaluated rig."""
    scene = context.scene
    current = scene.frame_current
    out = np.empty((len(frames), len(names), 4, 4))
    bones = [armature.pose.bones[n] for n in names]
    try:
        for k, f in enumerate(frames):
            scene.frame_set(int(f))
            for j, pb in enumerate(bones):
                out[k, j] = np.array(pb.matrix, np.float64)
    finally:
        scene.frame_set(current)
    return out


def _build(context, armature, skel: GameSkeleton, name: str):
    data = bpy.data.armatures.new(name)
    obj = bpy.data.objects.new(name, data)
    context.scene.collection.objects.link(obj)
    obj.matrix_world = armature.matrix_world.copy()
    view = context.view_layer
    previous = view.objects.active
    if previous is not None and previous.mode != "OBJECT":
        bpy.ops.object.mode_set(mode="OBJECT")
    view.objects.active = obj
    bpy.ops.object.mode_set(mode="EDIT")
    try:
        src = armature.data.bones
        edit = []
        for n, p in zip(skel.names, skel.parents):
            b = src[n]
            eb = data.edit_bones.new(n)
            eb.head, eb.tail, eb.roll = (0, 0, 0), (0, b.length, 0), 0.0
            eb.matrix = b.matrix_local
            eb.use_deform, eb.use_connect = True, False
            if p >= 0:
                eb.parent = edit[p]
            edit.append(eb)
    finally:
        bpy.ops.object.mode_set(mode="OBJECT")
        view.objects.active = previous
    for pb in obj.pose.bones:
        pb.rotation_mode = "QUATERNION"
    return obj


def _channels(skel: GameSkeleton, loc, quat, scale) -> list[Channel]:
    out = []
    for j, n in enumerate(skel.names):
        base = f'pose.bones["{bpy.utils.escape_identifier(n)}"]'
        out += [Channel(base + ".location", i, n, loc[:, j, i]) for i in range(3)]
        out += [Channel(base + ".rotation_quaternion", i, n, quat[:, j, i]) for i in range(4)]
        out += [Channel(base + ".scale", i, n, scale[:, j, i]) for i in range(3)]
    return out


@contextlib.contextmanager
def game_rig(context, armature, frame_range: tuple[int, int], name: str | None = None, meshes=()):
    """Yield a temporary deform-only armature baked from ``armature`` over ``frame_range`` (inclusive),
    named ``name`` (default: the rig's name), with ``meshes`` deforming by it; all undone on exit."""
    skel = skeleton_of(armature)
    frames = np.arange(frame_range[0], frame_range[1] + 1)
    pose = _sample(context, armature, skel.names, frames)
    rest = np.array([np.array(armature.data.bones[n].matrix_local, np.float64) for n in skel.names])
    loc, quat, scale = local_keys(pose, rest, skel.parents)
    name = name or armature.name
    obj = action = None
    mods = [m for ob in meshes for m in ob.modifiers if m.type == "ARMATURE" and m.object == armature]
    with freed_names([name]):
        try:
            obj = _build(context, armature, skel, name)
            action = write_action(obj, f"{name}_game", frames, _channels(skel, loc, quat, scale))
            for m in mods:
                m.object = obj
            yield obj
        finally:
            for m in mods:
                m.object = armature
            if obj is not None:
                data = obj.data
                bpy.data.objects.remove(obj)
                bpy.data.armatures.remove(data)
            if action is not None:
                bpy.data.actions.remove(action)
