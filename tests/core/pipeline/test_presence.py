"""Person presence on real footage (issue 19, item 2). Real empty scenes — crops of the vendored walk clip where
nobody ever walks, and a pan over tests/data/no_person.jpg — end in a clear error and no motion file; a clip the
person walks out of says how few frames show a person (the warning Blender's Motion from Video shows); frames
whose landmarks the fitted body cannot match are not a person. Thresholds: core/pipeline/motion.py (calibrated on
the walk clip, never on CMU 01/55/131)."""
from __future__ import annotations

import contextlib
import io
import json
from dataclasses import replace

import cv2
import numpy as np
import pytest

from core.assets import REAL_DEMO_CLIP
from core.cli import main
from core.motion import read_motion
from tests.corpus.conftest import listing, video_frames, walk_frames, write_clip

ROOT_DATA = REAL_DEMO_CLIP.parents[2] / "tests" / "data"


def _frames(first: int, count: int) -> list[np.ndarray]:
    return walk_frames(first, count)


_write = write_clip


def _infer(video, out):
    buf, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(err):
        rc = main(["infer", str(video), "-o", str(out), "--progress", "json"])
    return rc, buf.getvalue(), err.getvalue()


EMPTY = {
    "trees-and-building-strip": lambda: [cv2.resize(f[:, :150], (300, 960)) for f in _frames(0, 30)],
    "tree-trunk-strip": lambda: [cv2.resize(f[:, 750:], (312, 1440)) for f in _frames(40, 30)],
    "no-person-photo-pan": lambda: [cv2.resize(cv2.imread(str(ROOT_DATA / "no_person.jpg"))[:, k:k + 150], (480, 480))
                                    for k in range(0, 150, 5)],
}


@pytest.mark.parametrize("make", EMPTY.values(), ids=EMPTY.keys())
def test_real_empty_scene_yields_no_motion_and_says_so(make, tmp_path):
    video = _write(tmp_path / "empty.mp4", make())
    before = listing(tmp_path)
    rc, stdout, err = _infer(video, tmp_path / "m.npz")
    assert rc == 2 and "no person" in err and "Traceback" not in err, err
    assert "HKMR_DONE" not in stdout
    assert listing(tmp_path) == before                       # no motion file, no work folder, no lock


def test_person_walking_out_of_view_is_warned_about(tmp_path):
    """Crop of the walk clip's right third (her legs in view), frames 28–77: she walks out of it after 8 frames."""
    video = _write(tmp_path / "leaving.mp4", walk_frames(28, 50, rows=(210, 480), cols=(560, 854)))
    rc, stdout, err = _infer(video, tmp_path / "m.npz")
    assert rc == 0, err
    m = read_motion(tmp_path / "m.npz")
    k = int(m.valid.sum())
    assert 5 <= k <= 10 and m.valid[:5].all() and not m.valid[12:].any()
    warnings = [json.loads(ln.split(" ", 1)[1])["message"] for ln in stdout.splitlines()
                if ln.startswith("HKMR_WARNING")]
    assert any(f"a person was seen in only {k} of 50 frames" in w for w in warnings), warnings


def test_frames_whose_landmarks_the_body_cannot_match_are_not_a_person(tmp_path):
    """Real landmarks of the walk clip with frames 8–10 scrambled (the detector's points of another shape, at
    full visibility — what a false detection in foliage looks like): the fit cannot match them, so they are
    invalid; the others stay valid."""
    from core.body.model import load_body_model
    from core.pipeline.fit import FitStage, run_fit
    from core.pipeline.motion import MAX_REPROJECTION, MotionStage, run_motion
    from core.pipeline.run import RealOptions, run_real

    video = _write(tmp_path / "walk.mp4", _frames(30, 24))
    body = load_body_model(None)
    res = run_real(video, str(tmp_path / "m.npz"), body, RealOptions())
    lm = res.landmarks
    assert res.valid_frames == 24 and np.nanmax(res.fit.reprojection) < MAX_REPROJECTION
    pts = lm.points2d.copy()
    rng = np.random.default_rng(0)
    for i in (8, 9, 10):
        lo, hi = pts[i].min(0), pts[i].max(0)
        pts[i] = lo + rng.random(pts[i].shape) * (hi - lo)       # a cloud of points in the person's box
    bad = replace(lm, points2d=pts)
    fit = run_fit(body, FitStage(bad))
    out = run_motion(body, MotionStage(fit, bad, str(tmp_path / "bad.npz")))
    assert (fit.reprojection[[8, 9, 10]] > 2 * MAX_REPROJECTION).all()       # measured 1.2–1.6 torso lengths
    assert not out.motion.valid[[8, 9, 10]].any()
    assert out.motion.valid[np.r_[0:7, 12:24]].all()


SCENE = ROOT_DATA / "scenes" / "towers.mp4"


def test_detector_fooled_at_mediapipe_defaults_is_overruled(tmp_path):
    """tests/data/scenes/towers.mp4 (a launch pad, nobody): at mediapipe's default pose-presence threshold BlazePose
    reports a person in several frames; the project's gate (pose presence, a leg seen, the fit agreeing, a run of
    frames) leaves none of them, so no motion file is written."""
    from core.body.model import load_body_model
    from core.detect.blazepose import MIN_POSE_PRESENCE, DetectorOptions, detect_frames
    from core.pipeline.fit import FitStage, run_fit
    from core.pipeline.motion import MotionStage, run_motion

    frames = ((i, np.ascontiguousarray(f[:, :, ::-1])) for i, f in enumerate(video_frames(SCENE)))
    lm = detect_frames(frames, DetectorOptions(min_tracking=0.5))
    assert lm.found.sum() >= 5 and MIN_POSE_PRESENCE > 0.5             # measured 10 of 40 frames
    body = load_body_model(None)
    with pytest.raises(ValueError, match="is anyone in view"):
        run_motion(body, MotionStage(run_fit(body, FitStage(lm)), lm, str(tmp_path / "m.npz")))
    assert not (tmp_path / "m.npz").exists()


def test_real_person_keeps_every_frame_the_detector_found(tmp_path):
    """The woman of the walk clip, 40 frames: every frame BlazePose found her in stays valid."""
    from core.body.model import load_body_model
    from core.pipeline.run import RealOptions, run_real

    video = _write(tmp_path / "woman.mp4", walk_frames(40, 40, rows=(210, 480)))
    res = run_real(video, str(tmp_path / "m.npz"), load_body_model(None), RealOptions())
    assert res.landmarks.found.sum() >= 38 and res.valid_frames == res.landmarks.found.sum()
    assert res.warnings == []
