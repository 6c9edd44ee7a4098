"""Must-show (issue 18, item 6): the import says when and how it resamples; `python build.py` builds the
zip without bpy (and Blender's own tool accepts that zip); a Blender-relative output folder with an unsaved
.blend is refused with a message saying why; batch export keeps the clip's own names when objects or an
action of those names already exist, and leaves them as they were."""
from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from hkmr_blender.base.atomic import atomic_savez
from hkmr_blender.base.formats import write_motion
from tests.blender.conftest import make_motion
from tests.blender.fbx_read import read_fbx

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.blender
def test_import_report_says_when_and_how_it_resamples(empty_scene):
    from hkmr_blender.importing.importer import ImportSettings, import_motion
    motion, _ = make_motion(np.random.default_rng(2), frames=30)
    motion.fps = 29.97
    scene = empty_scene.scene
    scene.render.fps, scene.render.fps_base = 24, 1.0
    res = import_motion(empty_scene, motion, ImportSettings(rate="resample", create_mesh=False))
    frames = res.frame_end - res.frame_start + 1
    assert res.timing.startswith(f"resampled 29.97 → 24 fps (the scene's rate): 30 samples → {frames} frames")
    assert frames == 24 and "SLERP" in res.timing and "Set scene rate" in res.timing
    res = import_motion(empty_scene, motion, ImportSettings(rate="set_scene", create_mesh=False))
    assert res.timing == "scene rate set from 24 to 29.97 fps (one key per sample, 30 samples)"
    res = import_motion(empty_scene, motion, ImportSettings(rate="resample", create_mesh=False))
    assert res.timing == ""                                         # the scene now runs at the clip's rate


@pytest.mark.blender
def test_relative_output_folder_needs_a_saved_blend(empty_scene, tmp_path):
    import bpy
    from hkmr_blender.export.files import output_folder
    assert not bpy.data.filepath
    with pytest.raises(ValueError, match=r"'//export/' is relative to the \.blend file, which is not saved yet"):
        output_folder("//export/")
    with pytest.raises(ValueError, match="choose an output folder"):
        output_folder("  ")
    assert output_folder(str(tmp_path / "out")) == str(tmp_path / "out")
    bpy.ops.wm.save_as_mainfile(filepath=str(tmp_path / "shot.blend"))
    assert output_folder("//export/") == str(tmp_path / "export")


@pytest.mark.blender
def test_batch_export_keeps_clip_names_when_the_scene_already_uses_them(empty_scene, tmp_path):
    import bpy
    from hkmr_blender.export.batch import export_batch
    from hkmr_blender.importing.importer import ImportSettings
    motion, arrays = make_motion(np.random.default_rng(7), frames=6)
    (tmp_path / "in").mkdir()
    write_motion(tmp_path / "in" / "walk.npz", motion)
    atomic_savez(tmp_path / "body.npz", arrays)
    for name in ("walk", "walk_body", "Armature"):                 # the user's own objects
        empty_scene.scene.collection.objects.link(bpy.data.objects.new(name, None))
    bpy.data.actions.new("walk").use_fake_user = True
    before = sorted((o.name, o.type) for o in bpy.data.objects), sorted(a.name for a in bpy.data.actions)
    for preset in ("generic", "unreal"):
        report = export_batch([tmp_path / "in"], tmp_path / preset, preset, "fbx",
                              ImportSettings(rate="set_scene", model_path=str(tmp_path / "body.npz")), progress=False)
        assert report.ok, report.failed
        fbx = read_fbx(tmp_path / preset / "walk.fbx")
        assert fbx.meshes == ["walk_body"]                           # not walk_body.001
        assert _node_names(tmp_path / preset / "walk.fbx") >= {"walk_body", "Armature" if preset == "unreal" else "walk"}
        assert not any(".001" in n for n in _node_names(tmp_path / preset / "walk.fbx"))
        assert _take_names(tmp_path / preset / "walk.fbx") and not any(
            ".001" in t for t in _take_names(tmp_path / preset / "walk.fbx"))
        assert (sorted((o.name, o.type) for o in bpy.data.objects), sorted(a.name for a in bpy.data.actions)) == before


def _node_names(path) -> set[str]:
    import ufbx
    scene = ufbx.load_file(str(path))
    return {n.name for n in scene.nodes}


def _take_names(path) -> list[str]:
    import ufbx
    scene = ufbx.load_file(str(path))
    return [s.name for s in scene.anim_stacks]


@pytest.mark.blender
@pytest.mark.slow
def test_build_works_without_bpy_and_blender_accepts_the_zip(tmp_path):
    """`python build.py` on a Python without bpy (-S: no site-packages) builds the same files; Blender's
    extension tool (from the venv's bpy) validates that zip."""
    proc = subprocess.run([sys.executable, "-S", str(ROOT / "build.py"), "--out", str(tmp_path)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "validation skipped: this Python has no bpy module" in proc.stdout
    zips = list(tmp_path.glob("hkmr_mocap-*.zip"))
    assert len(zips) == 1 and not list(tmp_path.glob(".*"))
    names = zipfile.ZipFile(zips[0]).namelist()
    assert "blender_manifest.toml" in names and "export/game_rig.py" in names and "assets/hkmr_open_body.npz" in names
    assert "retarget/presets/rigify.json" in names and not any("__pycache__" in n for n in names)
    sys.path.insert(0, str(ROOT))
    import build
    ok = subprocess.run([sys.executable, str(build.blender_ext_cli()), "validate", str(zips[0])],
                        capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stdout + ok.stderr
