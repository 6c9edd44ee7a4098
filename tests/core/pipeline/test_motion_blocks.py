"""A long video's motion file written block by block (core.pipeline.motion_blocks) is the file the whole-array path
writes: on the real walk clip's BlazePose landmarks played forwards and backwards past the long-video threshold
(1,200 frames), with a variable frame rate so the file holds timestamps, fitted in segments by the long-video path
(core.pipeline.stream) and written both ways from the same fit. A failed write leaves nothing; a rerun writes the
same file."""
from __future__ import annotations

import errno
import os
import zipfile
from types import SimpleNamespace

import numpy as np
import pytest

from core.motion import read_motion
from core.pipeline.motion import MIN_RUN, NoPerson, presence
from core.pipeline.motion_blocks import BlockedMotionStage, block_ranges, run_motion_blocks

FRAMES = 1300  # past StreamConfig().min_frames: two segments, [0, 600) and [600, 1300)
BLOCK = 256  # block edges at 256, 512, … fall inside and beside the segments' blended frames


@pytest.fixture(scope="module")
def long_fit(tmp_path_factory):
    """(body, the fit on disk, the work folder, the clip's info): the walk's landmarks looped to FRAMES frames
    at a variable rate (33 ms and 40 ms steps), fitted by the long-video path."""
    from core.assets import REAL_DEMO_CLIP
    from core.body.model import load_body_model
    from core.detect.blazepose import DetectorOptions
    from core.inference.sources import open_source
    from core.inference.workdir import WorkDir
    from core.pipeline.detect import DetectStage, landmarks_to_arrays, run_detect
    from core.pipeline.detect_process import FinishedDetection
    from core.pipeline.run import RealOptions
    from core.pipeline.stream import StreamConfig, fit_streamed

    d = tmp_path_factory.mktemp("blocks")
    with WorkDir(d / "detect", {}).open(False) as work:
        lm = run_detect(DetectStage(open_source(str(REAL_DEMO_CLIP), None), DetectorOptions()), work)
    arrays = landmarks_to_arrays(lm)
    m = lm.num_frames
    idx = np.resize(np.concatenate([np.arange(m), np.arange(m)[::-1]]), FRAMES)
    looped = {k: v[idx] for k, v in arrays.items()}
    looped["frame_index"] = np.arange(FRAMES)
    looped["time_ms"] = np.concatenate([[0.0], np.cumsum(np.where(np.arange(1, FRAMES) % 7 < 4, 33.0, 40.0))])
    work = WorkDir(d / "w", {}).open(False)
    for a in range(0, FRAMES, 256):
        work.add_chunk({k: v[a:a + 256] for k, v in looped.items()}, min(256, FRAMES - a), {})
    work.mark_complete()
    w, h = lm.image_size
    info = SimpleNamespace(width=w, height=h, fps=lm.fps, num_frames=FRAMES, path="looped")
    body = load_body_model(None)
    res = fit_streamed(body, SimpleNamespace(info=info), FinishedDetection(work), RealOptions(camera="static"),
                       StreamConfig(), work.path / "fit")
    assert res is not None and res.segments == 2 and res.fit.frames == FRAMES
    yield body, res.fit, work, info
    work.lock.release()


def _stage(long_fit, output, **kw) -> BlockedMotionStage:
    from core.pipeline.detect import frame_times, landmarks_from_arrays

    body, fit, work, info = long_fit
    index = work.load_range(0, FRAMES, keys=("frame_index", "time_ms", "found"))
    size = (info.width, info.height)
    return BlockedMotionStage(fit, lambda a, b: landmarks_from_arrays(work.load_range(a, b), size, info.fps),
                              index["frame_index"], frame_times(index), info.fps, str(output), **{"block": BLOCK, **kw})


def _whole(long_fit, output):
    """The whole-array path (core.pipeline.motion.run_motion) on the same fit, as run_real takes it on a clip it
    fits whole: the whole clip's landmarks, swaps undone and the world levelled."""
    from core.detect.swaps import fix_swaps
    from core.detect.world_lean import level_world
    from core.pipeline.detect import load_landmarks
    from core.pipeline.motion import MotionStage, run_motion

    body, fit, work, info = long_fit
    lm = level_world(fix_swaps(load_landmarks(work, info)).landmarks)
    return run_motion(body, MotionStage(fit.clip_fit(), lm, str(output)))


def test_blocked_file_is_the_whole_arrays_file(long_fit, tmp_path):
    body = long_fit[0]
    out = run_motion_blocks(body, _stage(long_fit, tmp_path / "blocks.npz"))
    _whole(long_fit, tmp_path / "whole.npz")
    a, b = read_motion(tmp_path / "blocks.npz"), read_motion(tmp_path / "whole.npz")
    assert a.num_frames == b.num_frames == out.frames == FRAMES
    # what a user sees: validity (the presence gate, here with frames dropped and kept), contacts, timing
    assert np.array_equal(a.valid, b.valid) and np.array_equal(out.valid, b.valid)
    assert 0 < int(b.valid.sum()) < FRAMES
    assert np.array_equal(a.contacts, b.contacts) and a.contacts.any()
    assert np.array_equal(a.frame_index, b.frame_index) and a.fps == b.fps
    assert b.timestamps is not None and np.array_equal(a.timestamps, b.timestamps)
    # the numbers: computed from the fit's float32 rotations in float64 both ways; they differ only in the order
    # of float64 sums (matrix products over a block or the whole clip), far below float32's 1.2e-7
    np.testing.assert_allclose(a.poses, b.poses, rtol=0, atol=1e-9)
    np.testing.assert_allclose(a.trans, b.trans, rtol=0, atol=1e-9)
    np.testing.assert_allclose(a.confidence, b.confidence, rtol=0, atol=1e-6)  # float32, labels swapped or not
    np.testing.assert_allclose(a.view.R, b.view.R, rtol=0, atol=1e-12)
    np.testing.assert_allclose(a.view.t, b.view.t, rtol=0, atol=1e-12)
    assert np.array_equal(a.view.K, b.view.K) and np.array_equal(a.view.size, b.view.size)
    for k in ("betas", "rest_joints", "parents"):
        assert np.array_equal(getattr(a, k), getattr(b, k)), k
    assert np.array_equal(a.mesh.vertices, b.mesh.vertices) and np.array_equal(a.mesh.faces, b.mesh.faces)
    assert (a.gender, a.up_axis, a.body_model, a.joint_names) == (b.gender, b.up_axis, b.body_model, b.joint_names)
    with zipfile.ZipFile(tmp_path / "blocks.npz") as za, zipfile.ZipFile(tmp_path / "whole.npz") as zb:
        assert za.namelist() == zb.namelist()  # the same members in the same order: one format, one reader


def _looped_frames(info) -> SimpleNamespace:
    """The looped clip's frames (the real walk forwards and backwards, as ``long_fit``'s landmarks), as a frame
    source for the overlay."""
    from core.assets import REAL_DEMO_CLIP
    from core.inference.sources import open_source

    images = [img for _, img in open_source(str(REAL_DEMO_CLIP), None).frames()]
    order = np.resize(np.r_[np.arange(len(images)), np.arange(len(images))[::-1]], FRAMES)
    return SimpleNamespace(info=info, frames=lambda: ((i, images[k]) for i, k in enumerate(order)))


def test_overlay_from_disk_is_the_whole_arrays_overlay(long_fit, tmp_path):
    """``--overlay`` on a long video reads the trajectory from the fit's columns a batch at a time
    (:class:`core.pipeline.motion_blocks.DiskTrajectory`): the same world and the same pictures as the whole-array
    path's trajectory, at frames beside block edges and the segments' seam."""
    from core.inference.overlay import overlay_frames

    body, fit, _, info = long_fit
    blocked = run_motion_blocks(body, _stage(long_fit, tmp_path / "blocks.npz"))
    whole = _whole(long_fit, tmp_path / "whole.npz")
    for a, b in ((0, 32), (240, 272), (590, 622), (1268, FRAMES)):
        p, q = blocked.world.part(a, b), whole.world.part(a, b)
        np.testing.assert_allclose(p.rotmats, q.rotmats, rtol=0, atol=1e-9)
        np.testing.assert_allclose(p.trans, q.trans, rtol=0, atol=1e-9)
        np.testing.assert_allclose(p.cam_R, q.cam_R, rtol=0, atol=1e-12)
        np.testing.assert_allclose(p.cam_t, q.cam_t, rtol=0, atol=1e-12)
    ok = np.flatnonzero(whole.motion.valid)
    picks = sorted({int(ok[np.argmin(np.abs(ok - t))]) for t in (0, 255, 256, 600, 640, FRAMES - 1)})
    src = _looped_frames(info)
    got = overlay_frames(src, body, blocked.world, fit.betas, blocked.valid, fit.camera.focal, picks)
    want = overlay_frames(src, body, whole.world, fit.betas, whole.motion.valid, fit.camera.focal, picks)
    for i in picks:
        image, drawn = got[i]
        assert (drawn != image).any(axis=2).mean() > 0.005, i  # the body is drawn over the frame
        # float32 vertices from rotations equal to 1e-9: at most a rare edge pixel may flip
        assert (np.abs(drawn.astype(int) - want[i][1]).max(axis=2) > 2).mean() < 1e-4, i


def test_presence_gate_per_block_is_the_whole_clips():
    """The gate's persistence rule across block edges: blocks read MIN_RUN − 1 frames past each end."""
    rng = np.random.default_rng(0)
    n = 997
    found = rng.random(n) < 0.8
    conf = rng.random(n).astype(np.float32)
    reproj = np.where(rng.random(n) < 0.1, np.nan, rng.random(n) * 0.6)
    legs = rng.random(n) * 0.4 + 0.65
    whole = presence(found, conf, reproj, 0.2, legs)
    assert 0 < whole.sum() < n and not np.array_equal(whole, found & (conf >= 0.2))
    for block in (1, 2, MIN_RUN, 7, 100):
        got = np.concatenate([presence(found[lo:hi], conf[lo:hi], reproj[lo:hi], 0.2, legs[lo:hi], n)[a - lo:b - lo]
                              for a, b, lo, hi in block_ranges(n, block, MIN_RUN - 1)])
        assert np.array_equal(got, whole), block


def _listing(folder):
    return sorted((p.name, p.stat().st_size) for p in folder.iterdir())


def test_no_person_leaves_the_folder_as_it_was(long_fit, tmp_path):
    """Nobody passes the gate (confidence ≥ 1): "no person", and the earlier file of that name, a neighbour and
    the folder's listing are as they were: no half-written file, no temporary."""
    out = tmp_path / "motion.npz"
    out.write_bytes(b"an earlier result")
    (tmp_path / "notes.txt").write_text("mine")
    before = _listing(tmp_path)
    with pytest.raises(NoPerson, match="no person"):
        run_motion_blocks(long_fit[0], _stage(long_fit, out, min_confidence=1.0))
    assert _listing(tmp_path) == before and out.read_bytes() == b"an earlier result"


def test_a_write_that_fails_midway_leaves_nothing_and_a_rerun_writes_the_file(long_fit, tmp_path, monkeypatch):
    """The disk fills while the file's members are written from the per-frame rows (ENOSPC after the poses):
    the error names the file, nothing is left beside it; the same stage run again writes the whole file."""
    import hkmr_blender.base.motion_v1 as v1
    from hkmr_blender.base.columns import Columns

    class DiskFull(Columns):
        def streamed(self, name, block=4096):
            arr = super().streamed(name, block)
            if name != "trans":
                return arr

            def blocks():
                yield from list(arr.blocks())[:1]
                raise OSError(errno.ENOSPC, "No space left on device")
            return type(arr)(arr.dtype, arr.shape, blocks)

    out = tmp_path / "motion.npz"
    monkeypatch.setattr(v1, "Columns", DiskFull)
    with pytest.raises(OSError, match="motion.npz"):
        run_motion_blocks(long_fit[0], _stage(long_fit, out))
    assert os.listdir(tmp_path) == []
    monkeypatch.undo()
    run_motion_blocks(long_fit[0], _stage(long_fit, out))
    run_motion_blocks(long_fit[0], _stage(long_fit, tmp_path / "again.npz", block=1000))
    a, b = read_motion(out), read_motion(tmp_path / "again.npz")
    assert a.num_frames == FRAMES and np.array_equal(a.valid, b.valid)
    np.testing.assert_allclose(a.poses, b.poses, rtol=0, atol=1e-9)
