"""Export one file per action of an armature with the engine presets (bpy layer).

Any armature (the SMPL rig, a retargeted Mixamo/Rigify/UE rig): each action is assigned in turn (with a
slot for the armature), the scene's frame range is set to the action's, and :func:`.files.export_clip`
writes ``OUTDIR/<action name>.<fmt>`` with the meshes skinned to the armature. NLA evaluation is switched
off while exporting so stacked strips don't leak into another clip. The armature's action, slot, NLA
switch, name and the scene's frame range are restored afterwards.
"""
from __future__ import annotations

import time

from ..rig import compat
from .batch import BatchReport, check_export_outputs
from .files import FORMATS, PRESETS, export_clip

__all__ = ["armature_actions", "skinned_meshes", "export_actions"]


def skinned_meshes(context, armature) -> list:
    """Mesh objects of the scene deformed by ``armature`` (an Armature modifier pointing at it)."""
    return [o for o in context.scene.objects if o.type == "MESH" and any(
        m.type == "ARMATURE" and m.object == armature for m in o.modifiers)]


def armature_actions(armature) -> list:
    """Actions used by ``armature``: the assigned one and those of its NLA strips, in order, once each."""
    ad = armature.animation_data
    if ad is None:
        return []
    found = ([ad.action] if ad.action else []) + [s.action for t in ad.nla_tracks for s in t.strips if s.action]
    return list(dict.fromkeys(found))


def _safe_name(name: str) -> str:
    bad = '<>:"/\\|?*'
    return "".join("_" if c in bad or ord(c) < 32 else c for c in name).strip(" .") or "clip"


def _assign(armature, action) -> None:
    compat.assign_action(armature, action)


def export_actions(context, armature, out_dir, actions=None, fmt: str = "fbx", preset: str = "generic",
                   with_mesh: bool = True, root_motion=None, hips: str | None = None, feet=None) -> BatchReport:
    """Write ``out_dir/<action>.<fmt>`` for each of ``actions`` (default: :func:`armature_actions`).
    ``root_motion``/``hips``/``feet``: travel onto the root bone in each file (:func:`.files.export_clip`).
    Returns a :class:`.batch.BatchReport` (``done`` entries are (action name, output, seconds)); a
    failing action is reported and the others go on."""
    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}; choose from {', '.join(PRESETS)}")
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    if armature is None or armature.type != "ARMATURE":
        raise ValueError("select the armature whose actions to export")
    actions = list(actions) if actions is not None else armature_actions(armature)
    if not actions:
        raise ValueError(f"'{armature.name}' has no actions (assigned or in NLA strips) to export: import a clip "
                         f"onto it, or retarget one onto it first (HKMR › Retarget › Retarget Motion)")
    import bpy

    out_dir = check_export_outputs(out_dir, [bpy.data.filepath],
                                   [(f"action '{a.name}'" + (f" (linked from {a.library.name})" if a.library else ""),
                                     [f"{_safe_name(a.name)}.{fmt}"]) for a in actions])
    out_dir.mkdir(parents=True, exist_ok=True)
    meshes = skinned_meshes(context, armature) if with_mesh and fmt != "bvh" else []
    scene = context.scene
    ad = armature.animation_data or armature.animation_data_create()
    saved = (ad.action, compat.assigned_slot(armature), ad.use_nla, armature.name,
             scene.frame_start, scene.frame_end)
    report = BatchReport()
    try:
        ad.use_nla = False
        for action in actions:
            t0 = time.perf_counter()
            try:
                _assign(armature, action)
                f0, f1 = action.frame_range
                scene.frame_start, scene.frame_end = int(f0), int(round(f1))
                out = out_dir / f"{_safe_name(action.name)}.{fmt}"
                export_clip(context, armature, meshes[0] if meshes else None, out, fmt, preset, extra=meshes[1:],
                            root_motion=root_motion, hips=hips, feet=feet)
                report.done.append((action.name, str(out), time.perf_counter() - t0))
            except (RuntimeError, OSError, ValueError) as exc:
                report.failed.append((action.name, str(exc)))
    finally:
        armature.name = saved[3]
        compat.assign_action(armature, saved[0], saved[1])
        ad.use_nla = saved[2]
        scene.frame_start, scene.frame_end = saved[4], saved[5]
    return report
