"""Corpus: person presence on real scenes (issue 19, items 2 and 9). ``hkmr infer`` on footage without a person —
real photos panned and zoomed (tests/data/scenes/: a launch pad that fools BlazePose at mediapipe's defaults, a
poster of a person), crops of the real walk clip where nobody walks, black, dark and noise frames — ends with a
clear "no person" error (exit 2, no traceback, nothing written); footage with a person keeps its frames where she is
and marks the rest invalid. The gate: core/pipeline/motion.py ``presence`` and core/detect/blazepose.py
``MIN_POSE_PRESENCE``; calibration: docs/inference.md, "Person presence"."""
from __future__ import annotations

import numpy as np
import pytest

from core.motion import read_motion

from .conftest import ROOT, listing, run, video_frames, walk_frames, write_clip

SCENES = ROOT / "tests" / "data" / "scenes"


def _noise(n=30, w=320, h=240):
    rng = np.random.default_rng(0)
    return [rng.integers(0, 256, (h, w, 3), dtype=np.uint8) for _ in range(n)]


EMPTY = {
    "launch-pad-towers": (lambda: video_frames(SCENES / "towers.mp4"), []),
    "launch-pad-towers-no-legs": (lambda: video_frames(SCENES / "towers_legless.mp4"), []),
    "poster-of-a-person": (lambda: video_frames(SCENES / "poster_person.mp4"), []),
    "trees-after-she-left": (lambda: walk_frames(40, 40, cols=(600, 854)), []),
    "empty-lawn-corner": (lambda: walk_frames(0, 40, rows=(300, 480), cols=(0, 200)), []),
    "black-frames": (lambda: [np.zeros((240, 320, 3), np.uint8)] * 30, []),
    "very-dark-towers": (lambda: video_frames(SCENES / "towers.mp4", gain=0.08), []),
    "noise-frames": (_noise, []),
    "towers-min-confidence-0": (lambda: video_frames(SCENES / "towers.mp4"), ["--min-confidence", "0"]),
    "towers-then-black": (lambda: video_frames(SCENES / "towers.mp4")[:20]
                          + [np.zeros((240, 320, 3), np.uint8)] * 10, []),
}


@pytest.mark.parametrize("make, extra", EMPTY.values(), ids=EMPTY.keys())
def test_scene_without_a_person_says_so_and_writes_nothing(make, extra, tmp_path, capsys):
    video = write_clip(tmp_path / "scene.mp4", make())
    before = listing(tmp_path)
    rc, out, err = run(["infer", video, "-o", tmp_path / "m.npz", "--progress", "json", *extra], capsys)
    assert rc == 2, err
    assert "Traceback" not in err and "HKMR_DONE" not in out
    assert "no person" in err and ("is anyone in view" in err or "fully in view" in err), err
    assert listing(tmp_path) == before                       # no motion file, no work folder, no lock


def _infer(tmp_path, frames, capsys):
    video = write_clip(tmp_path / "clip.mp4", frames)
    rc, out, err = run(["infer", video, "-o", tmp_path / "m.npz", "--progress", "json"], capsys)
    assert rc == 0 and "Traceback" not in err, err
    return read_motion(tmp_path / "m.npz"), out


def test_person_leaving_the_frame_is_valid_only_while_she_is_in_it(tmp_path, capsys):
    """Right half of the walk clip, frames 20–79: she walks out of its left edge."""
    m, _ = _infer(tmp_path, walk_frames(20, 60, rows=(210, 480), cols=(427, 854)), capsys)
    assert m.valid[:25].all() and not m.valid[-15:].any(), np.flatnonzero(m.valid)


def test_person_cut_by_the_frame_edge_while_entering_is_kept(tmp_path, capsys):
    """Left part of the walk clip, frames 20–59: she comes in at the right edge, cut by it, then walks inside."""
    m, _ = _infer(tmp_path, walk_frames(20, 40, rows=(210, 480), cols=(0, 600)), capsys)
    assert m.valid[-25:].all() and 25 <= int(m.valid.sum()) <= 36, np.flatnonzero(m.valid)


def test_person_then_the_fooling_scene_marks_only_the_person(tmp_path, capsys):
    """30 frames of the woman walking, then the launch pad that fools BlazePose (same size): only her frames."""
    person = walk_frames(50, 30, rows=(230, 470), cols=(280, 600))
    m, out = _infer(tmp_path, person + video_frames(SCENES / "towers.mp4")[:30], capsys)
    assert int(m.valid[:30].sum()) >= 27 and not m.valid[30:].any(), np.flatnonzero(m.valid)
    assert "HKMR_WARNING" not in out                          # half the clip shows her: no "anyone in view?"


def test_dim_footage_of_a_person_keeps_her_frames(tmp_path, capsys):
    """The walk clip at a quarter of its brightness (an underexposed evening clip): she is still there."""
    m, _ = _infer(tmp_path, walk_frames(30, 30, rows=(210, 480), gain=0.25), capsys)
    assert int(m.valid.sum()) >= 27, np.flatnonzero(m.valid)


def test_person_cut_above_the_knees_is_no_person_and_says_film_the_whole_body(tmp_path, capsys):
    """The woman of the walk clip with the frame cut at her thighs (no leg in view): the tool needs the whole body,
    so nothing is keyed and the error says how to film."""
    video = write_clip(tmp_path / "cut.mp4", walk_frames(30, 30, rows=(200, 380), cols=(400, 854)))
    before = listing(tmp_path)
    rc, out, err = run(["infer", video, "-o", tmp_path / "m.npz"], capsys)
    assert rc == 2 and "Traceback" not in err, err
    assert "no person" in err and "a leg in view" in err and "Film the whole body" in err, err
    assert listing(tmp_path) == before
