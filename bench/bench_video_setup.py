"""Time the animator's path: "Install from Disk" → Set up video support → first imported motion.

    bash .ci/venv python bench/bench_video_setup.py [--wheels DIR] [--clip core/assets/walk.mp4]

In the bpy module (bpy 5.0.1, Python 3.11), with Blender's user folders in a temporary directory: build the zip
(build.py), install it like Install from Disk (``bpy.ops.extensions.package_install_files``), run Set up video
support from the local wheel folder (``python .ci/wheels.py`` fills it; pip's own configuration is switched off,
so nothing comes from the network), then Motion from Video on the clip until the armature is imported. Prints
each stage's seconds and the machine (CPU model); the set-up time is reported separately from the rest.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def cpu_model() -> str:
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        return next(ln.split(":", 1)[1].strip() for ln in out.splitlines() if ln.startswith("Model name"))
    except (OSError, StopIteration):
        return platform.processor() or "unknown CPU"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--wheels", help="local wheel folder (default: fill/reuse ~/.cache/hkmr-ci via .ci/wheels.py)")
    ap.add_argument("--clip", default=str(ROOT / "core" / "assets" / "walk.mp4"))
    args = ap.parse_args(argv)
    wheels = args.wheels or subprocess.run([sys.executable, str(ROOT / ".ci" / "wheels.py")], check=True,
                                           capture_output=True, text=True).stdout.strip().splitlines()[-1]
    tmp = Path(tempfile.mkdtemp(prefix="hkmr-bench-setup-"))
    os.environ["BLENDER_USER_RESOURCES"] = str(tmp / "blender")
    for key in [k for k in os.environ if k.startswith("PIP_")]:
        del os.environ[key]
    os.environ["PIP_CONFIG_FILE"] = os.devnull
    times: dict[str, float] = {}
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, str(ROOT / "build.py"), "--out", str(tmp / "dist")], capture_output=True,
                          text=True, check=True)
    zip_path = next((tmp / "dist").glob("hkmr_mocap-*.zip"))
    times["build zip"] = time.perf_counter() - t
    t = time.perf_counter()
    import bpy
    bpy.ops.wm.read_factory_settings(use_empty=True)
    assert bpy.ops.extensions.package_install_files(filepath=str(zip_path), repo="user_default",
                                                    enable_on_install=True) == {"FINISHED"}
    name = "bl_ext.user_default.hkmr_mocap"
    bpy.context.preferences.addons[name].preferences.runtime_wheel_dir = wheels
    times["install from disk"] = time.perf_counter() - t
    t = time.perf_counter()
    assert bpy.ops.hkmr.setup_video_support() == {"FINISHED"}
    times["set up video support"] = time.perf_counter() - t
    t = time.perf_counter()
    clip = tmp / Path(args.clip).name
    clip.write_bytes(Path(args.clip).read_bytes())
    assert bpy.ops.hkmr.motion_from_video(filepath=str(clip)) == {"FINISHED"}
    assert bpy.context.active_object.type == "ARMATURE"
    times["motion from video → imported"] = time.perf_counter() - t
    import importlib
    runtime = importlib.import_module(name + ".runtime.operators").runtime_dir()
    size = sum(p.stat().st_size for p in Path(runtime).rglob("*") if p.is_file())
    result = {"cpu": cpu_model(), "cores": os.cpu_count(), "python": sys.version.split()[0],
              "blender": bpy.app.version_string, "zip_mb": round(zip_path.stat().st_size / 1e6, 1),
              "runtime_gb": round(size / 1e9, 2), "seconds": {k: round(v, 1) for k, v in times.items()},
              "install_to_first_motion_without_setup": round(times["install from disk"] +
                                                             times["motion from video → imported"], 1)}
    print(json.dumps(result, indent=1))
    bpy.ops.hkmr.remove_video_support()
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
