"""``--blend``: the batch exporter also saves a .blend holding the imported clip (armature with its
action, skinned mesh, the clip's frame range) next to the FBX, atomically, and still cleans up."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from hkmr_blender.base.atomic import atomic_savez
from hkmr_blender.base.formats import write_motion
from tests.blender.conftest import make_motion

pytestmark = pytest.mark.blender
ROOT = Path(__file__).resolve().parents[2]


def test_blend_holds_the_clip_and_the_batch_cleans_up(empty_scene, tmp_path):
    import bpy

    from hkmr_blender.export.batch import export_batch
    from hkmr_blender.importing.importer import ImportSettings

    motion, arrays = make_motion(np.random.default_rng(3), frames=9)
    write_motion(tmp_path / "clip.npz", motion)
    atomic_savez(tmp_path / "body.npz", arrays)
    report = export_batch([tmp_path / "clip.npz"], tmp_path / "out", settings=ImportSettings(
        target="new", rate="set_scene", model_path=str(tmp_path / "body.npz")), progress=False, blend=True)
    assert report.ok, report.failed
    assert sorted(os.listdir(tmp_path / "out")) == ["clip.blend", "clip.fbx"]  # no temporaries, no .blend1
    assert len(empty_scene.scene.objects) == 0
    assert bpy.ops.wm.open_mainfile(filepath=str(tmp_path / "out" / "clip.blend")) == {"FINISHED"}
    arm = next(o for o in bpy.data.objects if o.type == "ARMATURE")
    assert len(arm.data.bones) == 24 and arm.animation_data.action is not None
    assert any(o.type == "MESH" for o in bpy.data.objects)
    scene = bpy.context.scene
    assert scene.frame_end - scene.frame_start + 1 == 9
    bpy.ops.wm.read_factory_settings(use_empty=True)


def test_cli_blend_flag(tmp_path):
    motion, arrays = make_motion(np.random.default_rng(4), frames=5)
    write_motion(tmp_path / "walk.npz", motion)
    atomic_savez(tmp_path / "body.npz", arrays)
    proc = subprocess.run([sys.executable, "-m", "hkmr_blender.export.batch", str(tmp_path / "walk.npz"), "-o",
                           str(tmp_path / "out"), "--model", str(tmp_path / "body.npz"), "--blend"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "HOME": str(tmp_path)})
    assert proc.returncode == 0, proc.stderr
    assert "walk.blend" in proc.stdout and "1 exported, 0 failed" in proc.stdout
    head = (tmp_path / "out" / "walk.blend").read_bytes()[:7]
    assert head == b"BLENDER" or head[:4] == b"\x28\xb5\x2f\xfd"  # plain or zstd-compressed .blend
