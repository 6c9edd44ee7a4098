"""Must-show: after FBX export and re-import (anim_offset=0) world bone heads still equal smplx forward
kinematics within 1e-3 m, frame-aligned; batch export goes on past bad clips and never leaves a
half-written output; glTF/BVH write; the CLI works."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from hkmr_blender.base.atomic import atomic_savez
from hkmr_blender.base.formats import write_motion
from hkmr_blender.base.skeleton import SMPL_JOINT_NAMES
from tests.blender.conftest import heads_over_frames, make_motion, smplx_joints, to_blender

pytestmark = pytest.mark.blender
FRAMES = 20
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def clips(tmp_path):
    """Two good motion files, one broken one, and the body model file."""
    motion, arrays = make_motion(np.random.default_rng(5), frames=FRAMES)
    write_motion(tmp_path / "in" / "walk.npz" if (tmp_path / "in").mkdir() is None else None, motion)
    write_motion(tmp_path / "in" / "run.npz", make_motion(np.random.default_rng(6), frames=8, arrays=arrays)[0])
    (tmp_path / "in" / "broken.npz").write_bytes(b"not a zip")
    atomic_savez(tmp_path / "body.npz", arrays)
    return tmp_path, motion, arrays


def _import_fbx(context, path):
    import bpy
    before = set(bpy.data.objects)
    assert bpy.ops.import_scene.fbx(filepath=str(path), anim_offset=0.0) == {"FINISHED"}
    return next(o for o in set(bpy.data.objects) - before if o.type == "ARMATURE")


def test_fbx_round_trip_matches_smplx_frame_aligned(empty_scene, clips):
    from hkmr_blender.export.batch import export_batch
    from hkmr_blender.importing.importer import ImportSettings
    tmp, motion, arrays = clips
    report = export_batch([tmp / "in"], tmp / "out", "generic", "fbx",
                          ImportSettings(rate="set_scene", model_path=str(tmp / "body.npz")), progress=False)
    assert [Path(s).name for s, _ in report.failed] == ["broken.npz"]
    assert "broken.npz" in report.failed[0][0] and "not a readable .npz" in report.failed[0][1]
    assert sorted(Path(o).name for _, o, _ in report.done) == ["run.fbx", "walk.fbx"]
    assert len(empty_scene.scene.objects) == 0                      # the batch cleaned up after itself
    assert sorted(os.listdir(tmp / "out")) == ["run.fbx", "walk.fbx"]   # no temporary files left

    arm = _import_fbx(empty_scene, tmp / "out" / "walk.fbx")
    assert sorted(b.name for b in arm.data.bones) == sorted(SMPL_JOINT_NAMES)   # no leaf bones added
    empty_scene.scene.render.fps = 30
    heads = heads_over_frames(empty_scene, arm, list(SMPL_JOINT_NAMES), range(1, FRAMES + 1))
    np.testing.assert_allclose(heads, to_blender(smplx_joints(motion, arrays)), atol=1e-3)


def _fbx_units_and_scales(path) -> tuple[float, np.ndarray]:
    """UnitScaleFactor (cm per file unit) and every Model node's Lcl Scaling, via Blender's FBX parser."""
    from io_scene_fbx import parse_fbx
    root, _ = parse_fbx.parse(str(path))
    find = lambda e, n: [c for c in e.elems if c.id == n]  # noqa: E731
    props = find(find(root, b"GlobalSettings")[0], b"Properties70")[0].elems
    unit = next(p.props[4] for p in props if p.props[0] == b"UnitScaleFactor")
    scales = [p.props[4:] for m in find(find(root, b"Objects")[0], b"Model")
              for p in find(m, b"Properties70")[0].elems if p.props[0] == b"Lcl Scaling"]
    return unit, np.array(scales)


def test_unreal_preset_is_centimetres_with_a_single_root(empty_scene, clips):
    from hkmr_blender.export.batch import export_batch
    from hkmr_blender.importing.importer import ImportSettings
    tmp, motion, arrays = clips
    settings = ImportSettings(rate="set_scene", create_mesh=False, model_path=str(tmp / "body.npz"))
    assert export_batch([tmp / "in" / "walk.npz"], tmp / "ue", "unreal", "fbx", settings, progress=False).ok
    assert export_batch([tmp / "in" / "walk.npz"], tmp / "gen", "generic", "fbx", settings, progress=False).ok
    unit, scales = _fbx_units_and_scales(tmp / "ue" / "walk.fbx")
    # 1 file unit = 100 cm with no node scaled: an importer converting to cm gets the body at scale 1
    assert unit == 100.0 and np.allclose(scales, 1.0, atol=1e-4)
    unit, scales = _fbx_units_and_scales(tmp / "gen" / "walk.fbx")
    assert unit == 1.0 and np.isclose(scales.max(), 100.0)           # Blender's default: 100× on the armature
    arm = _import_fbx(empty_scene, tmp / "ue" / "walk.fbx")
    assert arm.name == "Armature"                                     # Unreal drops it: no extra root bone
    assert [b.name for b in arm.data.bones if b.parent is None] == ["pelvis"]
    empty_scene.scene.render.fps = 30
    heads = heads_over_frames(empty_scene, arm, list(SMPL_JOINT_NAMES), (1, FRAMES))
    np.testing.assert_allclose(heads, to_blender(smplx_joints(motion, arrays))[[0, -1]], atol=1e-3)


def test_existing_output_is_not_overwritten_by_a_failing_export(empty_scene, clips, monkeypatch):
    from hkmr_blender.export import files as file_export
    from hkmr_blender.export.batch import export_batch
    from hkmr_blender.importing.importer import ImportSettings
    tmp, _, _ = clips
    out = tmp / "out"
    out.mkdir()
    (out / "walk.fbx").write_bytes(b"previous good export")

    def half_write(context, tmp_path, fmt, preset, frame_range):
        Path(tmp_path).write_bytes(b"half")
        raise RuntimeError("exporter crashed")
    monkeypatch.setattr(file_export, "_write", half_write)
    report = export_batch([tmp / "in" / "walk.npz"], out, settings=ImportSettings(
        rate="set_scene", create_mesh=False, model_path=str(tmp / "body.npz")), progress=False)
    assert report.failed and "exporter crashed" in report.failed[0][1]
    assert (out / "walk.fbx").read_bytes() == b"previous good export"
    assert os.listdir(out) == ["walk.fbx"]


@pytest.mark.parametrize("fmt", ["glb", "bvh"])
def test_gltf_and_bvh_are_written(empty_scene, clips, fmt):
    from hkmr_blender.export.batch import export_batch
    from hkmr_blender.importing.importer import ImportSettings
    tmp, _, _ = clips
    report = export_batch([tmp / "in" / "run.npz"], tmp / fmt, "generic", fmt,
                          ImportSettings(rate="set_scene", model_path=str(tmp / "body.npz")), progress=False)
    assert report.ok, report.failed
    data = (tmp / fmt / f"run.{fmt}").read_bytes()
    assert data[:4] == b"glTF" if fmt == "glb" else data.startswith(b"HIERARCHY\nROOT pelvis")


@pytest.mark.slow
def test_cli_runs_headless_and_reports_failures(clips):
    tmp, _, _ = clips
    proc = subprocess.run([sys.executable, "-m", "hkmr_blender.export.batch", str(tmp / "in"), "-o", str(tmp / "cli"),
                           "--preset", "unity", "--model", str(tmp / "body.npz")],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr              # one clip is broken
    assert "2 exported, 1 failed" in proc.stdout
    assert "broken.npz" in proc.stderr
    assert sorted(os.listdir(tmp / "cli")) == ["run.fbx", "walk.fbx"]
