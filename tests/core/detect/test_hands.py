"""Hand landmarks (MediaPipe Hands from the 0.10.21 wheel) on crops at the body's wrists, on the real demo clip.

core/assets/walk.mp4 (sports2d's demo video, BSD-3-Clause): a woman walks across; her hands are ~20-40 px tall.
"""
from __future__ import annotations

import pathlib

import numpy as np
import pytest

from core.detect import hands as hand_mod
from core.detect import blazepose
from core.detect.blazepose import DetectorError, detect_frames
from core.detect.hand_landmarks import NUM_HAND_POINTS, empty_hands
from core.detect.hands import HandOptions, detect_hands, hand_crop
from core.detect.landmarks import BLAZEPOSE_NAMES
from core.inference.sources import open_source

ROOT = pathlib.Path(__file__).resolve().parents[3]
WALK = ROOT / "core" / "assets" / "walk.mp4"
FRAMES = 40


@pytest.fixture(scope="module")
def walk():
    src = open_source(WALK)
    frames = [f for f in src.frames(0) if f[0] < FRAMES]
    body = detect_frames(iter(frames), fps=src.info.fps)
    return frames, body, detect_hands(iter(frames), body)


def test_hands_found_on_the_body_wrists(walk):
    frames, body, hands = walk
    assert hands.points2d.shape == (FRAMES, 2, NUM_HAND_POINTS, 2) and hands.world.shape == (FRAMES, 2, 21, 3)
    found = hands.found.sum(0)
    assert found[0] >= 8 and found[1] >= 5, found  # measured 36/21 of 54 body frames over 60 frames
    for side, name in enumerate(("left_wrist", "right_wrist")):
        rows = np.nonzero(hands.found[:, side])[0]
        wrist = body.points2d[rows, BLAZEPOSE_NAMES.index(name)]
        other = body.points2d[rows, BLAZEPOSE_NAMES.index(("right_wrist", "left_wrist")[side])]
        d_own = np.linalg.norm(hands.points2d[rows, side, 0] - wrist, axis=1)
        d_other = np.linalg.norm(hands.points2d[rows, side, 0] - other, axis=1)
        assert np.median(d_own) < np.median(d_other)  # the side is the body's
        # a hand, not noise: palm (wrist → middle MCP) and the middle finger have hand-like proportions in 3D
        w = hands.world[rows, side]
        palm = np.linalg.norm(w[:, 9] - w[:, 0], axis=1)
        finger = np.linalg.norm(w[:, 12] - w[:, 9], axis=1)
        assert 0.05 < np.median(palm) < 0.15 and 0.4 < np.median(finger / palm) < 1.5
    assert not hands.points2d[~hands.found].any() and not hands.world[~hands.found].any()


def test_frames_without_a_person_have_no_hands(walk):
    frames, body, _ = walk
    blank = [(i, np.zeros_like(img)) for i, img in frames[:3]]
    none = detect_frames(iter(blank))
    hands = detect_hands(iter(blank), none)
    assert not hands.found.any() and not none.found.any()
    assert empty_hands(np.arange(3)).found.shape == (3, 2)


def test_crop_follows_the_forearm():
    pts = np.zeros((33, 2), np.float32)
    pts[BLAZEPOSE_NAMES.index("left_elbow")] = (100, 100)
    pts[BLAZEPOSE_NAMES.index("left_wrist")] = (200, 100)
    pts[BLAZEPOSE_NAMES.index("left_index")] = (230, 100)
    pts[BLAZEPOSE_NAMES.index("left_pinky")] = (230, 110)
    x0, y0, x1, y1 = hand_crop(pts, 0)
    assert x1 - x0 == pytest.approx(160) and y1 - y0 == pytest.approx(160)  # 1.6 forearms
    assert x0 < 200 < x1 and (x0 + x1) / 2 > 200  # wrist inside, centre past it towards the fingers


@pytest.mark.skipif(blazepose._installed_mediapipe() != blazepose.MEDIAPIPE_VERSION,
                    reason="the legacy route's wheel files (mediapipe 0.10.21, Python 3.11)")
def test_hand_model_files_are_checked(monkeypatch):
    monkeypatch.setenv(blazepose.ROUTE_ENV, "solutions")
    rel = next(iter(hand_mod.HAND_MODEL_FILES))
    monkeypatch.setitem(hand_mod.HAND_MODEL_FILES, rel, "0" * 64)
    with pytest.raises(DetectorError, match="sha256"):
        hand_mod.HandDetector(HandOptions())
