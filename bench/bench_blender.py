"""Blender add-on speed: motion import (24 bones + root, quaternion keys) vs a keyframe_insert baseline,
and batch export seconds per 1000-frame clip.

    .venv/bin/python bench/bench_blender.py [--frames 10000] [--baseline-frames 10000] [--repeats 5]

Both import paths key the SAME motion (``--frames`` samples) onto the same kind of armature in one run;
times are medians over ``--repeats`` (the baseline over ``--baseline-repeats``, default 1, as it takes
minutes at 10,000 frames). ``--baseline-frames`` smaller than ``--frames`` also times the fast path at
that common size, so the ratio is always between equal work. Export: ``--clips`` clips of 1000 frames
through ``export_batch`` (FBX, generic preset), with and without the skinned open body.
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

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("BLENDER_USER_RESOURCES", tempfile.mkdtemp(prefix="hkmr_bench_blender_"))

import bpy  # noqa: E402

from hkmr_blender.rig.armature import create_smpl_armature, smpl_rig  # noqa: E402
from hkmr_blender.export.batch import export_batch  # noqa: E402
from hkmr_blender.importing.body import OPEN_BODY_PATH, load_body_arrays, rest_joints_for  # noqa: E402
from hkmr_blender.importing.importer import ImportSettings, import_motion  # noqa: E402
from hkmr_blender.base import Motion, write_motion  # noqa: E402
from hkmr_blender.importing.plan import KeyOptions, plan_keys  # noqa: E402
from hkmr_blender.rig.transforms import C_Y_TO_Z  # noqa: E402


def make_motion(frames: int, rest_joints: np.ndarray, seed: int = 0) -> Motion:
    rng = np.random.default_rng(seed)
    t = np.arange(frames)[:, None] / 30.0
    poses = 0.4 * np.sin(t * rng.uniform(0.5, 3.0, 72) + rng.uniform(0, 6.3, 72))
    trans = np.concatenate([np.sin(t), 0.05 * np.sin(3 * t), 0.8 * t], axis=1)
    return Motion(poses=poses, trans=trans, betas=np.zeros(10), fps=30.0, rest_joints=rest_joints)


def clear() -> None:
    for ob in list(bpy.data.objects):
        bpy.data.objects.remove(ob)
    for coll in (bpy.data.armatures, bpy.data.meshes, bpy.data.actions):
        for item in list(coll):
            coll.remove(item)


def time_fast_import(motion: Motion) -> float:
    """The add-on's import: armature + key planning + keyframe_points.add/foreach_set."""
    clear()
    t0 = time.perf_counter()
    import_motion(bpy.context, motion, ImportSettings(rate="set_scene", create_mesh=False))
    return time.perf_counter() - t0


def time_keyframe_insert(motion: Motion) -> float:
    """Baseline: the same keys through pose-bone property writes + keyframe_insert, per frame and bone
    (what public SMPL→Blender scripts do); the key values come from the same plan as the fast path."""
    clear()
    t0 = time.perf_counter()
    obj = create_smpl_armature(bpy.context, "baseline", np.asarray(motion.rest_joints) @ C_Y_TO_Z.T)
    rig = smpl_rig(obj)
    plan = plan_keys(motion, rig.rest, KeyOptions(fps=motion.fps, resample=False))
    bones = [obj.pose.bones[n] for n in rig.bone_names]
    for k, frame in enumerate(plan.frames):
        bones[0].location = plan.root_loc[k]
        bones[0].keyframe_insert("location", frame=frame, group=bones[0].name)
        for j, pb in enumerate(bones):
            pb.rotation_quaternion = plan.quats[k, j]
            pb.keyframe_insert("rotation_quaternion", frame=frame, group=pb.name)
    return time.perf_counter() - t0


def median_time(fn, arg, repeats: int) -> tuple[float, list[float]]:
    runs = [fn(arg) for _ in range(repeats)]
    return statistics.median(runs), runs


def bench_import(args, rest) -> None:
    motion = make_motion(args.frames, rest)
    fast, fast_runs = median_time(time_fast_import, motion, args.repeats)
    print(f"fast import {args.frames} frames: median {fast:.3f} s  runs {[round(r, 3) for r in fast_runs]}")
    common = args.baseline_frames
    base_motion = motion if common == args.frames else make_motion(common, rest)
    fast_common = fast
    if common != args.frames:
        fast_common, _ = median_time(time_fast_import, base_motion, args.repeats)
        print(f"fast import {common} frames: median {fast_common:.4f} s")
    base, base_runs = median_time(time_keyframe_insert, base_motion, args.baseline_repeats)
    print(f"keyframe_insert {common} frames: median {base:.2f} s  runs {[round(r, 2) for r in base_runs]}")
    print(f"ratio at {common} frames (same keys, same run): {base / fast_common:.0f}x")


def bench_export(args, rest) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.clips):
            write_motion(Path(tmp) / f"clip{i}.npz", make_motion(1000, rest, seed=i))
        for mesh in (False, True):
            clear()
            report = export_batch([tmp], Path(tmp) / "out", "generic", "fbx",
                                  ImportSettings(rate="set_scene", create_mesh=mesh), progress=False)
            assert report.ok, report.failed
            secs = [s for _, _, s in report.done]
            size = np.mean([os.path.getsize(o) for _, o, _ in report.done]) / 1e6
            print(f"batch export FBX, 1000-frame clip, mesh={mesh}: median {statistics.median(secs):.3f} s/clip "
                  f"({args.clips} clips, {size:.1f} MB each; import + export)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--frames", type=int, default=10000)
    ap.add_argument("--baseline-frames", type=int, default=10000)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--baseline-repeats", type=int, default=1)
    ap.add_argument("--clips", type=int, default=5)
    ap.add_argument("--skip-import", action="store_true")
    ap.add_argument("--skip-export", action="store_true")
    args = ap.parse_args()
    print(f"bpy {bpy.app.version_string}, Python {platform.python_version()}, {platform.machine()}, "
          f"{os.cpu_count()} CPUs visible")
    bpy.ops.wm.read_factory_settings(use_empty=True)
    arrays = load_body_arrays(None)
    if arrays is None:
        raise SystemExit(f"the open default body is missing ({OPEN_BODY_PATH})")
    rest = rest_joints_for(arrays, np.zeros(10))
    if not args.skip_import:
        bench_import(args, rest)
    if not args.skip_export:
        bench_export(args, rest)


if __name__ == "__main__":
    main()
