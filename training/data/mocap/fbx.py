"""FBX mocap files: world joint positions through Blender's own FBX importer (``bpy``, already a dependency).

No FBX parser is written here: ``bpy.ops.import_scene.fbx`` reads the file (``anim_offset=0``: sample 0 at the
action's first frame, docs/blender-addon.md) and each sampled frame's pose-bone heads are read in world space.
Blender's world is Z-up in metres; positions come out Y-up, metres: (x, y, z) → (x, z, −y).
Used by the build (:mod:`.build`) for sources whose ``format`` is ``"fbx"``; ``bpy`` is imported only here.
"""
from __future__ import annotations

import numpy as np

__all__ = ["fbx_positions"]


def fbx_positions(path: str, bones: list[str], fps: float) -> tuple[np.ndarray, float]:
    """(F, len(bones), 3) Y-up world positions in metres of ``bones``' heads, sampled every ``round(file fps /
    fps)``-th frame of the armature's action, and the sampled rate. ValueError naming the file when it holds
    no animated armature or lacks a bone."""
    import bpy

    bpy.ops.wm.read_factory_settings(use_empty=True)
    try:
        bpy.ops.import_scene.fbx(filepath=path, anim_offset=0.0)
    except RuntimeError as e:
        raise ValueError(f"{path}: Blender's FBX importer failed ({str(e).strip().splitlines()[-1]})") from None
    scene = bpy.context.scene
    arms = [o for o in scene.objects if o.type == "ARMATURE" and o.animation_data and o.animation_data.action]
    if not arms:
        raise ValueError(f"{path}: no animated armature in the file")
    arm = arms[0]
    missing = [b for b in bones if b not in arm.pose.bones]
    if missing:
        raise ValueError(f"skeleton lacks {missing}")
    first, last = (int(round(x)) for x in arm.animation_data.action.frame_range)
    src_fps = scene.render.fps / scene.render.fps_base
    step = max(1, int(round(src_fps / fps)))
    frames = range(first, last + 1, step)
    out = np.zeros((len(frames), len(bones), 3))
    pose = [arm.pose.bones[b] for b in bones]
    for k, f in enumerate(frames):
        scene.frame_set(f)
        mw = arm.matrix_world
        out[k] = [tuple(mw @ p.head) for p in pose]
    return np.stack([out[..., 0], out[..., 2], -out[..., 1]], -1), src_fps / step
