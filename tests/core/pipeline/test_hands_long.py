"""``hkmr infer --hands`` on a long video stays on the blocked path (core.pipeline.hand_blocks): the real walk clip
played forwards and backwards to 150 frames, with segments, detection chunks and finger-fit blocks small enough that
the clip is long (two segments, four hand chunks, two hand blocks blended over their shared frames).

The run is interrupted in its hand stage (after the first block's wrists were refined in the fit's columns on disk)
and resumed; its file is then checked against the whole clip's functions on the same inputs (exactly) and against
the whole-clip path run on the same video (within what the two paths' different body fits explain)."""
from __future__ import annotations

import json

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from core.inference.workdir import work_dir_for
from core.motion import read_motion
from core.pipeline.hands import HandBlocks
from core.pipeline.run import RealOptions, run_real
from core.pipeline.stream import StreamConfig
from tests.core.pipeline.test_stream import looped_walk

FRAMES = 150
#: Two segments, cores [0, 64) and [64, 150); the first holds ≥ 32 frames with a person.
STREAM = StreamConfig(segment=64, margin=8, prefix_found=32, min_frames=120)
#: Hands detected 40 frames at a time; fitted in blocks [0, 64) and [64, 150), blended over frames 56–72.
BLOCKS = HandBlocks(block=64, margin=8, chunk=40)
WRISTS = (20, 21)


class Interrupted(Exception):
    pass


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """(long run's result, its logs, the whole-clip run's result, the folder): the long run is interrupted once in
    its hand stage and resumed; its work folder is kept."""
    from unittest import mock

    import core.pipeline.hand_blocks as hb
    from core.body.model import load_body_model

    d = tmp_path_factory.mktemp("hands_long")
    video = str(looped_walk(d / "walk_looped.mp4", FRAMES))
    body = load_body_model(None)
    opts = dict(stream=STREAM, hand_blocks=BLOCKS, hands=True, chunk_size=32, keep_work=True)
    class StopAfterFirstBlock(hb.Columns):
        def append(self, arrays):
            if "hand_pose" in arrays:  # the first block's wrists are already written into the fit's columns
                raise Interrupted
            super().append(arrays)

    with mock.patch.object(hb, "Columns", StopAfterFirstBlock), pytest.raises(Interrupted):
        run_real(video, str(d / "long.npz"), body, RealOptions(**opts))
    assert work_dir_for(d / "long.npz").is_dir() and not (d / "long.npz").exists()
    logs: list[str] = []
    progress = logs.append  # the stages' reports land beside the log lines, as (stage, done, total)
    long = run_real(video, str(d / "long.npz"), body, RealOptions(**opts), resume=True, log=logs.append,
                    fit_progress=lambda done, total, stage="fit": progress((stage, done, total)))
    whole = run_real(video, str(d / "whole.npz"), body, RealOptions(stream=None, hand_blocks=BLOCKS, hands=True))
    return long, logs, whole, d, video


def test_long_video_with_hands_takes_the_blocked_path(runs):
    long, logs, whole, d, _ = runs
    assert any("2 segments" in m for m in logs), logs  # the fit in segments beside detection
    # written block by block (no whole-clip arrays in the result), not the whole-clip fallback that --hands took
    assert long.fit is None and long.motion is None and long.hands is None and whole.hands is not None
    assert long.seconds["hand_detect"] > 0 and long.seconds["hand_fit"] > 0
    assert long.resumed_frames == FRAMES  # detection was resumed; the hands were redone (nothing of them is kept)
    hands = [(a, b) for st, a, b in (m for m in logs if isinstance(m, tuple)) if st == "hands"]
    assert len(hands) >= 4 and hands[-1] == (2 * FRAMES, 2 * FRAMES)  # every chunk and block reported, in order
    assert all(b >= a for a, b in zip(hands, hands[1:]))
    hands_line = next(m for m in logs if isinstance(m, str) and m.startswith("hands:"))
    assert f"of {FRAMES} frames" in hands_line and "wrists refined in 0 " not in hands_line
    m = read_motion(d / "long.npz")
    assert m.hand_pose.shape == (FRAMES, 90) and np.isfinite(m.hand_pose).all()
    assert m.hand_seen.shape == (FRAMES, 2) and m.hand_seen[:, 0].sum() > 20 and m.hand_seen[:, 1].sum() > 10


def test_hands_are_the_whole_clip_functions_on_the_same_inputs(runs):
    """What the blocked stage computes is what the whole clip's stage computes from the same detections and the same
    body fit: the same hands seen; ``hand_pose`` = :func:`core.pipeline.hands.run_hand_fit` on the run's β; the
    body's wrists = :func:`core.pipeline.hands.refine_body_wrists` on the run's own fit (its segments replayed from
    the kept work folder, unrefined), the other joints untouched."""
    from types import SimpleNamespace

    from core.body.model import load_body_model
    from core.inference.sources import open_source
    from core.inference.workdir import WorkDir
    from core.pipeline.detect_process import FinishedDetection
    from core.pipeline.hands import refine_body_wrists, run_hand_fit
    from core.pipeline.stream import fit_streamed

    long, _, whole, d, video = runs
    body, m = load_body_model(None), read_motion(d / "long.npz")
    # the detections: the whole-clip run's, on the same landmarks (its own BlazePose pass) — identical
    assert np.array_equal(m.hand_seen, whole.hands.found)
    folder = work_dir_for(d / "long.npz")
    with WorkDir(folder, json.loads((folder / "manifest.json").read_text())["fingerprint"]).open(True) as work:
        replay = fit_streamed(body, SimpleNamespace(info=open_source(video, None).info), FinishedDetection(work),
                              RealOptions(stream=STREAM, camera="static"), STREAM, work.path / "fit")
        fit = replay.fit.clip_fit()  # the segments' fit as stored, before the wrists were refined
    hand_fit = run_hand_fit(body, fit.betas, whole.hands, BLOCKS)
    # the same float64 computation on the same inputs, in the same blocks
    np.testing.assert_allclose(m.hand_pose, hand_fit.hand_pose, rtol=0, atol=1e-12)
    refined, done = refine_body_wrists(body, fit, hand_fit)
    assert done.sum() > 20
    local = Rotation.from_rotvec(m.poses.reshape(-1, 3)).as_matrix().reshape(FRAMES, -1, 3, 3)
    # joint-local rotations (all but the root's) are the fit's, kept as float32 on disk: 1e-6 is float32's rounding
    np.testing.assert_allclose(local[:, 1:24], np.asarray(refined.rotmats)[:, 1:24], rtol=0, atol=2e-6)
    unrefined = np.asarray(fit.rotmats, np.float64)[:, list(WRISTS)]
    moved = np.abs(local[:, list(WRISTS)] - unrefined).max(axis=(-1, -2)) > 1e-4
    assert np.array_equal(moved, done), (moved.sum(0), done.sum(0))  # exactly the refined wrists were turned


def _angles_deg(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per frame and joint: the angle between two (F, 3·J) axis-angle poses."""
    ra, rb = (Rotation.from_rotvec(p.reshape(-1, 3)) for p in (a, b))
    return np.degrees((ra.inv() * rb).magnitude()).reshape(len(a), -1)


def test_long_and_whole_clip_paths_agree(runs):
    """The long path's file against the whole-clip path's on the same video. They share detection (the same hands
    are seen) and the hands' code, but not the body fit (segments with β from the first one vs the whole clip,
    test_stream.py): the body's poses, wrists included, agree as closely as the two fits do there, and the fingers —
    fitted on a hand skeleton shaped by each fit's β — within a tenth of a degree at the median."""
    long, _, whole, d, _ = runs
    a, b = read_motion(d / "long.npz"), read_motion(d / "whole.npz")
    assert np.array_equal(a.hand_seen, b.hand_seen) and a.hand_seen.any()
    body = _angles_deg(a.poses, b.poses)
    assert np.median(body) < 1.0 and np.quantile(body, 0.95) < 5.0, (np.median(body), np.quantile(body, 0.95))
    wrists = body[:, list(WRISTS)][a.hand_seen]  # measured: median 0.8°, 95 % 3.9°
    assert np.median(wrists) < 2.0, np.median(wrists)
    # the fingers are fitted on a hand skeleton shaped by each path's β: measured median 0.08° / 99 % 1.1° and, with
    # main's later keypoint model (β further apart), median 0.09° / 99 % 6.6°; the same inputs give the same fingers
    # exactly (test_hands_are_the_whole_clip_functions_on_the_same_inputs)
    fingers = _angles_deg(a.hand_pose, b.hand_pose)
    assert np.median(fingers) < 0.5 and np.quantile(fingers, 0.99) < 12.0, (np.median(fingers),
                                                                             np.quantile(fingers, 0.99))
