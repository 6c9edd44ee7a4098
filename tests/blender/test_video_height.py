"""Motion from Video's "Person's height": an operator property in the scene's length units that reaches ``hkmr infer
--height`` in metres (0 = unknown), refused with a clear message when it is no person's height — then, on real
frames of the vendored walk clip, the motion file's body is that tall (docs/experiments.md "Moving camera, part 6":
the true height cuts the world root error ~23 %)."""
from __future__ import annotations

import os
import sys

import pytest

from tests.blender.conftest import has_torch

pytestmark = pytest.mark.blender
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture
def video_op(bpy_module, tmp_path, monkeypatch):
    """The add-on registered in a fresh file whose scene counts in centimetres (1 unit = 0.01 m, as many game-engine
    scenes do); the video operator, run against this checkout's ``hkmr infer`` in this Python."""
    import hkmr_blender

    bpy = bpy_module
    bpy.ops.wm.read_factory_settings(use_empty=True)
    bpy.context.scene.unit_settings.scale_length = 0.01
    monkeypatch.setenv("PYTHONPATH", ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    hkmr_blender.register()
    try:
        yield bpy.ops.hkmr.motion_from_video
    finally:
        hkmr_blender.unregister()


def _clip(tmp_path) -> str:
    from tests.corpus.conftest import walk_frames, write_clip

    return str(write_clip(tmp_path / "walk.mp4", walk_frames(30, 20)))


def test_the_property_is_a_length_with_unknown_as_default(video_op):
    prop = video_op.get_rna_type().properties["height"]
    assert (prop.unit, prop.subtype, prop.default, prop.hard_min) == ("LENGTH", "DISTANCE", 0.0, 0.0)
    assert prop.name == "Person's height"


def test_a_height_that_is_no_person_s_is_refused_before_anything_runs(video_op, tmp_path):
    """1.9 typed into a centimetre scene is 1.9 cm: refused naming the value in metres before the video is even opened
    (so any file will do: the bpy version matrix has no OpenCV to write one), nothing written."""
    video = tmp_path / "clip.mp4"
    video.write_bytes(b"\0" * 64)
    before = sorted(os.listdir(tmp_path))
    with pytest.raises(RuntimeError, match=r"Person's height 0\.019: the person's height in metres, between 0\.5 and "
                                           r"2\.5 \(e\.g\. 1\.75\): you typed 1\.9 cm .*, or 0 if unknown"):
        video_op(filepath=str(video), output=str(tmp_path / "m.npz"), python_path=sys.executable, height=1.9,
                 import_result=False)
    assert sorted(os.listdir(tmp_path)) == before


def test_a_height_typed_in_feet_scene_is_named_as_typed(video_op, bpy_module, tmp_path):
    """An imperial scene counts in feet: 65 typed (meaning inches) is 65 ft = 19.812 m. The refusal said only
    "Person's height 19.812: the person's height in metres…", a number the animator never typed; it names what was
    typed in the scene's units and how to type a height with its unit. Nothing runs, nothing is written."""
    scene = bpy_module.context.scene
    scene.unit_settings.system, scene.unit_settings.scale_length = "IMPERIAL", 1.0
    video = tmp_path / "clip.mp4"
    video.write_bytes(b"\0" * 64)
    before = sorted(os.listdir(tmp_path))
    with pytest.raises(RuntimeError, match=r"Person's height 19\.812: .*: you typed 65' \(the scene's units are "
                                           r"imperial\); type it with its unit, e\.g\. 1\.75 m, 175 cm or 5' 9\", "
                                           r"or 0 if unknown"):
        video_op(filepath=str(video), output=str(tmp_path / "m.npz"), python_path=sys.executable,
                 height=65 * 0.3048, import_result=False)
    assert sorted(os.listdir(tmp_path)) == before


@pytest.mark.slow
@pytest.mark.skipif(not has_torch(), reason="hkmr infer needs torch in this Python (not in the bpy version matrix)")
def test_the_height_reaches_the_fitted_body(video_op, tmp_path):
    """190 (cm, the scene's unit) → ``hkmr infer --height 1.9`` → the written betas make the open body 1.90 m tall."""
    from core.body.model import load_body_model
    from core.fitting.shape import stature
    from hkmr_blender.base import read_motion

    out = tmp_path / "m.npz"
    assert video_op(filepath=_clip(tmp_path), output=str(out), python_path=sys.executable, height=190.0,
                    import_result=False) == {"FINISHED"}
    assert abs(stature(load_body_model(None), read_motion(out).betas) - 1.90) < 0.005
