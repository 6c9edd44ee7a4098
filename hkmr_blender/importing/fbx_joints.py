"""Joint positions of an FBX file's animated armature, through Blender's own FBX importer (no FBX parser here).

    python -m hkmr_blender.importing.fbx_joints FILE.fbx --bones Hips,Spine,... --fps 30 -o OUT.npz

Runs on the ``bpy`` module in its own process, so callers outside the add-on (``training.data.mocap.fbx``) never
load bpy. ``bpy.ops.import_scene.fbx`` reads the file (``anim_offset=0``: sample 0 at the action's first frame,
docs/blender-addon.md); each sampled frame's pose-bone heads are read in world space. ``OUT.npz`` holds
``positions`` (F, len(bones), 3) in Blender's Z-up world, metres, and ``rate`` (the sampled frames' rate).
Exit code 2 with a one-line message naming the file when it holds no animated armature or lacks a bone.
"""
from __future__ import annotations

import argparse
import sys

import numpy as np

__all__ = ["fbx_joint_heads", "main"]


def fbx_joint_heads(path: str, bones: list[str], fps: float) -> tuple[np.ndarray, float]:
    """(F, len(bones), 3) Z-up world positions of ``bones``' heads, sampled every ``round(file fps / fps)``-th
    frame of the armature's action, and the sampled rate. ValueError naming the file on a bad file."""
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
    return out, src_fps / step


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m hkmr_blender.importing.fbx_joints", description=__doc__.split("\n")[0])
    ap.add_argument("file")
    ap.add_argument("--bones", required=True, help="comma-separated bone names")
    ap.add_argument("--fps", type=float, required=True)
    ap.add_argument("-o", "--output", required=True)
    a = ap.parse_args(argv)
    try:
        positions, rate = fbx_joint_heads(a.file, a.bones.split(","), a.fps)
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    np.savez(a.output, positions=positions, rate=rate)
    return 0


if __name__ == "__main__":
    sys.exit(main())
