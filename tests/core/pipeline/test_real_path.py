"""The default real-footage path on real frames: hkmr infer (detector + fit), resume, frames without a person,
and hkmr demo on a short clip. The clip: 24 frames of the vendored core/assets/walk.mp4 with frames 10–12
replaced by a plain grey picture (nobody there)."""
from __future__ import annotations

import json
import re

import cv2
import numpy as np
import pytest

from core.assets import REAL_DEMO_CLIP
from core.cli import main
from core.fitting.clip import ClipFitConfig
from core.inference.workdir import work_dir_for
from core.motion import read_motion

BLANK = (10, 11, 12)


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    path = tmp_path_factory.mktemp("real") / "walk24.mp4"
    cap = cv2.VideoCapture(str(REAL_DEMO_CLIP))
    for _ in range(30):
        cap.grab()
    frames = [cap.read()[1] for _ in range(24)]
    h, w = frames[0].shape[:2]
    vw = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 30.0, (w, h))
    for i, f in enumerate(frames):
        vw.write(np.full_like(f, 128) if i in BLANK else f)
    vw.release()
    return str(path)


@pytest.fixture(scope="module")
def inferred(clip, tmp_path_factory):
    out = tmp_path_factory.mktemp("infer") / "m.npz"
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        rc = main(["infer", clip, "-o", str(out), "--progress", "json", "--chunk-size", "8"])
    assert rc == 0
    return out, buf.getvalue()


def test_infer_defaults_to_detector_and_fit(inferred):
    out, stdout = inferred
    m = read_motion(out)
    assert m.num_frames == 24 and m.fps == 30.0 and m.contacts is not None and m.contacts.shape == (24, 2)
    assert m.hand_pose is None  # hands only with --hands
    # frames without a person are invalid with zero confidence, never filled in as if seen
    assert not m.valid[list(BLANK)].any() and (m.confidence[list(BLANK)] == 0).all()
    seen = np.setdiff1d(np.arange(24), BLANK)
    assert m.valid[seen].sum() >= 18 and (m.confidence[seen][m.valid[seen]] >= 0.3).all()
    assert (m.confidence <= 1).all() and np.isfinite(m.poses).all()
    done = [json.loads(ln.split(" ", 1)[1]) for ln in stdout.splitlines() if ln.startswith("HKMR_DONE")]
    assert done == [{"output": str(out), "frames": 24, "valid": int(m.valid.sum())}]
    assert "HKMR_WARNING" not in stdout and not work_dir_for(out).exists()


def test_a_static_camera_keeps_the_static_path_bit_for_bit(clip, inferred, tmp_path):
    """The default ``--camera auto`` finds the vendored clip's tripod camera static: the motion file is exactly
    the one ``--camera static`` (the path before moving cameras) writes, array for array."""
    out, _ = inferred
    static = tmp_path / "static.npz"
    assert main(["infer", clip, "-o", str(static), "--camera", "static"]) == 0
    with np.load(out) as a, np.load(static) as b:
        assert sorted(a.files) == sorted(b.files) and "view_R" in a.files
        for k in a.files:
            np.testing.assert_array_equal(a[k], b[k], err_msg=k)
        # the filming camera of a static clip: one pose repeated, the fit's pinhole
        assert np.ptp(a["view_R"], axis=0).max() == 0 and a["view_K"][0, 0] > 0


def test_height_sets_the_fitted_body_s_stature(clip, inferred, tmp_path):
    """``--height`` (the add-on's "Person's height" passes the same option) reaches the fitted shape: the written
    betas make the open body that tall, where the default run's body is one adult size from the detector; the
    other frames' poses are still fitted (not the default run's copied)."""
    from core.body.model import load_body_model
    from core.fitting.shape import stature

    body = load_body_model(None)
    out, _ = inferred
    default = stature(body, read_motion(out).betas)
    tall = tmp_path / "tall.npz"
    assert main(["infer", clip, "-o", str(tall), "--height", "1.93", "--progress", "none"]) == 0
    m = read_motion(tall)
    assert abs(stature(body, m.betas) - 1.93) < 0.005 and abs(default - 1.93) > 0.05, default
    assert m.body_model == read_motion(out).body_model and m.valid.sum() >= 18


def test_fit_progress_is_reported_after_detection(inferred):
    """--progress json (what Blender shows): detection per chunk, then the fit per window, up to done = total
    (issue 19: the bar sat at 100 % with no output while the fit ran)."""
    _, stdout = inferred
    lines = [json.loads(ln.split(" ", 1)[1]) for ln in stdout.splitlines() if ln.startswith("HKMR_PROGRESS")]
    stages = [ln["stage"] for ln in lines]
    assert stages[0] == "detect" and "fit" in stages
    assert stages == sorted(stages, key=["detect", "fit"].index)       # every detect line before the fit's
    fit = [ln for ln in lines if ln["stage"] == "fit"]
    passes = (2, ClipFitConfig().passes)                               # start and fit [and the lock rounds]
    assert len(fit) >= 3 and len({ln["total"] for ln in fit}) == 1 and fit[0]["total"] in {24 * p for p in passes}
    done = [ln["done"] for ln in fit]
    assert done == sorted(done) and done[0] < done[-1] == fit[-1]["total"]


def test_interrupted_detection_resumes(clip, tmp_path):
    from core.body.model import load_body_model
    from core.pipeline.run import RealOptions, run_real

    body = load_body_model(None)
    out = tmp_path / "r.npz"

    class Stop(Exception):
        pass

    def boom(k):
        if k == 1:
            raise Stop

    with pytest.raises(Stop):
        run_real(clip, str(out), body, RealOptions(chunk_size=8), on_chunk=boom)
    assert not out.exists() and len(json.loads((work_dir_for(out) / "manifest.json").read_text())["chunks"]) == 2
    import torch

    threads = torch.get_num_threads()
    res = run_real(clip, str(out), body, RealOptions(chunk_size=8), resume=True)
    assert torch.get_num_threads() == threads  # the fit's one thread is restored afterwards
    assert res.resumed_frames == 16 and res.frames == 24 and read_motion(out).num_frames == 24
    # the fit explains the real frames: 2D error a fraction of the torso (a wrong fit is ≥ 0.3 torso lengths)
    assert np.nanmedian(res.fit.reprojection[res.motion.motion.valid]) < 0.2


def test_demo_on_a_real_clip(clip, tmp_path, capsys):
    assert main(["demo", "--clip", clip, "--out", str(tmp_path / "d"), "--no-blender"]) == 0
    text = capsys.readouterr().out
    for stage in ("detect", "fit", "write", "overlay"):
        assert re.search(rf"^  {stage} +\d+\.\d s", text, re.M), text
    scores = json.loads((tmp_path / "d" / "scores.json").read_text())
    assert scores["frames"] == 24 and np.isfinite([scores["reprojection_pct"], scores["jitter_fit"]]).all()
    assert f"{scores['reprojection_pct']:6.1f} % of torso length" in text
    png = cv2.imread(str(tmp_path / "d" / "overlay.png"))
    assert png.shape[0] == 640 and not (png[:320] == png[320:]).all()  # the mesh is drawn on the lower row


def test_demo_options_belong_to_their_mode(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path / "x"), "--frames", "5"]) == 2
    assert "add --synthetic" in capsys.readouterr().err
    assert main(["demo", "--synthetic", "--clip", "a.mp4", "--out", str(tmp_path / "x")]) == 2
    assert not (tmp_path / "x").exists()
