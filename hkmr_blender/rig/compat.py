"""Every Blender-version difference the add-on meets, in one place (bpy layer).

Actions store their F-curves three ways across the supported versions (docs/blender-addon.md, "Versions"):

- ``LAYERED`` (5.0+): slotted actions only. ``Action.fcurves`` is gone; F-curves live in a slot's
  channelbag on a keyframe strip; ``bpy_extras.anim_utils.action_ensure_channelbag_for_slot`` makes it.
- ``SLOTTED`` (4.4, 4.5 LTS): slots, layers, strips and channelbags exist and ``AnimData.action_slot`` /
  ``NlaStrip.action_slot`` must be set, but the channelbag helper above does not: the strip's own
  ``channelbag(slot, ensure=True)`` makes it. ``Action.fcurves`` still aliases the first slot's channelbag.
- ``LEGACY`` (4.2 LTS, 4.3): ``Action.fcurves`` with action groups; no slots anywhere (assigning an action
  is enough for it to play, NLA strips take the action alone).

Callers ask this module for the container of an object's F-curves (:func:`channelbag`), add curves with
:func:`new_fcurve`, assign with :func:`assign_action` and push strips with :func:`set_strip_slot`; nothing
else in the add-on tests ``bpy.app.version`` or probes for slot attributes.

One more difference is a Blender bug the add-on steps around: :func:`repoint_context_owner`.
"""
from __future__ import annotations

import bpy

__all__ = ["BRANCH", "LAYERED", "SLOTTED", "LEGACY", "slotted", "channelbag", "new_fcurve", "action_fcurves",
           "object_slot", "assigned_slot", "assign_action", "set_strip_slot", "repoint_context_owner"]

LAYERED, SLOTTED, LEGACY = "layered", "slotted", "legacy"


def branch_for(version: tuple) -> str:
    """The action storage of Blender ``version`` (major, minor, patch)."""
    if tuple(version[:2]) >= (5, 0):
        return LAYERED
    if tuple(version[:2]) >= (4, 4):
        return SLOTTED
    return LEGACY


BRANCH = branch_for(bpy.app.version)
# Blender before 4.5 (seen on 4.2.23; 4.5.15 gives bpy.context.window the window manager as its owner instead)
CONTEXT_OWNER_INHERITED = tuple(bpy.app.version[:2]) < (4, 5)


def slotted() -> bool:
    """Whether actions have slots here (4.4+)."""
    return BRANCH != LEGACY


def _is_object_slot(slot) -> bool:
    return getattr(slot, "target_id_type", "OBJECT") in ("OBJECT", "UNSPECIFIED")


def assigned_slot(obj):
    """The slot ``obj`` plays its action through (None on 4.2/4.3 or when unset)."""
    ad = obj.animation_data
    return getattr(ad, "action_slot", None) if ad is not None else None


def object_slot(action, obj, create: bool = False):
    """The slot of ``action`` that animates ``obj``: the assigned one when ``action`` is ``obj``'s action,
    else the first object slot; a new one named after ``obj`` when there is none and ``create``.
    None on 4.2/4.3 (no slots)."""
    if not slotted():
        return None
    ad = obj.animation_data
    slot = assigned_slot(obj) if ad is not None and ad.action == action else None
    if slot is None:
        slot = next((s for s in action.slots if _is_object_slot(s)), None)
    if slot is None and create:
        slot = action.slots.new(id_type="OBJECT", name=obj.name)
    return slot


def _ensure_channelbag(action, slot):
    if BRANCH == LAYERED:
        from bpy_extras import anim_utils
        return anim_utils.action_ensure_channelbag_for_slot(action, slot)
    layer = action.layers[0] if len(action.layers) else action.layers.new("Layer")
    strip = layer.strips[0] if len(layer.strips) else layer.strips.new(type="KEYFRAME")
    return strip.channelbag(slot, ensure=True)


def _find_channelbag(action, slot):
    for layer in action.layers:
        for strip in layer.strips:
            if strip.type == "KEYFRAME":
                bag = strip.channelbag(slot)
                if bag is not None:
                    return bag
    return None


def channelbag(action, obj, create: bool = False):
    """The container of ``obj``'s F-curves in ``action`` (``.fcurves`` holds them): the slot's channelbag
    (4.4+; made with its slot when ``create``) or the action itself (4.2/4.3). None when absent."""
    if not slotted():
        return action
    slot = object_slot(action, obj, create=create)
    if slot is None:
        return None
    return _ensure_channelbag(action, slot) if create else _find_channelbag(action, slot)


def new_fcurve(bag, data_path: str, index: int, group: str, groups: dict | None = None):
    """A new F-curve ``data_path[index]`` in ``bag`` (from :func:`channelbag`), in group ``group`` (made if
    missing; ``groups`` caches name → group across calls)."""
    if not slotted():
        return bag.fcurves.new(data_path, index=index, action_group=group)
    groups = {} if groups is None else groups
    if group not in groups:
        groups[group] = bag.groups.get(group) or bag.groups.new(group)
    fc = bag.fcurves.new(data_path, index=index)
    fc.group = groups[group]
    return fc


def action_fcurves(action, obj) -> list:
    """The F-curves animating ``obj`` in ``action`` ([] when none)."""
    bag = channelbag(action, obj)
    return [] if bag is None else list(bag.fcurves)


def assign_action(obj, action, slot=None) -> None:
    """Make ``action`` play on ``obj``: assign it and (4.4+) its slot (``slot`` or the object's slot in it;
    an action with keys but no slot assigned does not play)."""
    ad = obj.animation_data or obj.animation_data_create()
    ad.action = action
    if action is None or not slotted():
        return
    slot = slot or object_slot(action, obj)
    if slot is not None and ad.action_slot != slot:
        ad.action_slot = slot


def set_strip_slot(strip, slot) -> None:
    """Let an NLA ``strip`` play its action through ``slot`` (no-op on 4.2/4.3, or without a slot)."""
    if slot is not None and slotted():
        strip.action_slot = slot


def repoint_context_owner(*_handler_args) -> None:
    """Point ``bpy.context``'s owner ID at the live scene (before 4.5; a no-op after). Also a load_post handler.

    On 4.2, reading ``bpy.context.layer_collection`` (Rigify's Generate Rig does) stores that scene as the
    owner of the global ``bpy.context`` itself, and ``bpy.context.window`` inherits it. Once that scene is
    freed (File › New or Open, a factory reset), the glTF exporter's first step, ``bpy.context.window.scene =
    …``, tags the freed scene for the depsgraph: a segfault whenever the freed memory has been reused (one CI
    run in two, in the GLB export after a Rigify test). Reading the property again stores the live scene."""
    if CONTEXT_OWNER_INHERITED:
        bpy.context.layer_collection  # noqa: B018 - the read is the point: its getter sets the owner
