"""Feet pinning and root motion on a long clip: seconds and foot travel during contact, before/after.

    .venv/bin/python bench/bench_feet.py [--frames 10000] [--repeats 3] [--slip 0.03]

The clip is the tests' procedural walk (tests/blender/gait.py: stance ankles exactly planted, then a smooth
root wobble of ``--slip`` metres makes them slide, as estimated motion does), imported onto the add-on's
SMPL armature at 30 fps. Timed: ``pin_feet_on_action`` (read the action, detect contacts or take the true
ones, IK, write keys back) and ``apply_root_on_action`` (root_motion mode, ground), each on a fresh import,
median of ``--repeats``. Travel: the largest ankle movement inside one contact span, in metres, measured
on Blender's evaluated armature at every frame (``scene.frame_set``) before and after pinning.
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
os.environ.setdefault("BLENDER_USER_RESOURCES", tempfile.mkdtemp(prefix="hkmr_bench_feet_"))

import bpy  # noqa: E402

from hkmr_blender.rig.armature import world_heads  # noqa: E402
from hkmr_blender.importing.body import load_body_arrays, rest_joints_for  # noqa: E402
from hkmr_blender.feet.pin import FootSettings, contact_spans, contact_travel  # noqa: E402
from hkmr_blender.feet.apply import pin_feet_on_action  # noqa: E402
from hkmr_blender.importing.importer import ImportSettings, import_motion  # noqa: E402
from hkmr_blender.root.apply import apply_root_on_action  # noqa: E402
from hkmr_blender.root.plan import RootSettings  # noqa: E402
from tests.blender.gait import walk  # noqa: E402

ANKLES = ["left_ankle", "right_ankle"]


def _fresh(motion):
    bpy.ops.wm.read_factory_settings(use_empty=True)
    return import_motion(bpy.context, motion, ImportSettings(rate="set_scene", create_mesh=False), name="walk")


def _ankles(obj, frames: int) -> np.ndarray:
    scene = bpy.context.scene
    out = np.empty((frames, 2, 3))
    for f in range(frames):
        scene.frame_set(f + 1)
        out[f] = world_heads(obj, ANKLES)
    return out


def _time(fn, motion, repeats: int) -> tuple[float, list[float], object]:
    times, result = [], None
    for _ in range(repeats):
        res = _fresh(motion)
        t0 = time.perf_counter()
        result = fn(res.armature)
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times, result


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--frames", type=int, default=10000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--slip", type=float, default=0.03)
    args = ap.parse_args(argv)
    motion, stance = walk(rest_joints_for(load_body_arrays(), np.zeros(10)), frames=args.frames, slip=args.slip)
    print(f"bpy {bpy.app.version_string}, Python {platform.python_version()}, {platform.machine()}, "
          f"{os.cpu_count()} CPUs; {args.frames} frames at 30 fps, slip {args.slip} m")
    before = _ankles(_fresh(motion).armature, args.frames)
    for label, contacts in (("true contacts", stance), ("detected contacts", None)):
        settings = FootSettings(pin_feet=True, contacts="file" if contacts is not None else "detect")
        med, times, (obj, report) = _time(lambda ob: (ob, pin_feet_on_action(ob, settings, contacts=contacts)),
                                          motion, args.repeats)
        after = _ankles(obj, args.frames)                      # the last run's armature, evaluated
        flags = report.contacts
        travel = [(contact_travel(before[:, i], flags[:, i]) * 1000, contact_travel(after[:, i], flags[:, i]) * 1000)
                  for i in (0, 1)]
        print(f"pin feet ({label}): median {med:.3f} s over {len(times)} ({', '.join(f'{t:.3f}' for t in times)}); "
              f"{len(contact_spans(flags[:, 0]))}/{len(contact_spans(flags[:, 1]))} spans; evaluated ankle travel "
              f"during contact (mm, left/right): before {travel[0][0]:.1f}/{travel[1][0]:.1f}, "
              f"after {travel[0][1]:.3f}/{travel[1][1]:.3f}; out of reach {report.out_of_reach}")
    root = RootSettings(root_mode="root_motion", ground=True)
    med, times, _ = _time(lambda ob: apply_root_on_action(bpy.context, ob, root), motion, args.repeats)
    print(f"root motion (root bone added, ground): median {med:.3f} s over {len(times)} "
          f"({', '.join(f'{t:.3f}' for t in times)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
