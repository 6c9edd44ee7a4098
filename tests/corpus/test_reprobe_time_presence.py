"""Corpus, second probe of time and presence (issue 19, items 2, 3, 9) on the default path (BlazePose + fit),
with real footage: frames of the vendored walk clip and the empty scenes of tests/data/scenes/.

Presence: a person in too few frames, a still photo, one frame, a PNG named .mp4; a scene without anyone
must still say "no person was seen" as a warning line (``--progress json``: what Blender's Motion from Video
shows) before the clear error — also through the real operator. Time: frame times that repeat (a container
with zero-length samples), a jump the decoder gives up at (frames missing from the end), a 1000 fps container,
a WAV named .mp4."""
from __future__ import annotations

import os
import sys
import wave

import cv2
import numpy as np
import pytest

from core.motion import read_motion
from tests.blender.conftest import bpy_module  # noqa: F401  (the one bpy session fixture)
from tests.core.inference.conftest import retime_mp4

from .conftest import ROOT, listing, run, video_frames, walk_frames, write_clip

SCENES = ROOT / "tests" / "data" / "scenes"


def _her(n=30):
    """``n`` frames of the woman walking (854×270 crop of the real clip, frames 30…)."""
    return walk_frames(30, n, rows=(210, 480), cols=(300, 854))


def _infer(video, out, capsys, *extra):
    rc, stdout, err = run(["infer", video, "-o", out, "--progress", "json", *extra], capsys)
    assert "Traceback" not in err, err
    return rc, [ln for ln in stdout.splitlines() if ln.startswith("HKMR_WARNING")], err


# (id, frames, what the warning line says, what the error says)
NOBODY = [
    ("towers-nobody", lambda: video_frames(SCENES / "towers.mp4"), "no person was seen in any of the 40 frames",
     "no person"),
    ("her-in-only-3-frames-then-black", lambda: _her(3) + [np.zeros((270, 554, 3), np.uint8)] * 30,
     "no person was seen in any of the 33 frames", "no person"),
    ("poster-of-a-person", lambda: video_frames(SCENES / "poster_person.mp4"), "no person was seen in any", "no person"),
]


@pytest.mark.parametrize("make,warned,said", [c[1:] for c in NOBODY], ids=[c[0] for c in NOBODY])
def test_nobody_warns_in_json_before_the_error(make, warned, said, tmp_path, capsys):
    video = write_clip(tmp_path / "scene.mp4", make())
    before = listing(tmp_path)
    rc, warnings, err = _infer(video, tmp_path / "m.npz", capsys)
    assert rc == 2 and said in err and err.strip().splitlines()[-1].startswith("error:"), err
    assert any(warned in w and "is anyone in view" in w for w in warnings), warnings
    assert listing(tmp_path) == before


def test_person_box_with_nobody_inside_names_the_box_and_warns(tmp_path, capsys):
    video = write_clip(tmp_path / "her.mp4", _her(12))
    before = listing(tmp_path)
    rc, warnings, err = _infer(video, tmp_path / "m.npz", capsys, "--person", "10,10,120,120")
    assert rc == 2 and "--person 10,10,120,120: the detector found no person inside this box" in err, err
    assert any("no person was seen" in w for w in warnings), warnings
    assert listing(tmp_path) == before


# (id, frames, expected valid frames, warnings expected (substrings; none other allowed))
SHORT = [
    ("one-frame-video", lambda: _her(30)[10:11], 1, []),            # used to warn "seen in only 1 of 1 frames"
    ("two-frame-video", lambda: _her(30)[10:12], 2, []),
    ("still-photo-repeated-20-times", lambda: [_her(30)[10]] * 20, 20, []),
    ("her-in-7-of-47-frames", lambda: _her(7) + [np.zeros((270, 554, 3), np.uint8)] * 40, 7,
     ["a person was seen in only 7 of 47 frames"]),
]


@pytest.mark.parametrize("make,valid,warned", [c[1:] for c in SHORT], ids=[c[0] for c in SHORT])
def test_short_and_still_clips_warn_only_when_someone_is_missing(make, valid, warned, tmp_path, capsys):
    video = write_clip(tmp_path / "clip.mp4", make())
    rc, warnings, err = _infer(video, tmp_path / "m.npz", capsys)
    assert rc == 0, err
    assert int(read_motion(tmp_path / "m.npz").valid.sum()) == valid
    assert len(warnings) == len(warned) and all(w in line for w, line in zip(warned, warnings)), warnings


def test_png_named_mp4_is_one_frame_and_a_wav_named_mp4_is_refused(tmp_path, capsys):
    cv2.imwrite(str(tmp_path / "photo.png"), _her(11)[10])
    os.rename(tmp_path / "photo.png", tmp_path / "photo.mp4")
    rc, warnings, err = _infer(tmp_path / "photo.mp4", tmp_path / "m.npz", capsys)
    assert rc == 0 and read_motion(tmp_path / "m.npz").num_frames == 1 and not warnings, (err, warnings)
    with wave.open(str(tmp_path / "sound.mp4"), "wb") as w:  # audio only
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(8000), w.writeframes(b"\0\0" * 8000)
    before = listing(tmp_path)
    rc, _, err = _infer(tmp_path / "sound.mp4", tmp_path / "s.npz", capsys)
    assert rc == 2 and "sound.mp4" in err and "cannot open this video" in err, err
    assert listing(tmp_path) == before


# (id, per-sample duration factors of a 30-frame 30 fps clip, frames decoded, what the warnings say)
TIMES = [
    ("all-samples-zero-length", [0] * 30, 30, ["broken frame times", "frame 1 does not come after"]),
    ("five-samples-share-one-time", [1] * 10 + [0] * 5 + [1] * 15, 30, ["broken frame times", "frame 11"]),
    ("a-10-s-jump-the-decoder-gives-up-at", [1] * 10 + [300] + [1] * 19, 11,
     ["only 11 of the 30 frames its container lists"]),
    ("a-0.3-s-jump-drops-frames", [1] * 10 + [10] + [1] * 19, 21, ["only 21 of the 30 frames"]),
]


@pytest.mark.parametrize("factors,decoded,warned", [c[1:] for c in TIMES], ids=[c[0] for c in TIMES])
def test_broken_frame_times_and_missing_frames_warn_by_name(factors, decoded, warned, tmp_path, capsys):
    retime_mp4(write_clip(tmp_path / "cfr.mp4", _her()), tmp_path / "odd.mp4", factors)
    rc, warnings, err = _infer(tmp_path / "odd.mp4", tmp_path / "m.npz", capsys)
    assert rc == 0, err
    m = read_motion(tmp_path / "m.npz")
    assert m.num_frames == decoded
    assert m.timestamps is None or np.all(np.diff(m.timestamps) > 0)   # never broken times in the file
    for said in warned:
        assert any(said in w and "odd.mp4" in w for w in warnings), (said, warnings)


def test_1000_fps_container_keeps_its_rate_and_5000_fps_is_broken_metadata(tmp_path, capsys):
    # what a real 1000 fps camera sees in 30 frames (30 ms): a walker who has hardly moved. (The walk's 30 fps
    # frames relabelled 1000 fps would be a walk 33x too fast, which the fit's time-scaled smoothing — σ 1 frame
    # at 30 fps = 33 ms, core.fitting.clip — rightly does not follow.)
    rc, warnings, err = _infer(write_clip(tmp_path / "fast.mp4", _her(1) * 30, fps=1000), tmp_path / "m.npz",
                               capsys)
    assert rc == 0 and not warnings, (err, warnings)
    assert read_motion(tmp_path / "m.npz").fps == pytest.approx(1000)
    video = write_clip(tmp_path / "broken.mp4", _her(12), fps=5000)
    before = listing(tmp_path)
    rc, _, err = _infer(video, tmp_path / "b.npz", capsys)
    assert rc == 2 and "broken.mp4: the container reports 5000 fps" in err and "--fps" in err, err
    assert listing(tmp_path) == before
    rc, _, err = _infer(video, tmp_path / "b.npz", capsys, "--fps", "50")     # the fix the message names
    assert rc == 0 and read_motion(tmp_path / "b.npz").fps == 50, err


@pytest.mark.blender
def test_motion_from_video_in_blender_shows_the_warning_then_the_error(tmp_path, bpy_module, monkeypatch, capfd):
    """The real operator, headless, on the empty launch-pad scene: Blender reports the "no person was seen"
    warning, then the error; nothing is imported and no motion file is written."""
    import bpy

    import hkmr_blender

    monkeypatch.setenv("PYTHONPATH", str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    video = write_clip(tmp_path / "towers.mp4", video_frames(SCENES / "towers.mp4"))
    hkmr_blender.register()
    try:
        before = {o.name for o in bpy.data.objects}
        capfd.readouterr()
        with pytest.raises(RuntimeError, match="hkmr infer failed: .*no person") as exc:
            bpy.ops.hkmr.motion_from_video(filepath=video, python_path=sys.executable)
        shown = capfd.readouterr()
        assert {o.name for o in bpy.data.objects} == before
    finally:
        hkmr_blender.unregister()
    lines = [ln for ln in shown.out.splitlines() if ln.startswith(("Warning:", "Error:"))]
    assert len(lines) == 2 and lines[1].startswith("Error: hkmr infer failed") and "no person" in str(exc.value), lines
    assert lines[0].startswith("Warning: no person was seen in any of the 40 frames") and "towers.mp4" in lines[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["towers.mp4"]
