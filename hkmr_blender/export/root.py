"""Root motion for the engine file (bpy layer): the root room's ``root_motion`` mode applied to a temporary
copy of the rig before the game-rig step, so Unreal/Unity get travel (and heading) on the root bone while the
user's rig, its action and its meshes stay exactly as they were.

The copy (object, armature data, action) takes the rig's name for the export; :func:`..root.apply.
apply_root_on_action` adds the root bone to the copy when the rig has none and moves the hips' travel onto it;
meshes skinned to the rig deform by the copy meanwhile. Everything is removed and restored on exit."""
from __future__ import annotations

import contextlib
from dataclasses import replace

import bpy

from ..rig import compat
from ..rig.track_bpy import assigned_action
from ..root.apply import apply_root_on_action
from ..root.settings import RootSettings
from .game_rig import freed_names

__all__ = ["with_root_motion"]


@contextlib.contextmanager
def with_root_motion(context, armature, settings: RootSettings, hips: str | None = None, feet=None, meshes=()):
    """Yield a temporary copy of ``armature`` whose action has ``settings`` applied in ``root_motion`` mode
    (``hips``/``feet``: the rig's hips and foot bones; default its SMPL-named ones), named as the rig, with
    ``meshes`` deforming by it; all undone on exit."""
    action = assigned_action(armature)
    if action is None:
        raise ValueError(f"'{armature.name}' has no action to move onto a root bone")
    settings = replace(settings, root_mode="root_motion", ground=False, rest_frame=False)
    mods = [m for ob in meshes for m in ob.modifiers if m.type == "ARMATURE" and m.object == armature]
    name = armature.name
    obj = data = act = None
    with freed_names([name]):
        try:
            data = armature.data.copy()
            obj = armature.copy()
            if obj.override_library is not None:   # a library override's copy is one too: no Edit Mode for the root
                obj = obj.make_local(clear_liboverride=True)
            obj.data = data
            act = action.copy()
            context.scene.collection.objects.link(obj)
            obj.name = name
            compat.assign_action(obj, act)
            for m in mods:
                m.object = obj
            context.view_layer.update()
            apply_root_on_action(context, obj, settings, hips=hips, feet=feet, action=act)
            yield obj
        finally:
            for m in mods:
                m.object = armature
            if obj is not None:
                bpy.data.objects.remove(obj)
            if data is not None:
                bpy.data.armatures.remove(data)
            if act is not None:
                bpy.data.actions.remove(act)
