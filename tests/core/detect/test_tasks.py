"""The detector's Tasks route (core/detect/tasks.py) on the shipped .task bundles: it agrees with the legacy route on
the real demo clip, its bundles are checked and rebuild byte for byte, and the route choice is explicit.

core/assets/walk.mp4 (sports2d's demo video, BSD-3-Clause): a woman walks across a lawn, side-on.
"""
from __future__ import annotations

import hashlib
import importlib.util

import numpy as np
import pytest

from core.assets import REAL_DEMO_CLIP
from core.detect import blazepose, tasks
from core.detect.blazepose import ROUTE_ENV, BlazePose, DetectorError, DetectorOptions, detect_frames
from core.detect.hands import HandDetector, HandOptions, detect_hands
from core.inference.sources import open_source

FRAMES = 40


@pytest.fixture(scope="module")
def walk():
    return [f for f in open_source(REAL_DEMO_CLIP).frames(0) if f[0] < FRAMES]


def _detect(route: str, frames, monkeypatch):
    monkeypatch.setenv(ROUTE_ENV, route)
    body = detect_frames(iter(frames))
    return body, detect_hands(iter(frames), body)


@pytest.mark.skipif(blazepose._installed_mediapipe() != blazepose.MEDIAPIPE_VERSION,
                    reason="the legacy route needs mediapipe 0.10.21 (Python 3.11)")
def test_tasks_route_matches_the_legacy_route_on_the_real_clip(walk, monkeypatch):
    legacy, legacy_hands = _detect("solutions", walk, monkeypatch)
    new, new_hands = _detect("tasks", walk, monkeypatch)
    assert new.found.tolist() == legacy.found.tolist() and new.found.sum() >= FRAMES - 8
    both = new.found
    d = np.linalg.norm(new.points2d[both] - legacy.points2d[both], axis=-1)  # px, 854×480 frames
    # measured (docs/architecture.md): median 0.8 px, mean 1.2 px; single frames up to ~30 px where the two
    # graphs' trackers re-crop differently after a fast move
    assert np.median(d) < 1.5 and np.mean(d) < 2.5, (np.median(d), np.mean(d))
    assert np.percentile(d, 90) < 5.0
    world = np.linalg.norm(new.world[both] - legacy.world[both], axis=-1)
    assert np.median(world) < 0.03  # m
    hb = new_hands.found & legacy_hands.found
    assert hb.sum() >= 0.6 * max(legacy_hands.found.sum(), 1) and legacy_hands.found.sum() > 0
    # hands 20-40 px tall: measured median 1.1 px over these 40 frames
    assert np.median(np.linalg.norm(new_hands.points2d[hb] - legacy_hands.points2d[hb], axis=-1)) < 2.0


def test_tasks_route_finds_the_walker_and_her_hands(walk, monkeypatch):
    body, hands = _detect("tasks", walk, monkeypatch)
    assert body.found.sum() >= FRAMES - 8
    h = walk[0][1].shape[0]
    heights = body.boxes[body.found, 3] - body.boxes[body.found, 1]
    assert np.all((heights > 0.3 * h) & (heights < h))  # a whole person, not a fragment
    assert hands.found.sum() >= 10
    centre, crop = hands.points2d[hands.found].mean(axis=-2), hands.crops[hands.found]
    assert np.all((centre > crop[:, :2]) & (centre < crop[:, 2:]))  # each hand inside the crop searched for it
    extent = np.ptp(hands.points2d[hands.found], axis=-2).max(-1)
    assert np.all((extent > 5) & (extent < crop[:, 2] - crop[:, 0]))  # hand-sized: 20-40 px hands here


@pytest.mark.parametrize("name", sorted(tasks.TASK_FILES))
def test_bundles_are_checked_before_use(name, monkeypatch):
    assert hashlib.sha256(open(tasks.task_path(name), "rb").read()).hexdigest() == tasks.TASK_FILES[name]
    monkeypatch.setitem(tasks.TASK_FILES, name, "0" * 64)
    monkeypatch.setenv(ROUTE_ENV, "tasks")
    with pytest.raises(DetectorError, match=f"{name}.*sha256.*training.detector_bundles"):
        (BlazePose if name.startswith("pose") else lambda: HandDetector(HandOptions()))()


def test_route_choice(monkeypatch):
    monkeypatch.setenv(ROUTE_ENV, "tflite")
    with pytest.raises(DetectorError, match=f"{ROUTE_ENV}='tflite'.*solutions, tasks"):
        blazepose.detector_route()
    monkeypatch.delenv(ROUTE_ENV)
    legacy = blazepose._installed_mediapipe() == blazepose.MEDIAPIPE_VERSION
    assert blazepose.detector_route() == ("solutions" if legacy else "tasks")
    monkeypatch.setenv(ROUTE_ENV, "tasks")
    with pytest.raises(DetectorError, match="smooth=False needs the solutions route"):
        BlazePose(DetectorOptions(smooth=False))


@pytest.mark.skipif(importlib.util.find_spec("flatbuffers") is None
                    or blazepose._installed_mediapipe() != blazepose.MEDIAPIPE_VERSION,
                    reason="rebuilding needs mediapipe 0.10.21's models and flatbuffers (the 3.11 dev venv)")
def test_bundles_rebuild_byte_for_byte(tmp_path):
    from training.detector_bundles import main

    assert main(["--out", str(tmp_path), "--check"]) == 0
    for name, sha in tasks.TASK_FILES.items():
        assert hashlib.sha256((tmp_path / name).read_bytes()).hexdigest() == sha
