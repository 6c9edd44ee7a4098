"""BlazePose through mediapipe 0.10.21: real detections on real pictures, the pinned OpenCV, the model check.

Pictures (tests/data, crops of the sports2d 0.8.34 demo video, BSD-3-Clause, see tests/data/README.md):
jumping_jack.jpg, a man facing the camera mid jumping jack; no_person.jpg, trees and a building.
"""
from __future__ import annotations

import importlib.metadata
import pathlib
import re

import cv2
import numpy as np
import pytest

from core.detect import blazepose
from core.detect.blazepose import DetectorError, DetectorOptions, detect_frames, parse_person
from core.detect.landmarks import BLAZEPOSE_NAMES

DATA = pathlib.Path(__file__).resolve().parents[2] / "data"
ROOT = pathlib.Path(__file__).resolve().parents[3]


def _rgb(name: str) -> np.ndarray:
    return cv2.cvtColor(cv2.imread(str(DATA / name)), cv2.COLOR_BGR2RGB)


def _one(img: np.ndarray, **opts):
    return detect_frames(iter([(0, img)]), DetectorOptions(**opts))


def _pt(lm, name: str) -> np.ndarray:
    return lm.points2d[0, BLAZEPOSE_NAMES.index(name)]


def test_opencv_stays_the_pinned_headless_build():
    import mediapipe  # noqa: F401 — importing it must not change cv2

    assert cv2.__version__.startswith("4.10."), cv2.__version__
    assert importlib.metadata.version("opencv-python-headless").startswith("4.10.")
    for other in ("opencv-contrib-python", "opencv-python"):  # would write into the same cv2/ folder
        with pytest.raises(importlib.metadata.PackageNotFoundError):
            importlib.metadata.version(other)


@pytest.mark.skipif(blazepose._installed_mediapipe() != blazepose.MEDIAPIPE_VERSION,
                    reason="the legacy route's wheel files (mediapipe 0.10.21, Python 3.11)")
def test_model_files_are_checked_before_use(monkeypatch):
    paths = blazepose.model_paths()
    assert set(paths) == set(blazepose.MODEL_FILES)
    rel = next(iter(blazepose.MODEL_FILES))
    monkeypatch.setitem(blazepose.MODEL_FILES, rel, "0" * 64)
    with pytest.raises(DetectorError, match="sha256"):
        blazepose.model_paths()


def test_finds_person_in_anatomical_order():
    img = _rgb("jumping_jack.jpg")
    lm = _one(img)
    assert lm.found.tolist() == [True]
    assert lm.image_size == (img.shape[1], img.shape[0])
    y = {n: (_pt(lm, f"left_{n}")[1] + _pt(lm, f"right_{n}")[1]) / 2 for n in ("shoulder", "hip", "knee", "ankle")}
    assert _pt(lm, "nose")[1] < y["shoulder"] < y["hip"] < y["knee"] < y["ankle"]
    # facing the camera: the person's left is on the image's right, for every left/right pair below the head
    for n in ("shoulder", "elbow", "hip", "knee", "ankle"):
        assert _pt(lm, f"left_{n}")[0] > _pt(lm, f"right_{n}")[0], n
    # world frame: y down, x to the image's right, centred between the hips
    w = lm.world[0]
    hips = [BLAZEPOSE_NAMES.index("left_hip"), BLAZEPOSE_NAMES.index("right_hip")]
    assert np.linalg.norm(w[hips].mean(0)) < 0.05  # "hip-centred", up to the model's own rounding
    assert w[BLAZEPOSE_NAMES.index("left_ankle"), 1] > w[BLAZEPOSE_NAMES.index("left_shoulder"), 1]
    assert w[BLAZEPOSE_NAMES.index("left_hip"), 0] > w[BLAZEPOSE_NAMES.index("right_hip"), 0]
    # the visible body is confidently seen and inside its box
    body = [BLAZEPOSE_NAMES.index(f"{s}_{n}") for s in ("left", "right") for n in ("shoulder", "hip", "knee")]
    assert (lm.visibility[0, body] > 0.5).all()
    x0, y0, x1, y1 = lm.boxes[0]
    assert (lm.points2d[0, body, 0] >= x0).all() and (lm.points2d[0, body, 0] <= x1).all()
    assert (lm.points2d[0, body, 1] >= y0).all() and (lm.points2d[0, body, 1] <= y1).all()


@pytest.mark.parametrize("img", ["no_person.jpg", "blank"])
def test_no_person_is_not_found(img):
    im = _rgb(img) if img != "blank" else np.full((240, 320, 3), 128, np.uint8)
    lm = _one(im)
    assert lm.found.tolist() == [False]
    assert not lm.points2d.any() and not lm.world.any() and not lm.visibility.any()


def test_person_box_crops_and_maps_back():
    """The person pasted into a larger frame with a decoy copy beside it: the box picks the chosen one
    and its landmarks come back in full-frame pixels."""
    person = _rgb("jumping_jack.jpg")
    h, w = person.shape[:2]
    canvas = np.full((h + 80, 3 * w, 3), 200, np.uint8)
    canvas[40:40 + h, 0:w] = person            # decoy, left
    canvas[40:40 + h, 2 * w:3 * w] = person    # chosen, right
    ref = _one(person)
    lm = _one(canvas, person=(2 * w, 40, 3 * w, 40 + h))
    assert lm.found.all()
    body = [BLAZEPOSE_NAMES.index(f"{s}_{n}") for s in ("left", "right") for n in ("shoulder", "hip", "knee", "ankle")]
    moved = ref.points2d[0, body] + np.array([2 * w, 40])
    # the crop adds a margin, so the model sees the same person at another scale: a few px of model noise
    assert np.abs(lm.points2d[0, body] - moved).max() < 0.03 * h
    assert lm.boxes[0, 0] > 2 * w - 1


def test_person_option_parsing():
    assert parse_person(None) is None and parse_person("auto") is None
    assert parse_person("10,20,110,220") == (10.0, 20.0, 110.0, 220.0)
    for bad in ("10,20,5,220", "left", "1,2,3"):
        with pytest.raises(DetectorError, match="--person"):
            parse_person(bad)


def test_only_the_detector_imports_mediapipe():
    hits = [p.relative_to(ROOT).as_posix() for d in ("core", "training", "hkmr_blender") for p in (ROOT / d).rglob("*.py")
            if re.search(r"^\s*(import mediapipe|from mediapipe)", p.read_text(), re.M)]
    # and the dev-time tool that builds the Tasks bundles from the 0.10.21 models (core/detect/tasks.py)
    assert hits == ["core/detect/blazepose.py", "training/detector_bundles.py"]



def test_no_native_start_up_notes_reach_stderr(capfd, tmp_path):
    """mediapipe's graph opens its models on its own threads and logs "Created TensorFlow Lite XNNPACK delegate" to
    fd 2; on the vendored walk (nobody found on its first frames) that note came after the first frame's silenced
    call, between frames, on 1-2 of 3 ``hkmr infer --no-mirror`` runs. The graph is now waited for while fd 2 is
    hidden."""
    from core.assets import REAL_DEMO_CLIP
    from core.cli import main

    assert main(["infer", str(REAL_DEMO_CLIP), "-o", str(tmp_path / "w.npz"), "--no-mirror", "--progress", "none"]) == 0
    err = capfd.readouterr().err
    assert "XNNPACK" not in err and "w.npz: 100 frames" in err, err
