"""Import a motion file into the scene (bpy layer). The one entry point every caller shares:
the Import operator, the batch exporter, and the "Motion from video" operator, which runs
``hkmr infer`` and then calls :func:`import_motion_file` on its output.

Everything that can fail on bad input (reading, validation, body model, bone matching, key
planning) runs before the scene is touched, so a failed import leaves the scene unchanged.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field, replace

import bpy
import numpy as np

from ..rig import armature as arm_mod
from .finish import contacts_for_keys, finish_clip
from .body import OPEN_BODY_PATH, body_mesh_for, load_body_arrays, rest_joints_for, with_rest_joints
from .hands import finger_rig, finger_weights
from ..rig.keys import pose_channels, write_action
from ..rig.bones import BoneMatchError, match_smpl_bones
from .mesh import create_skinned_mesh
from .names import clip_name, unused_name
from ..base import Motion, MotionFileError, read_motion
from ..base.motion_ranges import dropped_betas
from ..base.smpl_file import body_identity, shape_mismatch
from .plan import KeyOptions, plan_keys
from ..rig.transforms import C_Y_TO_Z, convert_up_axis
from .settings import ImportSettings

__all__ = ["ImportSettings", "ImportResult", "HKMRImportError", "import_motion_file", "import_motion",
           "import_clips", "remove_objects", "selected_rig_problem"]


class HKMRImportError(ValueError):
    """The import cannot proceed (bad file, no armature, no body model); the message says why."""


@dataclass
class ImportResult:
    armature: object
    mesh: object | None
    action: object
    frame_start: int
    frame_end: int
    warnings: list[str] = field(default_factory=list)
    clip: object = None
    timing: str = ""      # how the clip's samples became frames (resampling or the scene rate set), for reports


def selected_rig_problem(ob) -> str | None:
    """Why Apply to › Selected armature cannot key ``ob`` (the active object) because it is no SMPL armature — e.g. the
    animator's own character, which is Retarget's job — or None. Changes nothing (Motion from Video asks before it
    runs)."""
    if ob is None or ob.type != "ARMATURE":
        return None                                  # smpl_rig says "select an armature (or choose 'New armature')"
    try:
        match_smpl_bones([b.name for b in ob.data.bones])
    except BoneMatchError as exc:
        return _not_smpl(ob, exc)
    return None


def _not_smpl(ob, exc: BoneMatchError) -> str:
    return (f"Apply to › Selected armature: '{ob.name}' is no SMPL armature: {exc}. To put the motion on your own "
            f"character, import it as a New armature, then HKMR › Retarget onto '{ob.name}'")


def _scene_fps(scene) -> float:
    return scene.render.fps / scene.render.fps_base


def _set_scene_fps(scene, fps: float) -> None:
    whole = max(1, int(round(fps)))
    scene.render.fps, scene.render.fps_base = whole, whole / fps


def timing_note(motion_fps: float, scene_fps: float, rate: str, samples: int, frames: int) -> str:
    """One sentence on how ``samples`` at ``motion_fps`` became ``frames`` keys: resampled (and how),
    the scene's rate set, or nothing to say (rates equal)."""
    if abs(motion_fps - scene_fps) < 1e-6 * max(motion_fps, 1.0):
        return ""
    if rate == "set_scene":
        return f"scene rate set from {scene_fps:g} to {motion_fps:g} fps (one key per sample, {samples} samples)"
    return (f"resampled {motion_fps:g} → {scene_fps:g} fps (the scene's rate): {samples} samples → {frames} "
            "frames, rotations SLERP, translation linear; Frame rate › Set scene rate keeps every sample")


def import_motion_file(context, path: str, settings: ImportSettings) -> ImportResult:
    """Read ``path`` (motion file v1, AMASS .npz or .smpl) and import it; see :func:`import_motion`."""
    try:
        motion = read_motion(path)
    except MotionFileError as exc:
        raise HKMRImportError(str(exc)) from exc
    return import_motion(context, motion, settings, name=clip_name(path))


def _prepare(motion: Motion, settings: ImportSettings, want_mesh: bool):
    """Body arrays, Y-up motion with rest joints, mesh data: no scene changes."""
    need_arrays = motion.rest_joints is None or (want_mesh and motion.mesh is None)
    arrays = None
    if need_arrays:
        try:
            arrays = load_body_arrays(settings.model_path or None)
        except ValueError as exc:  # SmplFileError
            raise HKMRImportError(str(exc)) from exc
    warnings = []
    if arrays is not None and motion.rest_joints is None:
        used = body_identity(arrays, motion.gender)
        warning = shape_mismatch(motion.body_model, used, os.path.basename(motion.source) or "the file")
        if warning:
            warnings.append(warning)
    if arrays is not None:  # the body model's own shape coefficients shape the body: it may have fewer (smplx's slice)
        warning = dropped_betas(motion.betas, arrays["shapedirs"].shape[-1],
                                os.path.basename(motion.source) or "the file")
        if warning:
            warnings.append(warning)
    if arrays is not None and motion.rest_joints is not None and motion.mesh is None and want_mesh:
        gap = np.abs(rest_joints_for(arrays, motion.betas) - motion.rest_joints).max()
        if gap > 0.01:
            warnings.append(f"the body model's joints differ from the file's rest joints by {gap * 100:.1f} cm "
                            "(another body model?); the mesh may not fit the skeleton exactly")
    try:
        motion = convert_up_axis(with_rest_joints(motion, arrays), "y")
    except (MotionFileError, ValueError) as exc:
        raise HKMRImportError(str(exc)) from exc
    mesh = body_mesh_for(motion, arrays) if want_mesh else None
    fingers = None
    if motion.hand_pose is not None:  # finger bones: placed from the open body's hands (importing/hands.py)
        open_body = arrays if settings.model_path in (None, "") else None
        if open_body is None and OPEN_BODY_PATH.is_file():
            open_body = load_body_arrays(None)
        try:
            fingers = finger_rig(motion, mesh, open_body)
        except ValueError as exc:  # HandFileError
            raise HKMRImportError(str(exc)) from exc
    return motion, mesh, fingers, warnings


def import_motion(context, motion: Motion, settings: ImportSettings, name: str = "SMPL") -> ImportResult:
    """Key ``motion`` onto a new SMPL armature (with a skinned mesh if a body is available) or onto the
    selected SMPL armature. ``name``: the clip's (:func:`.names.clip_name` of its file); the new armature, its
    ``_body`` mesh, ``_camera`` and the action take the first of ``name``, ``name.001``… free for all of them.
    Raises :class:`HKMRImportError` before any scene change on bad input."""
    scene = context.scene
    if settings.target not in ("new", "selected"):
        raise HKMRImportError(f"target must be 'new' or 'selected', got {settings.target!r}")
    if settings.rate not in ("resample", "set_scene"):
        raise HKMRImportError(f"rate must be 'resample' or 'set_scene', got {settings.rate!r}")
    rig = None
    if settings.target == "selected":
        try:
            rig = arm_mod.smpl_rig(context.active_object)   # matches the bones once (selected_rig_problem's check)
        except BoneMatchError as exc:
            raise HKMRImportError(_not_smpl(context.active_object, exc)) from exc
        except ValueError as exc:
            raise HKMRImportError(str(exc)) from exc
    motion, body, fingers, warnings = _prepare(motion, settings, settings.create_mesh and rig is None)
    finger_names = None
    if rig is not None and fingers is not None:
        finger_names = arm_mod.finger_bones(rig.obj)
        if finger_names is None:
            warnings.append(f"the file has finger rotations but armature '{rig.obj.name}' has no finger bones named "
                            "like left_index1 … right_thumb3; the fingers are not keyed (retarget them instead)")
    fps = motion.fps if settings.rate == "set_scene" else _scene_fps(scene)
    opts = KeyOptions(fps=fps, resample=settings.rate == "resample", start_frame=settings.start_frame,
                      bad_frames=settings.bad_frames, min_confidence=settings.min_confidence)
    rest_z = np.asarray(motion.rest_joints) @ C_Y_TO_Z.T
    if rig is not None:  # plan before touching the scene: it validates the options
        plan = _plan(motion, rig.rest, opts, rig.object_rot, rig.object_scale, _finger_rest(rig.obj, finger_names))

    name = unused_name(name, _clip_name_taken)
    created, action = [], None
    try:
        if rig is None:
            obj = arm_mod.create_smpl_armature(context, name, rest_z, fingers_z=None if fingers is None else
                                               fingers.joints @ C_Y_TO_Z.T)
            created.append(obj)
            rig = arm_mod.smpl_rig(obj)
            finger_names = None if fingers is None else arm_mod.finger_bones(obj)
            plan = _plan(motion, rig.rest, opts, rig.object_rot, rig.object_scale, _finger_rest(obj, finger_names))
        mesh_obj = None
        bones = rig.bone_names + (finger_names or [])
        if body is not None:
            weights = None if not finger_names else finger_weights(body, fingers)
            skin = body if weights is None else replace(body, weights=weights)
            mesh_obj = create_skinned_mesh(context, rig.obj, skin, bones if weights is not None else rig.bone_names,
                                           f"{name}_body")
            created.append(mesh_obj)
        previous = rig.obj.animation_data.action if rig.obj.animation_data else None
        action = write_action(rig.obj, name, plan.frames, pose_channels(bones, plan.quats, plan.root_loc))
        clip = finish_clip(context, rig.obj, action, settings.feet, settings.root, settings.clip,
                           contacts_for_keys(motion, plan.frames, opts.fps, opts.start_frame), fps=opts.fps)
        if settings.create_camera and motion.view is not None:
            from .camera import camera_keys, create_filming_camera
            from .plan import sample_times
            cam = create_filming_camera(context, camera_keys(motion.view, motion.up_axis),
                                        opts.start_frame + sample_times(motion) * opts.fps, f"{name}_camera",
                                        parent=rig.obj)
            created.append(cam)
    except Exception as exc:
        if action is not None:
            bpy.data.actions.remove(action)
            if not created and rig.obj.animation_data is not None:
                rig.obj.animation_data.action = previous
        remove_objects(created[::-1])
        if isinstance(exc, ValueError) and not isinstance(exc, HKMRImportError):
            raise HKMRImportError(str(exc)) from exc
        raise
    warnings += clip.notes
    timing = timing_note(float(motion.fps), _scene_fps(scene), settings.rate, len(motion.poses), len(plan.frames))
    if settings.rate == "set_scene":
        _set_scene_fps(scene, motion.fps)
    start, end = int(np.floor(min(plan.frames[0], action.frame_range[0]))), int(np.ceil(plan.frames[-1]))
    if settings.set_frame_range:
        scene.frame_start, scene.frame_end = start, end
    for ob in context.view_layer.objects:
        ob.select_set(False)
    rig.obj.select_set(True)
    context.view_layer.objects.active = rig.obj
    return ImportResult(rig.obj, mesh_obj, action, start, end, warnings, clip, timing)


def _clip_name_taken(name: str) -> bool:
    """Whether an import named ``name`` would collide: its armature, body mesh or camera object, or its action
    (all are named after the clip, so one suffix serves them all: 'walk.001' and its action 'walk.001')."""
    objects = bpy.data.objects
    return (name in objects or f"{name}_body" in objects or f"{name}_camera" in objects
            or name in bpy.data.actions)


def remove_objects(objects) -> None:
    """Delete objects (children first) and their armature/mesh/camera data once unused."""
    for ob in objects:
        if ob is None:
            continue
        data, kind = ob.data, ob.type
        bpy.data.objects.remove(ob)
        if data is not None and data.users == 0:
            {"ARMATURE": bpy.data.armatures, "CAMERA": bpy.data.cameras}.get(kind, bpy.data.meshes).remove(data)


def _finger_rest(obj, names):
    """(30,3,3) rest rotations of the finger bones ``names`` of armature ``obj``, or None."""
    if not names:
        return None
    return np.array([np.array(obj.data.bones[n].matrix_local.to_3x3(), np.float64) for n in names])


def _plan(motion, rest, opts, object_rot, object_scale, finger_rest=None):
    try:
        return plan_keys(motion, rest, opts, object_rot, object_scale, finger_rest)
    except ValueError as exc:
        raise HKMRImportError(str(exc)) from exc


def import_clips(context, paths, settings) -> list:
    """Import every motion file in ``paths`` onto ONE rig: the first per ``settings.target`` (a new
    armature, or the selected one), the rest onto that armature (no extra meshes). Each file becomes an
    action named after it and an NLA strip (always: the strips keep every clip in use, in a row, and
    :func:`..export.actions.armature_actions` finds them). Returns the :class:`ImportResult` of each, in order; stops at the
    first failing file (raising its :class:`HKMRImportError`, earlier clips stay imported)."""
    results, set_range = [], settings.set_frame_range
    settings = replace(settings, clip=replace(settings.clip, nla=True))
    for i, path in enumerate(paths):
        if i:
            context.view_layer.objects.active = results[0].armature
            settings = replace(settings, target="selected", create_mesh=False, set_frame_range=False)
        results.append(import_motion_file(context, str(path), settings))
    if results and set_range:
        ad = results[0].armature.animation_data
        strips = [s for t in ad.nla_tracks for s in t.strips] if ad is not None else []
        spans = [(s.frame_start, s.frame_end) for s in strips] or [tuple(r.action.frame_range) for r in results]
        starts, ends = zip(*spans)
        context.scene.frame_start, context.scene.frame_end = int(min(starts)), int(np.ceil(max(ends)))
    return results
