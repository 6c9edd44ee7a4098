"""Fast keyframe writing for Blender 4.2 → 5.x (bpy layer).

Keys go in with ``keyframe_points.add(n)`` + ``foreach_set`` (≈ 1000× faster than
``keyframe_insert`` per key). Two storage paths, chosen by version:

- 4.4+ (slotted actions; the only path in 5.0, which removed ``Action.fcurves``): a slot for the
  object, a layer with a keyframe strip, and the strip's channelbag holds the F-curves; both
  ``animation_data.action`` and ``animation_data.action_slot`` are assigned so the action plays.
- 4.2/4.3: legacy ``action.fcurves``.

The version differences live in :mod:`.compat`; tests run on every supported bpy (``.ci/bpy-versions``).
"""
from __future__ import annotations

from dataclasses import dataclass

import bpy
import numpy as np

from . import compat

__all__ = ["Channel", "write_action", "pose_channels", "action_fcurves"]

_LINEAR = 1  # Keyframe.interpolation enum value of 'LINEAR' (CONSTANT 0, LINEAR 1, BEZIER 2)


@dataclass
class Channel:
    """One F-curve: ``data_path``/``index`` as Blender names them, ``group`` (usually the bone name)
    and ``values`` (K,) for the shared key frames."""

    data_path: str
    index: int
    group: str
    values: np.ndarray


def action_fcurves(obj) -> list:
    """The F-curves of ``obj``'s assigned action (its slot's channelbag on 4.4+)."""
    ad = obj.animation_data
    if ad is None or ad.action is None:
        return []
    return compat.action_fcurves(ad.action, obj)


def write_action(obj, name: str, frames: np.ndarray, channels: list[Channel]):
    """Create action ``name`` holding ``channels`` keyed at ``frames`` (K,), linear interpolation,
    and assign it (with its slot) to ``obj``. Returns the action."""
    frames = np.asarray(frames, np.float64)
    action = bpy.data.actions.new(name)
    slot = compat.object_slot(action, obj, create=True)
    bag = compat.channelbag(action, obj, create=True)
    groups: dict = {}
    co = np.empty((len(frames), 2), np.float32)
    co[:, 0] = frames
    interp = np.full(len(frames), _LINEAR, np.int32)
    for ch in channels:
        fc = compat.new_fcurve(bag, ch.data_path, ch.index, ch.group, groups)
        co[:, 1] = ch.values
        fc.keyframe_points.add(len(frames))
        fc.keyframe_points.foreach_set("co", co.ravel())
        fc.keyframe_points.foreach_set("interpolation", interp)
        fc.update()
    compat.assign_action(obj, action, slot)
    return action


def pose_channels(bone_names: list[str], quats: np.ndarray, root_loc: np.ndarray | None) -> list[Channel]:
    """Channels for pose bones: ``quats`` (K,J,4) WXYZ → rotation_quaternion; ``root_loc`` (K,3) →
    location of the first bone."""
    out: list[Channel] = []
    for j, name in enumerate(bone_names):
        base = f'pose.bones["{bpy.utils.escape_identifier(name)}"]'
        if j == 0 and root_loc is not None:
            out += [Channel(base + ".location", i, name, root_loc[:, i]) for i in range(3)]
        out += [Channel(base + ".rotation_quaternion", i, name, quats[:, j, i]) for i in range(4)]
    return out
