"""Fast keyframe writing for Blender 4.2 → 5.x (bpy layer).

Keys go in with ``keyframe_points.add(n)`` + ``foreach_set`` (≈ 1000× faster than
``keyframe_insert`` per key). Two storage paths, chosen by version:

- 4.4+ (slotted actions; the only path in 5.0, which removed ``Action.fcurves``): a slot for the
  object, a layer with a keyframe strip, and the strip's channelbag holds the F-curves; both
  ``animation_data.action`` and ``animation_data.action_slot`` are assigned so the action plays.
- 4.2/4.3: legacy ``action.fcurves``.

Only the slotted path runs on the bpy 5.0.1 module tested here; the legacy path follows the 4.2 API.
"""
from __future__ import annotations

from dataclasses import dataclass

import bpy
import numpy as np

__all__ = ["Channel", "SLOTTED", "write_action", "pose_channels", "action_fcurves"]

SLOTTED = bpy.app.version >= (4, 4, 0)
_LINEAR = 1  # Keyframe.interpolation enum value of 'LINEAR' (CONSTANT 0, LINEAR 1, BEZIER 2)


@dataclass
class Channel:
    """One F-curve: ``data_path``/``index`` as Blender names them, ``group`` (usually the bone name)
    and ``values`` (K,) for the shared key frames."""

    data_path: str
    index: int
    group: str
    values: np.ndarray


def _fcurve_factory(action, obj):
    """A function (data_path, index, group) → new FCurve, for this Blender version."""
    if SLOTTED:
        slot = action.slots.new(id_type="OBJECT", name=obj.name)
        layer = action.layers.new("Layer") if len(action.layers) == 0 else action.layers[0]
        strip = layer.strips.new(type="KEYFRAME") if len(layer.strips) == 0 else layer.strips[0]
        bag = strip.channelbag(slot, ensure=True)
        groups: dict = {}

        def new(path, index, group):
            fc = bag.fcurves.new(path, index=index)
            if group not in groups:
                groups[group] = bag.groups.new(group)
            fc.group = groups[group]
            return fc
        return new, slot

    def new_legacy(path, index, group):
        return action.fcurves.new(path, index=index, action_group=group)
    return new_legacy, None


def action_fcurves(obj) -> list:
    """The F-curves of ``obj``'s assigned action (its slot's channelbag on 4.4+)."""
    ad = obj.animation_data
    if ad is None or ad.action is None:
        return []
    if not SLOTTED:
        return list(ad.action.fcurves)
    from bpy_extras import anim_utils
    bag = anim_utils.action_get_channelbag_for_slot(ad.action, ad.action_slot)
    return [] if bag is None else list(bag.fcurves)


def write_action(obj, name: str, frames: np.ndarray, channels: list[Channel]):
    """Create action ``name`` holding ``channels`` keyed at ``frames`` (K,), linear interpolation,
    and assign it (with its slot) to ``obj``. Returns the action."""
    frames = np.asarray(frames, np.float64)
    action = bpy.data.actions.new(name)
    new_fcurve, slot = _fcurve_factory(action, obj)
    co = np.empty((len(frames), 2), np.float32)
    co[:, 0] = frames
    interp = np.full(len(frames), _LINEAR, np.int32)
    for ch in channels:
        fc = new_fcurve(ch.data_path, ch.index, ch.group)
        co[:, 1] = ch.values
        fc.keyframe_points.add(len(frames))
        fc.keyframe_points.foreach_set("co", co.ravel())
        fc.keyframe_points.foreach_set("interpolation", interp)
        fc.update()
    ad = obj.animation_data or obj.animation_data_create()
    ad.action = action
    if slot is not None:
        ad.action_slot = slot
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
