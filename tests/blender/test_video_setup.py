"""Must-show, the animator's path without a terminal: the built zip installed like "Install from Disk" → Motion
from Video says "set up video support first" → Set up video support (from the local wheel folder, pip's own
configuration off: no network) → the runtime lands in the extension's user folder, Blender's site-packages
untouched, verified → Motion from Video on the vendored real clip (Blender's own Python, no checkout on its
path) → an armature with keys, a motion file with foot contacts → Remove leaves nothing.

One such run per Python (it installs torch into a folder: minutes): the main venv (bpy 5.0.1, Python 3.11: the
cp311 row) and the version matrix's bpy 5.3.0 row (Python 3.13, numpy 2: the cp313 row, the Tasks detector route
from the shipped .task bundles; its torch is PyPI's Linux build, which runs on the CPU). The 4.2/4.5 rows skip it
(HKMR_SKIP_RUNTIME_E2E, CI time: they are cp311 again).
"""
from __future__ import annotations

import os
import shutil
import sysconfig
from pathlib import Path

import numpy as np
import pytest

from hkmr_blender.base import read_motion
from hkmr_blender.runtime.pins import python_tag
from tests.blender.conftest import clear_scene
from tests.conftest import offline_pip_env

pytestmark = [pytest.mark.blender, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]


def _site_listing() -> dict[str, float]:
    site = Path(sysconfig.get_paths()["purelib"])
    return {p.name: p.stat().st_mtime for p in site.iterdir()}


@pytest.mark.skipif(os.environ.get("HKMR_SKIP_RUNTIME_E2E") == "1", reason="version matrix: CI time")
def test_install_set_up_motion_from_video_remove(installed, bpy_module, runtime_wheels, tmp_path, monkeypatch):
    bpy = bpy_module
    _, module = installed
    for key in [k for k in os.environ if k.startswith("PIP_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    assert offline_pip_env()["PIP_CONFIG_FILE"] == os.devnull
    ops = module.runtime.operators
    runtime = Path(ops.runtime_dir())
    ext_user = Path(bpy.utils.extension_path_user(module.__name__))
    tag = python_tag()
    assert runtime.parent == ext_user and runtime.name == f"runtime-{tag}" and not runtime.exists()
    assert Path(ops.core_dir()) == Path(module.__file__).parent / "core_runtime"   # the zip's core, not the checkout
    clip = tmp_path / "walk.mp4"
    shutil.copy(ROOT / "core" / "assets" / "walk.mp4", clip)

    with pytest.raises(RuntimeError, match="Set up video support"):       # not set up: says where the button is
        bpy.ops.hkmr.motion_from_video(filepath=str(clip))

    prefs = bpy.context.preferences.addons[module.__name__].preferences
    prefs.runtime_wheel_dir = str(runtime_wheels)
    site_before = _site_listing()
    assert bpy.ops.hkmr.setup_video_support() == {"FINISHED"}
    assert _site_listing() == site_before                                  # Blender's site-packages untouched
    marker = module.runtime.locate.read_marker(runtime)
    assert marker["complete"] and marker["versions"]["cv2"].startswith("4.10.")
    assert marker["versions"]["torch"].startswith("2.13.0")
    assert marker["versions"]["numpy"].startswith("1.26" if tag == "cp311" else "2.")  # Blender 5.1+: numpy 2
    assert (runtime / "torch" / "__init__.py").is_file() and (runtime / "mediapipe").is_dir()
    state = module.runtime.state.runtime_state(str(runtime), module.runtime.pins.pins_for(tag))
    assert state.ready and state.text.startswith("Ready: torch 2.13.0")
    assert bpy.ops.hkmr.verify_video_support() == {"FINISHED"}

    clear_scene(bpy)
    assert not prefs.python_path                                            # no external interpreter
    assert bpy.ops.hkmr.motion_from_video(filepath=str(clip)) == {"FINISHED"}
    motion = read_motion(tmp_path / "walk.motion.npz")
    assert motion.num_frames == 100 and motion.contacts is not None
    assert motion.contacts.any(axis=0).all()                               # both feet plant during the walk
    arm = bpy.context.active_object
    assert arm.type == "ARMATURE" and arm.animation_data and arm.animation_data.action
    from hkmr_blender.rig import compat
    curves = compat.action_fcurves(arm.animation_data.action, arm)
    keyed = [fc for fc in curves if len(fc.keyframe_points) >= 75]     # 100 samples at 30 fps → 80 frames at 24
    assert len(keyed) >= 24 * 4
    hips = [fc.keyframe_points[i].co[1] for fc in curves if "pelvis" in fc.data_path and "location" in fc.data_path
            for i in range(len(fc.keyframe_points))]
    assert hips and np.ptp(hips) > 0.05                                     # the root moves: real motion

    assert bpy.ops.hkmr.remove_video_support() == {"FINISHED"}
    assert not runtime.exists() and not [p for p in ext_user.rglob("*") if p.name.startswith("runtime-")]
    with pytest.raises(RuntimeError, match="Set up video support"):
        bpy.ops.hkmr.motion_from_video(filepath=str(clip))
