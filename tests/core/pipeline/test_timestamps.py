"""Real frame times (issue 19, item 3), on real frames: 24 frames of the vendored walk clip, once at its constant
30 fps and once retimed to a variable rate like a phone's (the first half 60 fps, the second 20 fps; pixels
untouched). The variable one is warned about by name, its motion file (v3) keeps the true times and the Blender
import keys at them; the constant one is unchanged (no warning, no timestamps)."""
from __future__ import annotations

import contextlib
import io
import json

import cv2
import numpy as np
import pytest

from core.assets import REAL_DEMO_CLIP
from core.cli import main
from core.inference.timing import timing_report
from core.motion import read_motion
from hkmr_blender.base.motion import FORMAT_VERSION, OPTIONAL_FIELDS
from tests.blender.conftest import bpy_module  # noqa: F401  (fixture)
from tests.core.inference.conftest import retime_mp4

FACTORS = [0.5] * 12 + [1.5] * 12


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    d = tmp_path_factory.mktemp("timing")
    cap = cv2.VideoCapture(str(REAL_DEMO_CLIP))
    for _ in range(30):
        cap.grab()
    frames = [cap.read()[1] for _ in range(24)]
    h, w = frames[0].shape[:2]
    vw = cv2.VideoWriter(str(d / "cfr.mp4"), cv2.VideoWriter_fourcc(*"mp4v"), 30.0, (w, h))
    for f in frames:
        vw.write(f)
    vw.release()
    times = retime_mp4(d / "cfr.mp4", d / "vfr.mp4", FACTORS)
    return d, np.array(times)


def _infer(video, out):
    buf, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(err):
        rc = main(["infer", str(video), "-o", str(out), "--progress", "json", "--chunk-size", "8"])
    assert rc == 0, err.getvalue()
    return buf.getvalue(), err.getvalue()


def test_opencv_reports_the_retimed_presentation_times(clips):
    d, times = clips
    cap = cv2.VideoCapture(str(d / "vfr.mp4"))
    got = []
    while cap.read()[0]:
        got.append(cap.get(cv2.CAP_PROP_POS_MSEC) / 1000)
    np.testing.assert_allclose(got, times, atol=1e-3)
    assert cap.get(cv2.CAP_PROP_FPS) == pytest.approx(30.0, abs=0.5)       # the container's one (average) rate
    report = timing_report(np.arange(24), np.array(got) * 1000, 30.0)
    assert report.variable and report.drift_frame == 12 and report.drift_s == pytest.approx(0.2, abs=0.01)
    steady = timing_report(np.arange(24), np.arange(24) * 1000 / 30.0, 30.0)
    assert not steady.variable and steady.drift_s < 1e-9


def test_variable_rate_video_is_warned_about_and_keeps_its_true_times(clips, bpy_module):
    d, times = clips
    stdout, stderr = _infer(d / "vfr.mp4", d / "vfr.npz")
    warnings = [json.loads(ln.split(" ", 1)[1])["message"] for ln in stdout.splitlines()
                if ln.startswith("HKMR_WARNING")]
    assert len(warnings) == 1 and "variable frame rate" in warnings[0] and str(d / "vfr.mp4") in warnings[0]
    assert "variable frame rate" in stderr
    m = read_motion(d / "vfr.npz")
    with np.load(d / "vfr.npz") as f:
        assert int(f["format_version"]) == FORMAT_VERSION >= OPTIONAL_FIELDS["timestamps"] and "timestamps" in f.files
    np.testing.assert_allclose(m.timestamps, times - times[0], atol=1e-3)

    # the add-on keys each sample at its true time: sample 18 at 0.2 + 6/20 = 0.5 s → scene frame 1 + 15
    from hkmr_blender.importing.importer import ImportSettings, import_motion_file
    from hkmr_blender.importing.plan import sample_times
    from hkmr_blender.rig.keys import action_fcurves

    np.testing.assert_allclose(sample_times(m), times - times[0], atol=1e-3)
    bpy_module.ops.wm.read_factory_settings(use_empty=True)
    context = bpy_module.context
    context.scene.render.fps, context.scene.render.fps_base = 30, 1.0
    res = import_motion_file(context, str(d / "vfr.npz"), ImportSettings(rate="set_scene", create_mesh=False))
    frames = sorted({round(k.co[0], 3) for fc in action_fcurves(res.armature) for k in fc.keyframe_points})
    expected = np.round(1 + (times - times[0]) * 30, 3)
    np.testing.assert_allclose(frames, expected, atol=2e-3)          # evenly spaced would be 1, 2, … 24


def test_constant_rate_video_is_unchanged(clips):
    d, _ = clips
    stdout, stderr = _infer(d / "cfr.mp4", d / "cfr.npz")
    assert "HKMR_WARNING" not in stdout and "variable frame rate" not in stderr
    m = read_motion(d / "cfr.npz")
    assert m.timestamps is None
    with np.load(d / "cfr.npz") as f:
        assert "timestamps" not in f.files
