"""Corpus, Blender part of output path safety (issue 19, items 1 and 4): ``hkmr export -o`` and the add-on's
export folder (batch export and per-action export) with files planted around the output; colliding output
names are refused before anything is written, naming the inputs."""
from __future__ import annotations

import os

import numpy as np
import pytest

from hkmr_blender.base.atomic import atomic_savez
from hkmr_blender.base.formats import write_motion
from tests.blender.conftest import bpy_module, empty_scene, make_motion  # noqa: F401  (fixtures)

from .conftest import check_refused, listing, run
from .test_output_safety import _intact, _plant

pytestmark = pytest.mark.blender


@pytest.fixture
def clips(tmp_path):
    """in/walk.npz, in/run.npz, other/walk.npz (same stem), upper/WALK.npz (same stem but for case),
    video/walk.motion.npz and video/jump.motion.npz (Motion from Video's naming), body.npz."""
    motion, arrays = make_motion(np.random.default_rng(5), frames=6)
    for rel in ("in/walk.npz", "in/run.npz", "other/walk.npz", "upper/WALK.npz", "video/walk.motion.npz",
                "video/jump.motion.npz"):
        (tmp_path / rel).parent.mkdir(exist_ok=True)
        write_motion(tmp_path / rel, motion)
    atomic_savez(tmp_path / "body.npz", arrays)
    return tmp_path


def test_export_keeps_planted_files_in_and_around_the_output_folder(empty_scene, clips):  # noqa: F811
    from hkmr_blender.export.batch import export_batch
    from hkmr_blender.importing.importer import ImportSettings

    (clips / "out").mkdir()
    planted = {**{f"out/{k}": v for k, v in _plant(clips / "out").items()},
               **{f"in/{k}": v for k, v in _plant(clips / "in").items()}}
    (clips / "out" / "old.fbx").write_bytes(b"an earlier export of another clip")
    planted["out/old.fbx"] = b"an earlier export of another clip"
    report = export_batch([clips / "in"], clips / "out", settings=ImportSettings(
        rate="set_scene", model_path=str(clips / "body.npz")), progress=False, blend=True)
    assert report.ok and len(report.done) == 2, report.failed
    _intact(clips, planted)
    new = {"walk.fbx", "run.fbx", "walk.blend", "run.blend"}
    assert new <= set(os.listdir(clips / "out"))
    assert not [n for n in os.listdir(clips / "out") if n.startswith((".walk", ".run"))]   # no temporaries


def test_export_names_files_after_the_clip_without_the_motion_ending(empty_scene, clips):  # noqa: F811
    """Motion from Video's walk.motion.npz exports as walk.fbx / walk.blend (the clip's name, as the import names
    its action), not walk.motion.fbx."""
    from hkmr_blender.export.batch import export_batch
    from hkmr_blender.importing.importer import ImportSettings

    report = export_batch([clips / "video"], clips / "out", settings=ImportSettings(
        rate="set_scene", model_path=str(clips / "body.npz")), progress=False, blend=True)
    assert report.ok and len(report.done) == 2, report.failed
    assert sorted(os.listdir(clips / "out")) == ["jump.blend", "jump.fbx", "walk.blend", "walk.fbx"]
    assert sorted(os.path.basename(out) for _, out, _ in report.done) == ["jump.fbx", "walk.fbx"]


# (id, argv after "export", what the message names)
EXPORT_REFUSALS = [
    ("same-stem-in-two-folders", ["{d}/in/walk.npz", "{d}/other/walk.npz", "-o", "{d}/out"],
     ["in/walk.npz", "other/walk.npz", "walk.fbx"]),
    ("same-stem-via-folder-and-file", ["{d}/in", "{d}/other/walk.npz", "-o", "{d}/out"], ["other/walk.npz"]),
    ("same-clip-name-via-the-motion-ending", ["{d}/in/walk.npz", "{d}/video/walk.motion.npz", "-o", "{d}/out"],
     ["in/walk.npz", "video/walk.motion.npz", "walk.fbx"]),
    ("same-stem-with-blend", ["{d}/in/walk.npz", "{d}/other/walk.npz", "--blend", "-o", "{d}/out"], ["walk.blend"]),
    ("output-is-the-input-folder", ["{d}/in", "-o", "{d}/in"], ["also an input"]),
    ("output-inside-the-input-folder", ["{d}/in", "-o", "{d}/in/fbx"], ["inside the input folder"]),
    ("output-is-an-input-file", ["{d}/in/walk.npz", "-o", "{d}/in/walk.npz"], ["also an input"]),
    ("output-file-is-an-input", ["{d}/out/walk.fbx", "{d}/in/run.npz", "-o", "{d}/out"], ["also an input"]),
    ("output-name-is-a-folder", ["{d}/in/run.npz", "-o", "{d}/out"], ["run.fbx", "this is a folder"]),
    # second probe (issue 19)
    ("same-stem-differing-in-case", ["{d}/in/walk.npz", "{d}/upper/WALK.npz", "-o", "{d}/out2"],
     ["in/walk.npz", "upper/WALK.npz"]),
    ("output-is-the-input-folder-with-a-slash", ["{d}/in", "-o", "{d}/in/"], ["also an input"]),
    ("output-is-the-input-folder-via-dotdot", ["{d}/in", "-o", "{d}/other/../in"], ["also an input"]),
    ("output-is-the-input-folder-via-a-link", ["{d}/in", "-o", "{d}/inlink"], ["also an input"]),
    ("output-below-an-input-file", ["{d}/in/run.npz", "-o", "{d}/in/run.npz/fbx"], ["is a file, not a folder"]),
    ("output-empty", ["{d}/in/run.npz", "-o", ""], ["output folder: no name given"]),
]


@pytest.mark.parametrize("argv,names", [c[1:] for c in EXPORT_REFUSALS], ids=[c[0] for c in EXPORT_REFUSALS])
def test_export_refuses_unsafe_and_colliding_outputs_before_any_work(argv, names, clips, capsys):
    (clips / "out" / "run.fbx").mkdir(parents=True)
    os.symlink(clips / "in", clips / "inlink")
    (clips / "out" / "walk.fbx").write_bytes(b"an input that happens to be an fbx")
    planted = {f"out/{k}": v for k, v in _plant(clips / "out").items()}
    before = listing(clips)
    rc, _, err = run(["export", *(a.format(d=clips) for a in argv)], capsys)
    check_refused(rc, err, clips, before, names=names)
    _intact(clips, planted)


def test_export_actions_refuses_colliding_action_names_and_the_blend_file(empty_scene, clips):  # noqa: F811
    import bpy

    from hkmr_blender.export.actions import export_actions
    from hkmr_blender.importing.importer import ImportSettings, import_motion_file

    res = import_motion_file(empty_scene, str(clips / "in" / "walk.npz"), ImportSettings(
        rate="set_scene", model_path=str(clips / "body.npz"), create_mesh=False))
    second = res.action.copy()
    res.action.name, second.name = "Walk?", "Walk*"
    (clips / "out").mkdir()
    planted = {f"out/{k}": v for k, v in _plant(clips / "out").items()}
    before = listing(clips)
    with pytest.raises(ValueError, match=r"action 'Walk\?', action 'Walk\*' → .*Walk_\.fbx"):
        export_actions(empty_scene, res.armature, clips / "out", actions=[res.action, second])
    blend = clips / "scene.blend"
    bpy.ops.wm.save_as_mainfile(filepath=str(blend), copy=False, check_existing=False)
    try:
        before = listing(clips)
        with pytest.raises(ValueError, match="also an input"):
            export_actions(empty_scene, res.armature, blend, actions=[res.action])
        assert listing(clips) == before
        report = export_actions(empty_scene, res.armature, clips / "out", actions=[res.action, second.copy()])
        assert report.ok and sorted(n for n in os.listdir(clips / "out") if n.endswith(".fbx")) == [
            "Walk*.001.fbx".replace("*", "_"), "Walk_.fbx"]
    finally:
        bpy.ops.wm.read_factory_settings(use_empty=True)  # forget the saved file name
    _intact(clips, planted)


def test_failed_export_leaves_no_new_folder(clips, capsys):
    """Second probe (issue 19): every clip fails (all frames invalid) → exit 1, the clip named, and the output
    folders the run created (two levels) are gone again; an existing folder stays."""
    bad = clips / "bad" / "none.npz"
    bad.parent.mkdir()
    with np.load(clips / "in" / "walk.npz") as f:   # the writer refuses such a motion: written by hand
        arrays = {k: f[k] for k in f.files}
    np.savez(bad, **{**arrays, "valid": np.zeros(len(arrays["valid"]), bool)})
    before = listing(clips)
    rc, _, err = run(["export", bad, "-o", clips / "new" / "fbx"], capsys)
    assert rc == 1 and "none.npz" in err and "Traceback" not in err, err
    assert listing(clips) == before
