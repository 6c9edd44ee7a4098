"""The camera stage running beside the start and the fit (core.pipeline.background) gives the sequential path's
result: a real clip panned (a moving crop of core/assets/walk.mp4) through `run_real`, against the stages called
one after another by hand."""
from __future__ import annotations

import threading

import cv2
import numpy as np
import pytest

from core.assets import REAL_DEMO_CLIP
from core.pipeline.background import in_background


@pytest.fixture(scope="module")
def panned(tmp_path_factory):
    """48 frames, a 640×480 window sliding 3 px a frame across the 854×480 clip: the camera pans."""
    path = tmp_path_factory.mktemp("pan") / "pan.mp4"
    cap = cv2.VideoCapture(str(REAL_DEMO_CLIP))
    vw = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 30.0, (640, 480))
    for i in range(48):
        vw.write(cap.read()[1][:, 60 + 3 * i:700 + 3 * i])
    vw.release()
    return str(path)


def test_camera_beside_the_fit_equals_the_stages_in_order(panned, tmp_path):
    from core.body.model import load_body_model
    from core.detect.swaps import fix_swaps
    from core.detect.world_lean import level_world
    from core.fitting.full_camera import FullCamera
    from core.inference.sources import open_source
    from core.inference.workdir import WorkDir
    from core.pipeline.camera import CameraStage, run_camera
    from core.pipeline.detect import DetectStage, run_detect
    from core.pipeline.fit import FitStage, run_fit
    from core.pipeline.run import RealOptions, run_real, world_source
    from core.pipeline.start import StartStage, run_start

    body = load_body_model(None)
    res = run_real(panned, str(tmp_path / "m.npz"), body, RealOptions())
    assert "camera" in res.seconds and res.fit.camera_path is not None  # found moving, run beside the fit

    src = open_source(panned, None)
    with WorkDir(tmp_path / ".w", {}).open(False) as work:
        lm = run_detect(DetectStage(src, RealOptions().detector), work)
    lm = world_source(RealOptions().world3d)(level_world(fix_swaps(lm).landmarks))  # as run_real does after detection
    start = run_start(StartStage(lm))
    _, rotations = run_camera(CameraStage(src, lm, FullCamera.for_image(*lm.image_size).focal))
    assert rotations is not None
    fit = run_fit(body, FitStage(lm, None, start.rotmats, start.betas, camera_rotations=rotations))
    np.testing.assert_allclose(res.fit.rotmats, fit.rotmats, atol=1e-6)
    np.testing.assert_allclose(res.fit.transl, fit.transl, atol=1e-6)
    np.testing.assert_allclose(res.fit.camera_path.centres, fit.camera_path.centres, atol=1e-6)


def test_a_background_stage_runs_while_the_caller_works_and_hands_back_its_error():
    started, release = threading.Event(), threading.Event()

    def stage(x):
        started.set()
        release.wait(10)
        return x * 2

    get = in_background(stage, 21, lambda r, sec: (r, sec >= 0))
    assert started.wait(10)  # running before anyone asks for it
    release.set()
    assert get() == (42, True)

    def broken(_):
        raise OSError("cannot decode frame 7 of clip.mp4")

    with pytest.raises(OSError, match="frame 7"):
        in_background(broken, None, lambda r, sec: r)()
