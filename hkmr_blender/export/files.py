"""Export an imported clip to FBX, glTF binary (.glb) or BVH, with engine presets (bpy layer).

Every writer goes to a hidden temporary file in the output folder and is renamed into place only
when the exporter succeeded, so an existing output is never half-overwritten.

Presets (FBX): all use ``add_leaf_bones=False``, no key simplification (``bake_anim_simplify_factor=0``),
one action per file, every bone keyed on every frame.
- ``generic``: Blender's default axes and units (re-imports into Blender 1:1).
- ``unity``: same axes (Unity converts on import), units applied to the transforms (scale 1 in Unity).
- ``unreal``: centimetres baked into the transforms (``FBX_SCALE_ALL``: 1 m → 100 units, FBX scale 1),
  armature object named "Armature" (for the export only) so Unreal does not add it as an extra bone: the
  pelvis (or ``root``) is the single root bone.

Every preset and format exports one skeleton with one root: a rig with bones that do not deform, several
roots or bone constraints (Rigify, a control rig) goes out through the game-rig step
(:mod:`.game_rig`: its deform bones only, re-linked into one hierarchy, baked from the evaluated rig; a
temporary armature, removed afterwards). An SMPL or engine-style armature (all bones deform, one root, no
constraints) is exported as it is.

bpy is imported inside the functions so ``PRESETS``/``FORMATS`` load without Blender (CLI parser).
"""
from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile
from pathlib import Path

from ..base.atomic import atomic_path

__all__ = ["PRESETS", "FORMATS", "export_clip", "output_folder"]

_FBX_COMMON = dict(
    use_selection=True, object_types={"ARMATURE", "MESH"}, add_leaf_bones=False, bake_anim=True,
    bake_anim_use_all_bones=True, bake_anim_use_nla_strips=False, bake_anim_use_all_actions=False,
    bake_anim_force_startend_keying=True, bake_anim_step=1.0, bake_anim_simplify_factor=0.0,
    use_armature_deform_only=False, use_mesh_modifiers=False, mesh_smooth_type="FACE")

PRESETS: dict[str, dict] = {
    "generic": dict(_FBX_COMMON),
    "unity": dict(_FBX_COMMON, apply_scale_options="FBX_SCALE_UNITS", apply_unit_scale=True),
    "unreal": dict(_FBX_COMMON, apply_scale_options="FBX_SCALE_ALL", apply_unit_scale=True, global_scale=1.0),
}
FORMATS = ("fbx", "glb", "bvh")
_ARMATURE_NAME = {"unreal": "Armature"}


def output_folder(path: str) -> str:
    """The absolute folder for the panel's *Output folder* ``path``. A Blender-relative path (``//export/``)
    needs a saved .blend file: refused with a message saying so (never resolved against the process's
    current folder)."""
    import bpy
    if not path.strip():
        raise ValueError("choose an output folder for the export (HKMR panel › Output folder)")
    if path.startswith("//") and not bpy.data.filepath:
        raise ValueError(f"the output folder '{path}' is relative to the .blend file, which is not saved yet: "
                         "save the .blend file first, or choose an absolute output folder (HKMR panel › Output folder)")
    return os.path.normpath(bpy.path.abspath(path))


def _select_only(context, objects) -> None:
    for ob in context.view_layer.objects:
        ob.select_set(False)
    for ob in objects:
        ob.select_set(True)
    context.view_layer.objects.active = objects[0]


def _write(context, tmp: str, fmt: str, preset: str, frame_range: tuple[int, int]) -> None:
    import bpy

    from ..rig import compat
    if fmt == "fbx":
        result = bpy.ops.export_scene.fbx(filepath=tmp, **PRESETS[preset])
    elif fmt == "glb":
        compat.repoint_context_owner()   # Blender 4.2: the exporter's first step may tag a freed scene otherwise
        result = bpy.ops.export_scene.gltf(
            filepath=tmp, export_format="GLB", use_selection=True, export_animations=True,
            export_animation_mode="ACTIVE_ACTIONS", export_force_sampling=True, export_frame_step=1,
            export_optimize_animation_size=False, export_leaf_bone=False, export_def_bones=False,
            export_skins=True, export_morph=True, export_materials="NONE",
            # "Export all Armature Actions" (on by default) merged every armature action of the file into the
            # one animation on Blender 4.2 (a rig's second clip came out with the first one's length): the file
            # holds the active action only, as FBX and BVH do
            export_anim_single_armature=False)
    elif fmt == "bvh":
        result = bpy.ops.export_anim.bvh(filepath=tmp, frame_start=frame_range[0], frame_end=frame_range[1],
                                         rotate_mode="NATIVE", root_transform_only=False)
    else:
        raise ValueError(f"unknown format {fmt!r}; use one of {FORMATS}")
    if "FINISHED" not in result or not os.path.isfile(tmp) or os.path.getsize(tmp) == 0:
        raise RuntimeError(f"the {fmt.upper()} exporter did not write {tmp} ({result})")


def _flush_all() -> None:
    sys.stdout.flush()
    sys.stderr.flush()
    try:  # Blender's C code prints through stdio buffers
        import ctypes

        ctypes.CDLL(None).fflush(None)
    except (OSError, AttributeError):  # pragma: no cover - no libc symbol table
        pass


@contextlib.contextmanager
def _captured_fds():
    """Blender's exporters print progress and, when they fail, a whole Python traceback straight to the
    process's stdout/stderr. Capture file descriptors 1 and 2 meanwhile, so a failure reads as one line
    (the caller's message); nothing is shown on success either."""
    _flush_all()
    saved = [os.dup(1), os.dup(2)]
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 1)
        os.dup2(sink.fileno(), 2)
        try:
            yield
        finally:
            _flush_all()
            for fd, copy in zip((1, 2), saved):
                os.dup2(copy, fd)
                os.close(copy)


def _cause(exc: BaseException) -> str:
    """The exception line (``OSError: [Errno 28] …``) inside the text bpy.ops raised."""
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    found = [ln for ln in lines if re.match(r"^[\w.]+(Error|Exception)\b", ln)]
    return (found or lines or [type(exc).__name__])[-1]


@contextlib.contextmanager
def _renamed(obj, name: str | None):
    """``obj`` carries ``name`` (exactly, another holder stepping aside) for the duration."""
    if name is None or obj.name == name:
        yield
        return
    from .game_rig import freed_names
    old = obj.name
    with freed_names([name]):
        obj.name = name
        try:
            yield
        finally:
            obj.name = old


@contextlib.contextmanager
def _kept_selection(context):
    """The view layer's active and selected objects as they were, afterwards (by name: the export's temporary
    armatures are gone by then). Before, the export left the temporary rig's gap: nothing active, so Export
    Actions was greyed out ("no object is active") right after a Rigify or root-motion export."""
    view = context.view_layer
    active = view.objects.active.name if view.objects.active is not None else None
    selected = [o.name for o in view.objects if o.select_get()]
    try:
        yield
    finally:
        for ob in view.objects:
            ob.select_set(ob.name in selected)
        view.objects.active = view.objects.get(active) if active is not None else None


def export_clip(context, armature, mesh, out_path: str | os.PathLike, fmt: str = "fbx",
                preset: str = "generic", extra=(), game_rig: bool = True, root_motion=None, hips: str | None = None,
                feet=None) -> Path:
    """Write ``armature`` (+ ``mesh`` and ``extra`` objects) with its action over the scene's frame range
    to ``out_path``. BVH holds the skeleton only. ``game_rig``: export a rig that needs it through the
    game-rig step (module docstring). ``root_motion``: a :class:`..root.settings.RootSettings` to move the
    travel onto a root bone first (:mod:`.root`; ``hips``/``feet``: the rig's bones, default SMPL-named), for
    Unreal/Unity root motion. Returns the final path; the scene is left as it was (names, selection and the
    active object too)."""
    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}; use one of {tuple(PRESETS)}")
    out = Path(out_path)
    name = _ARMATURE_NAME.get(preset) if fmt == "fbx" else None
    meshes = [m for m in (mesh, *extra) if m is not None] if fmt != "bvh" else []
    scene = context.scene
    frame_range = (scene.frame_start, scene.frame_end)
    with contextlib.ExitStack() as stack:
        stack.enter_context(_kept_selection(context))       # the last to undo: after the temporary rigs are gone
        from .game_rig import game_rig as bake_game_rig, needs_game_rig
        if root_motion is not None:
            from .root import with_root_motion
            armature = stack.enter_context(with_root_motion(context, armature, root_motion, hips, feet, meshes))
        if game_rig and needs_game_rig(armature):
            armature = stack.enter_context(bake_game_rig(context, armature, frame_range, name, meshes))
        else:
            stack.enter_context(_renamed(armature, name))
        _select_only(context, [armature] + meshes)
        with atomic_path(out) as tmp:
            try:
                with _captured_fds():
                    _write(context, str(tmp), fmt, preset, frame_range)
            except RuntimeError as exc:  # bpy.ops puts the exporter's whole traceback in its message: keep the cause
                raise RuntimeError(f"{out}: the {fmt.upper()} export failed: {_cause(exc)}") from None
    return out
