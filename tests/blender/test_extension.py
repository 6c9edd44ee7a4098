"""Must-show: the built zip validates and installs; its operators run headless; bad files give a clear
report and leave the scene unchanged."""
from __future__ import annotations

import dataclasses

import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from hkmr_blender.base import FORMAT_VERSION, write_motion
from tests.blender.conftest import clear_scene, import_with_mixamo_target, make_motion

pytestmark = pytest.mark.blender
ROOT = Path(__file__).resolve().parents[2]


def test_zip_contents_and_registration(installed, bpy_module):
    zip_path, module = installed
    names = zipfile.ZipFile(zip_path).namelist()
    assert {"blender_manifest.toml", "__init__.py", "rig/transforms.py", "rig/keys.py", "feet/pin.py"} <= set(names)
    assert "wheels/smplcodec-2.3.0-py3-none-any.whl" in names
    assert not any(n.endswith((".pyc", "conftest.py")) for n in names)
    assert "bl_ext.user_default.hkmr_mocap" in bpy_module.context.preferences.addons
    assert hasattr(bpy_module.types.Scene, "hkmr") and hasattr(bpy_module.types, "HKMR_PT_motion")
    assert hasattr(bpy_module.types, "HKMR_OT_motion_from_video")  # registered with the rest
    prefs = bpy_module.context.preferences.addons["bl_ext.user_default.hkmr_mocap"].preferences
    assert prefs.python_path == "" and hasattr(prefs, "hkmr_source_dir")
    # the scene's import properties are derived from the one ImportSettings dataclass, defaults included
    # (FloatProperty stores float32: 0.3 reads back as 0.30000001)
    from hkmr_blender.importing.settings import ImportSettings
    from hkmr_blender.ui.fields import from_props
    got, want = (dataclasses.asdict(s) for s in (from_props(ImportSettings, bpy_module.context.scene.hkmr),
                                                  ImportSettings()))
    assert got.pop("min_confidence") == pytest.approx(want.pop("min_confidence"), rel=1e-6) and got == want
    assert module.rig.compat.BRANCH == module.rig.compat.branch_for(bpy_module.app.version)
    # the bpy layer never imports torch/scipy; core_runtime/ (core for the `hkmr infer` subprocess) is not imported here
    pkg = Path(module.__file__).parent
    src = "".join(p.read_text() for p in pkg.rglob("*.py") if "core_runtime" not in p.relative_to(pkg).parts)
    assert "import torch" not in src and "import scipy" not in src
    inside = str(pkg / "core_runtime")
    assert not [n for n, m in list(sys.modules.items()) if str(getattr(m, "__file__", "") or "").startswith(inside)]


def test_operators_run_headless(installed, bpy_module, tmp_path):
    bpy = bpy_module
    clear_scene(bpy)
    motion, arrays = make_motion(np.random.default_rng(2), frames=12)
    write_motion(tmp_path / "clip.npz", motion)
    s = bpy.context.scene.hkmr
    s.rate, s.create_mesh = "set_scene", True      # the shipped open body gives the mesh
    assert bpy.ops.hkmr.import_motion(filepath=str(tmp_path / "clip.npz")) == {"FINISHED"}
    arm = bpy.context.active_object
    assert arm.type == "ARMATURE" and len(arm.data.bones) == 24
    from hkmr_blender.rig import compat
    assert (compat.assigned_slot(arm) is not None) == compat.slotted()   # the action plays through its slot
    assert any(o.type == "MESH" for o in bpy.context.scene.objects) == module_has_body(installed)
    site = Path(bpy.utils.user_resource("EXTENSIONS")) / ".local" / "lib"
    assert list(site.glob("python3*/site-packages/smplcodec/__init__.py"))   # bundled wheel installed
    assert bpy.ops.hkmr.bake() == {"FINISHED"}
    assert arm.animation_data.action.name.endswith("_baked")
    s.export_dir = str(tmp_path / "out")
    s.root_mode, s.pin_feet = "root_motion", True      # 4.5.15 raised out of the operator here (issue 23)
    assert bpy.ops.hkmr.export_batch(directory=str(tmp_path), files=[{"name": "clip.npz"}]) == {"FINISHED"}
    assert (tmp_path / "out" / "clip.fbx").stat().st_size > 1000
    s.root_mode, s.pin_feet = "world", False


def test_smpl_codec_file_imports_through_the_operator(installed, bpy_module, tmp_path):
    from hkmr_blender.base.smpl_codec import write_smpl_codec
    bpy = bpy_module
    clear_scene(bpy)
    if not module_has_body(installed):
        pytest.skip("needs the shipped open body for rest joints (.smpl files carry none)")
    write_smpl_codec(tmp_path / "clip.smpl", make_motion(np.random.default_rng(4), frames=5)[0])
    bpy.context.scene.hkmr.target, bpy.context.scene.hkmr.rate = "new", "set_scene"
    assert bpy.ops.hkmr.import_motion(filepath=str(tmp_path / "clip.smpl")) == {"FINISHED"}
    assert bpy.context.scene.frame_end == 5


def module_has_body(installed) -> bool:
    return (Path(installed[1].__file__).parent / "assets" / "hkmr_open_body.npz").is_file()


def _bad_files(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    motion, _ = make_motion(np.random.default_rng(3), frames=6)
    good = tmp_path / "good.npz"
    write_motion(good, motion)
    base = dict(np.load(good))
    cases = {
        "version": ({**base, "format_version": np.array(FORMAT_VERSION + 1)}, f"version {FORMAT_VERSION + 1} is newer"),
        "nan": ({**base, "poses": np.where(np.arange(72) == 5, np.nan, base["poses"])}, "NaN"),
        "joints": ({**base, "poses": base["poses"][:, :69]}, "shape"),
        "missing": ({k: v for k, v in base.items() if k != "trans"}, "missing field"),
    }
    out = {}
    for name, (arrays, message) in cases.items():
        np.savez(tmp_path / f"{name}.npz", **arrays)
        out[name] = (tmp_path / f"{name}.npz", message)
    (tmp_path / "notzip.npz").write_bytes(b"garbage")
    out["notzip"] = (tmp_path / "notzip.npz", "not a readable .npz")
    return out


def test_bad_files_report_clearly_and_leave_the_scene_unchanged(installed, bpy_module, tmp_path):
    bpy = bpy_module
    clear_scene(bpy)
    scene = bpy.context.scene
    for name, (path, message) in _bad_files(tmp_path).items():
        before = (len(bpy.data.objects), len(bpy.data.actions), len(bpy.data.armatures), scene.render.fps,
                  scene.frame_end)
        with pytest.raises(RuntimeError, match=message) as err:
            bpy.ops.hkmr.import_motion(filepath=str(path))
        assert path.name in str(err.value), name                     # the report names the file
        after = (len(bpy.data.objects), len(bpy.data.actions), len(bpy.data.armatures), scene.render.fps,
                 scene.frame_end)
        assert after == before, name
    # "apply to selected" with nothing selected: a report, nothing created
    scene.hkmr.target = "selected"
    with pytest.raises(RuntimeError, match="select an armature"):
        bpy.ops.hkmr.import_motion(filepath=str(tmp_path / "good.npz"))
    assert len(bpy.data.objects) == 0


def test_clip_operators_run_headless(installed, bpy_module, tmp_path):
    """Import two clips onto one rig (NLA), pin feet, root motion, export per action — through bpy.ops."""
    bpy = bpy_module
    clear_scene(bpy)
    for name, seed in (("walk", 7), ("jog", 8)):
        write_motion(tmp_path / f"{name}.npz", make_motion(np.random.default_rng(seed), frames=10)[0])
    scene = bpy.context.scene
    scene.hkmr.target, scene.hkmr.rate, scene.hkmr.create_mesh = "new", "set_scene", False
    c = scene.hkmr
    c.nla, c.root_mode, c.rest_frame = True, "root_motion", True
    assert bpy.ops.hkmr.import_clips(directory=str(tmp_path), files=[{"name": "walk.npz"},
                                                                     {"name": "jog.npz"}]) == {"FINISHED"}
    arm = bpy.context.active_object
    assert "root" in arm.data.bones
    assert sorted(s.action.name for t in arm.animation_data.nla_tracks for s in t.strips) == ["jog", "walk"]
    arm.animation_data.action = bpy.data.actions["walk"]
    assert bpy.ops.hkmr.pin_feet() == {"FINISHED"}
    c.root_mode = "in_place"
    assert bpy.ops.hkmr.root_motion() == {"FINISHED"}
    arm.data.hkmr_bones.left_upper = "left_hip"      # a half-typed leg chain is refused with a report
    with pytest.raises(RuntimeError, match="set every leg bone or none"):
        bpy.ops.hkmr.pin_feet()
    arm.data.hkmr_bones.left_upper = ""
    scene.hkmr.export_dir, scene.hkmr.export_format = str(tmp_path / "out"), "glb"
    assert bpy.ops.hkmr.export_actions() == {"FINISHED"}
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["jog.glb", "walk.glb"]


def test_retarget_operators_run_headless(installed, bpy_module, tmp_path):
    """Retarget UI path: presets shipped in the zip, auto-map into the UIList rows, save/load a preset,
    retarget onto a Mixamo-named rig; a bad preset file is reported, not raised."""
    bpy = bpy_module
    zip_names = zipfile.ZipFile(installed[0]).namelist()
    assert {f"retarget/presets/{n}.json" for n in ("mixamo", "rigify", "unreal", "unity")} <= set(zip_names)
    _, target = import_with_mixamo_target(bpy, tmp_path, seed=3, frames=8)
    s = target.data.hkmr_map                      # the Target's own mapping
    assert bpy.ops.hkmr.retarget_auto_map() == {"FINISHED"}
    # 22 body joints + the two LeftHandMiddle1/RightHandMiddle1 finger bones the test rig has (SMPL-H middle1)
    assert s.family == "mixamo" and len(s.items) == 24 and min(i.confidence for i in s.items) == 1.0
    assert {i.joint: i.bone for i in s.items}["left_middle1"] == "mixamorig:LeftHandMiddle1"
    assert {i.joint: i.bone for i in s.items}["left_elbow"] == "mixamorig:LeftForeArm"
    assert bpy.ops.hkmr.retarget_save_preset(filepath=str(tmp_path / "mine.json")) == {"FINISHED"}
    s.items.clear()
    assert bpy.ops.hkmr.retarget_load_preset(filepath=str(tmp_path / "mine.json")) == {"FINISHED"}
    assert len(s.items) == 24
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(RuntimeError, match="bad.json"):
        bpy.ops.hkmr.retarget_load_preset(filepath=str(tmp_path / "bad.json"))
    assert len(s.items) == 24                                          # unchanged after the error
    assert bpy.ops.hkmr.retarget_map_edit(action="ADD") == {"FINISHED"} and len(s.items) == 25
    assert bpy.ops.hkmr.retarget_map_edit(action="REMOVE") == {"FINISHED"} and len(s.items) == 24
    assert bpy.ops.hkmr.retarget_load_preset(shipped="mixamo") == {"FINISHED"}
    bpy.context.scene.hkmr_retarget.action_name = "walk_on_mixamo"
    assert bpy.ops.hkmr.retarget() == {"FINISHED"}
    assert target.animation_data.action.name == "walk_on_mixamo"
    assert target.pose.bones["mixamorig:LeftArm"].rotation_mode == "QUATERNION"
    assert hasattr(bpy.types, "HKMR_PT_retarget") and hasattr(bpy.types, "HKMR_UL_bone_map")
    # the rig's bones reach its own feet / root-motion bone fields: both run on the retargeted rig
    b = target.data.hkmr_bones
    assert (b.hips_bone, b.left_upper, b.right_toe) == ("mixamorig:Hips", "mixamorig:LeftUpLeg", "mixamorig:RightToeBase")
    h = bpy.context.scene.hkmr
    bpy.context.view_layer.objects.active = target
    assert bpy.ops.hkmr.pin_feet() == {"FINISHED"}
    h.root_mode = "in_place"
    assert bpy.ops.hkmr.root_motion() == {"FINISHED"}
