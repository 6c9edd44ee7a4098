"""What the animator sees after importing clips, on the installed extension: Motion from Video writes
``walk.motion.npz`` beside ``walk.mp4`` and every import of it was named 'walk.motion' (armature, action, NLA strip,
exported take), the format's ending read as part of the name; a second import was 'walk.motion.001' with the body
'walk.motion_body.001', and after an import onto a selected rig the next new armature's action took another
number than the armature. Now the clip is 'walk', and one Blender suffix serves the armature, its body and its
action."""
from __future__ import annotations

import numpy as np
import pytest

from tests.blender.conftest import clear_scene, make_motion

pytestmark = pytest.mark.blender


@pytest.mark.parametrize("file,clip", [("walk.motion.npz", "walk"), ("walk.npz", "walk"), ("walk.amass.npz", "walk"),
                                       ("walk.smpl", "walk"), ("Walk.Motion.NPZ", "Walk"), ("take.2.npz", "take.2"),
                                       ("motion.npz", "motion"), (".npz", ".npz"), ("clip.motion", "clip")])
def test_clip_name_drops_the_format_ending(file, clip):
    from hkmr_blender.importing.names import clip_name
    assert clip_name(f"/videos/{file}") == clip


def test_motion_from_videos_output_is_named_after_the_video():
    from hkmr_blender.importing.names import clip_name
    from hkmr_blender.video.job import default_output
    assert default_output("/videos/walk.mp4") == "/videos/walk.motion.npz"
    assert clip_name(default_output("/videos/walk.mp4")) == "walk"


def _import(bpy, path, target="new"):
    h = bpy.context.scene.hkmr
    h.target, h.rate, h.create_mesh, h.nla = target, "set_scene", True, target == "selected"
    try:
        assert bpy.ops.hkmr.import_motion(filepath=str(path)) == {"FINISHED"}
    finally:
        h.target, h.nla = "new", False
    return bpy.context.active_object


def _action(obj):
    ad = obj.animation_data
    return ad.action.name if ad.action else [s.name for t in ad.nla_tracks for s in t.strips][-1]


def test_imports_of_one_file_and_of_two_files_get_distinct_clip_names(installed, bpy_module, tmp_path, capfd):
    from hkmr_blender.base import write_motion
    bpy = bpy_module
    clear_scene(bpy)
    motion, _ = make_motion(np.random.default_rng(4), frames=5)
    for name in ("walk.motion.npz", "run.motion.npz", "jump.amass.npz"):
        write_motion(tmp_path / name, motion)
    capfd.readouterr()
    first = _import(bpy, tmp_path / "walk.motion.npz")
    assert "Imported walk.motion.npz: frames 1-5 on 'walk'" in capfd.readouterr().out
    second = _import(bpy, tmp_path / "walk.motion.npz")
    run = _import(bpy, tmp_path / "run.motion.npz")
    jump = _import(bpy, tmp_path / "jump.amass.npz")
    assert [(o.name, _action(o)) for o in (first, second, run, jump)] == \
        [("walk", "walk"), ("walk.001", "walk.001"), ("run", "run"), ("jump", "jump")]
    bodies = {o.parent.name: o.name for o in bpy.data.objects if o.type == "MESH"}
    assert bodies == {"walk": "walk_body", "walk.001": "walk.001_body", "run": "run_body", "jump": "jump_body"}

    bpy.context.view_layer.objects.active = run         # a clip onto the selected rig: its own strip, named
    _import(bpy, tmp_path / "walk.motion.npz", target="selected")
    assert [s.name for t in run.animation_data.nla_tracks for s in t.strips] == ["walk.002"]
    third = _import(bpy, tmp_path / "walk.motion.npz")  # the next new rig skips the name that action took
    assert (third.name, _action(third), [c.name for c in third.children]) == ("walk.003", "walk.003",
                                                                               ["walk.003_body"])
    assert len({a.name for a in bpy.data.actions}) == len(bpy.data.actions) == 6
