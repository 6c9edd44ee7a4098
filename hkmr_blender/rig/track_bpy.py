"""Read an armature's action into a :class:`.track.PoseTrack` and write edited bones back (bpy layer).

Works on any armature whose keyed bones use quaternion rotation (the add-on's imports and bakes, FBX
imports, retargeted rigs). Bones are read with all their ancestors, so forward kinematics is complete;
unkeyed channels take their rest values. Key frames are the union of the read curves' keys; a curve
keyed elsewhere is sampled there with ``FCurve.evaluate``. Written channels get one linear key per
frame of the track (existing keys of those channels are replaced).
"""
from __future__ import annotations

import bpy
import numpy as np

from . import compat
from .keys import _LINEAR
from .track import PoseTrack

__all__ = ["with_ancestors", "action_channels", "read_track", "write_track", "assigned_action"]

_ROT, _LOC = "rotation_quaternion", "location"


def assigned_action(obj):
    """The action driving ``obj`` now; a clear error if there is none."""
    ad = obj.animation_data
    if ad is None or ad.action is None:
        raise ValueError(f"'{obj.name}' has no animation yet: import a clip onto it, or retarget one onto it "
                         f"(HKMR › Retarget › Retarget Motion)")
    return ad.action


def with_ancestors(obj, names) -> list[str]:
    """``names`` and every ancestor bone, parents before children."""
    bones = obj.data.bones
    missing = [n for n in names if n not in bones]
    if missing:
        raise ValueError(f"armature '{obj.name}' has no bone(s) {', '.join(missing)}")
    keep = set()
    for n in names:
        b = bones[n]
        while b is not None and b.name not in keep:
            keep.add(b.name)
            b = b.parent
    depth = {n: len(bones[n].parent_recursive) for n in keep}
    return sorted(keep, key=lambda n: (depth[n], n))


def action_channels(action, obj) -> dict:
    """{(data_path, index): FCurve} of ``obj``'s channels in ``action``."""
    return {(fc.data_path, fc.array_index): fc for fc in compat.action_fcurves(action, obj)}


def _path(bone: str, prop: str) -> str:
    return f'pose.bones["{bpy.utils.escape_identifier(bone)}"].{prop}'


def _keys(fc) -> np.ndarray:
    co = np.empty(2 * len(fc.keyframe_points), np.float32)
    fc.keyframe_points.foreach_get("co", co)
    return co.reshape(-1, 2)


def read_track(obj, names, action=None, fps: float | None = None) -> PoseTrack:
    """The keys of bones ``names`` (plus ancestors) of armature ``obj`` in ``action`` (default: the
    assigned one) as a :class:`PoseTrack`. Raises ValueError for Euler-keyed bones or an empty action."""
    action = action or assigned_action(obj)
    bones = with_ancestors(obj, names)
    curves = action_channels(action, obj)
    for n in bones:
        if any((_path(n, "rotation_euler"), i) in curves for i in range(3)) or \
                any((_path(n, "rotation_axis_angle"), i) in curves for i in range(4)):
            raise ValueError(f"bone '{n}' of '{obj.name}' is keyed in Euler/axis-angle; bake it to quaternions "
                             "first (Bake, or the importer's keys)")
    used = [curves[(_path(n, p), i)] for n in bones for p, m in ((_ROT, 4), (_LOC, 3)) for i in range(m)
            if (_path(n, p), i) in curves]
    if not used:
        raise ValueError(f"action '{action.name}' has no keys on the bones {', '.join(names)} of '{obj.name}'")
    keys = {id(fc): _keys(fc) for fc in used}
    frames = np.unique(np.concatenate([k[:, 0] for k in keys.values()]).astype(np.float64))
    k, j = len(frames), len(bones)
    quat = np.zeros((k, j, 4))
    quat[..., 0] = 1.0
    loc = np.zeros((k, j, 3))
    for bi, n in enumerate(bones):
        for prop, arr in ((_ROT, quat), (_LOC, loc)):
            for i in range(arr.shape[-1]):
                fc = curves.get((_path(n, prop), i))
                if fc is None:
                    continue
                co = keys[id(fc)]
                same = len(co) == k and np.array_equal(co[:, 0].astype(np.float64), frames)
                arr[:, bi, i] = co[:, 1] if same else [fc.evaluate(f) for f in frames]
    data = obj.data.bones
    parents = np.array([bones.index(data[n].parent.name) if data[n].parent else -1 for n in bones])
    rest = np.array([np.array(data[n].matrix_local, np.float64) for n in bones])
    if fps is None:
        r = bpy.context.scene.render
        fps = r.fps / r.fps_base
    return PoseTrack(bones, parents, rest, frames, quat, loc, fps=fps,
                     to_world=np.array(obj.matrix_world, np.float64))


def write_track(obj, track: PoseTrack, names, action=None, location: bool = False) -> None:
    """Replace the rotation keys (and ``location`` keys) of bones ``names`` in ``action`` (default: the
    assigned one) by the track's values at the track's frames (linear). Bones become quaternion-rotated."""
    action = action or assigned_action(obj)
    bag = compat.channelbag(action, obj, create=True)
    curves = action_channels(action, obj)
    groups: dict = {}
    co = np.empty((len(track.frames), 2), np.float32)
    co[:, 0] = track.frames
    interp = np.full(len(track.frames), _LINEAR, np.int32)
    for n in names:
        bi = track.index(n)
        obj.pose.bones[n].rotation_mode = "QUATERNION"
        props = [(_ROT, track.quat[:, bi])] + ([(_LOC, track.loc[:, bi])] if location else [])
        for prop, values in props:
            for i in range(values.shape[-1]):
                fc = curves.get((_path(n, prop), i))
                if fc is None:
                    fc = compat.new_fcurve(bag, _path(n, prop), i, n, groups)
                co[:, 1] = values[:, i]
                kp = fc.keyframe_points
                if len(kp) != len(co):
                    kp.clear()
                    kp.add(len(co))
                kp.foreach_set("co", co.ravel())
                kp.foreach_set("interpolation", interp)
                fc.update()
