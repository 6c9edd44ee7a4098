"""Retarget speed: a long SMPL clip onto a Mixamo-named rig, the real Rigify rig and a UE5-named rig.

    .venv/bin/python bench/bench_retarget.py [--frames 10000] [--repeats 5] [--sampled-frames 1000]
        [--motion walk.npz]

Times ``retarget.apply.retarget`` end to end (read the target, solve, write keys with foreach_set) from the
motion data (no scene evaluation), with the source preparation and the numpy solve timed alone; from the
imported SMPL armature (its keys read with foreach_get); and from an SMPL armature whose pose must be
evaluated frame by frame (a constraint on a bone; ``--sampled-frames``).
Medians (min–max) over ``--repeats``. Rigs: the test rigs of ``tests/blender/retarget_rigs.py`` on the open body.
``--motion``: a real motion file (e.g. ``hkmr infer core/assets/walk.mp4`` output) tiled to ``--frames`` (its path
continued, contacts repeated) instead of the synthetic clip; the retarget then also grounds the rig and pins
its planted feet (the default), timed against the same retarget without contact pinning.
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("BLENDER_USER_RESOURCES", tempfile.mkdtemp(prefix="hkmr_bench_retarget_"))

import bpy  # noqa: E402

from bench_blender import clear, make_motion  # noqa: E402
from hkmr_blender.importing.body import load_body_arrays, rest_joints_for  # noqa: E402
from hkmr_blender.importing.importer import ImportSettings, import_motion  # noqa: E402
from hkmr_blender.importing.plan import KeyOptions  # noqa: E402
from hkmr_blender.retarget.apply import read_target, retarget, write_keys  # noqa: E402
from hkmr_blender.retarget.mapping import auto_map, joint_of_bone  # noqa: E402
from hkmr_blender.retarget.solve import RetargetOptions, solve_retarget, source_from_motion  # noqa: E402
from hkmr_blender.rig.transforms import C_Y_TO_Z  # noqa: E402
from tests.blender.retarget_rigs import build_armature, rigify_rig  # noqa: E402


def _median(fn, repeats: int) -> str:
    """'median (min–max) s' over ``repeats`` calls; actions made by a call are removed after it."""
    times = []
    for _ in range(repeats):
        before = set(bpy.data.actions)
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
        for a in set(bpy.data.actions) - before:
            bpy.data.actions.remove(a)
    return f"{statistics.median(times):.3f} ({min(times):.3f}–{max(times):.3f}) s"


def tiled(path: str, frames: int):
    """The motion file at ``path`` repeated to ``frames`` samples: each repeat continues the path where the
    last one ended (horizontal travel accumulates), contacts, validity and finger poses repeat; the filming
    camera and the source's frame times belong to the original footage and are dropped."""
    from dataclasses import replace
    from hkmr_blender.base import read_motion
    from hkmr_blender.importing.body import with_rest_joints
    m = read_motion(path)
    m = with_rest_joints(m, None if m.rest_joints is not None else load_body_arrays())
    n = -(-frames // m.num_frames)
    step = np.asarray(m.trans[-1] - m.trans[0]) * [1, 0, 1] if m.up_axis == "y" else m.trans[-1] - m.trans[0]
    trans = np.concatenate([m.trans + k * (step + (step / max(m.num_frames - 1, 1))) for k in range(n)])[:frames]
    rep = lambda a: None if a is None else np.concatenate([a] * n)[:frames]  # noqa: E731
    return replace(m, poses=rep(m.poses), trans=trans, valid=rep(m.valid), confidence=rep(m.confidence),
                   contacts=rep(m.contacts), hand_pose=rep(m.hand_pose), frame_index=np.arange(frames), camera=None,
                   view=None, timestamps=None, mesh=m.mesh)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=10000)
    ap.add_argument("--sampled-frames", type=int, default=1000)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--motion", default="", help="a real motion file, tiled to --frames")
    args = ap.parse_args()
    bpy.ops.wm.read_factory_settings(use_empty=True)
    context = bpy.context
    context.scene.render.fps = 30
    rest = rest_joints_for(load_body_arrays(), np.zeros(10))
    motion = tiled(args.motion, args.frames) if args.motion else make_motion(args.frames, rest)
    rest = motion.rest_joints
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, Blender {bpy.app.version_string}, "
          f"{args.frames} frames, median of {args.repeats}")
    rigs = {"mixamo": build_armature(context, "mixamo", rest @ C_Y_TO_Z.T, name="mixamo"),
            "unreal": build_armature(context, "unreal", rest @ C_Y_TO_Z.T, name="unreal"),
            "rigify": rigify_rig(context)}
    for name, obj in rigs.items():
        rig, _ = read_target(obj)
        m = auto_map(rig.names, rig.parents)
        ko = KeyOptions(fps=30.0)
        total = _median(lambda: retarget(context, motion, obj, m, key_options=ko), args.repeats)
        src = source_from_motion(motion, ko)
        solve = _median(lambda: solve_retarget(src, rig, joint_of_bone(m, rig.names)), args.repeats)
        keyed = len(solve_retarget(src, rig, joint_of_bone(m, rig.names)).bones)
        keys = solve_retarget(src, rig, joint_of_bone(m, rig.names))
        write = _median(lambda: write_keys(obj, keys, "bench"), args.repeats)
        print(f"{name:7s} ({len(rig.names)} bones, {keyed} keyed): retarget {total}; alone: source "
              f"{_median(lambda: source_from_motion(motion, ko), args.repeats)}, solve {solve}, write keys {write}")
        free = RetargetOptions(keep_contacts=False)
        print(f"        without contact pinning: retarget "
              f"{_median(lambda: retarget(context, motion, obj, m, free, key_options=ko), args.repeats)}, solve "
              f"{_median(lambda: solve_retarget(src, rig, joint_of_bone(m, rig.names), free), args.repeats)}; "
              f"contact frames {int(keys.ground.contacts.sum()) if keys.ground else 0}, planted travel after "
              f"{keys.ground.travel_after.max() * 1000:.2f} mm")
    res = import_motion(context, motion, ImportSettings(rate="set_scene", create_mesh=False))
    context.scene.frame_start, context.scene.frame_end = 1, args.frames
    t = _median(lambda: retarget(context, res.armature, rigs["mixamo"]), args.repeats)
    print(f"from the imported SMPL armature (keys read) → mixamo: {t}")
    res.armature.pose.bones["left_knee"].constraints.new("LIMIT_ROTATION").influence = 0.0
    context.scene.frame_end = args.sampled_frames
    t = _median(lambda: retarget(context, res.armature, rigs["mixamo"]), max(1, args.repeats // 2))
    print(f"from an SMPL armature with a constraint (evaluated, {args.sampled_frames} frames) → mixamo: {t}")
    clear()


if __name__ == "__main__":
    main()
