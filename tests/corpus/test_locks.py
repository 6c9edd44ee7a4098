"""Corpus: two runs on one output (issue 19, item 4). A run holds ``.NAME.hkmr-work.lock`` (its pid) from
start to end: a second run on the same ``-o`` is refused naming that pid and writes nothing; the lock of a
dead process is taken over; a folder named like the work folder that is not ours is never removed; a
truncated chunk in the work folder is redone on ``--resume`` instead of a BadZipFile traceback."""
from __future__ import annotations

import signal
import subprocess
import sys

import numpy as np
import pytest

from core.inference.workdir import RunLock, WorkDirError, work_dir_for
from core.motion import read_motion
from tests.core.inference.conftest import write_video

from .conftest import check_refused, hkmr_subprocess, listing, run
from .test_interrupt_disk import _wait_for


def _argv(assets, video, out, *extra):
    return ["infer", video, "-o", out, "--no-fit", "--checkpoint", assets["ckpt"], "--body", assets["body"],
            "--progress", "none", *extra]


def _lock_of(out):
    work = work_dir_for(out)
    return work.with_name(work.name + ".lock")


def test_second_run_on_the_same_output_is_refused_naming_the_first(assets, tmp_path, capsys):
    """A real first run, stopped (SIGSTOP) while it holds the lock: the second run is refused, names its pid and
    changes nothing; the first then finishes normally and leaves no lock."""
    video = write_video(tmp_path / "clip.mp4", 200)
    out = tmp_path / "m.npz"
    first = hkmr_subprocess([*_argv(assets, video, out, "--chunk-size", "8", "--batch-size", "4")[:-2], "--progress",
                             "json"], tmp_path)
    try:
        _wait_for(first, "HKMR_PROGRESS")
        first.send_signal(signal.SIGSTOP)
        assert _lock_of(out).read_text().split()[0] == str(first.pid)
        before = listing(tmp_path)
        rc, _, err = run(_argv(assets, video, out), capsys)
        check_refused(rc, err, tmp_path, before, names=[f"pid {first.pid}", str(_lock_of(out))])
    finally:
        first.send_signal(signal.SIGCONT)
    _, err = first.communicate(timeout=300)
    assert first.returncode == 0, err
    assert read_motion(out).num_frames == 200
    assert not _lock_of(out).exists()


def test_lock_of_a_dead_process_is_taken_over(assets, tmp_path, capsys):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    video = write_video(tmp_path / "clip.mp4", 12)
    out = tmp_path / "m.npz"
    _lock_of(out).write_text(f"{dead.pid}\n")
    rc, _, err = run(_argv(assets, video, out), capsys)
    assert rc == 0, err
    assert read_motion(out).num_frames == 12 and not _lock_of(out).exists()


def test_lock_is_released_after_a_failed_run_in_the_same_process(assets, tmp_path, capsys):
    """A run that fails after taking the lock (here: a work folder of other settings on --resume) releases it, so
    the next run in the same process (the Blender add-on, tests) is not refused."""
    video = write_video(tmp_path / "clip.mp4", 12)
    out = tmp_path / "m.npz"
    assert run(_argv(assets, video, out, "--keep-work"), capsys)[0] == 0
    rc, _, err = run(_argv(assets, video, out, "--resume", "--min-confidence", "0.9"), capsys)
    assert rc == 2 and "other settings" in err, err
    assert not _lock_of(out).exists()
    assert run(_argv(assets, video, out), capsys)[0] == 0


def test_run_lock_refuses_a_live_owner_and_names_it(tmp_path):
    path = tmp_path / "x.lock"
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        path.write_text(f"{other.pid}\n")
        with pytest.raises(WorkDirError, match=f"pid {other.pid}"):
            RunLock(path, "out.npz").acquire()
        assert path.read_text() == f"{other.pid}\n"
    finally:
        other.kill()
        other.wait()
    lock = RunLock(path, "out.npz").acquire()             # the owner is gone: taken over
    with pytest.raises(WorkDirError, match="another hkmr run"):
        RunLock(path, "out.npz").acquire()                # held by this process: refused too
    lock.release()
    assert not path.exists()


def test_folder_named_like_the_work_folder_is_never_removed(assets, tmp_path, capsys):
    video = write_video(tmp_path / "clip.mp4", 12)
    out = tmp_path / "m.npz"
    work = work_dir_for(out)
    work.mkdir()
    (work / "mine.txt").write_bytes(b"not a work folder")
    before = listing(tmp_path)
    rc, _, err = run(_argv(assets, video, out), capsys)
    check_refused(rc, err, tmp_path, before, names=[str(work), "not an HKMR work folder"])


def test_truncated_chunk_is_redone_on_resume(assets, tmp_path, capsys):
    video = write_video(tmp_path / "clip.mp4", 24)
    out = tmp_path / "m.npz"
    argv = _argv(assets, video, out, "--chunk-size", "8", "--keep-work")
    assert run(argv, capsys)[0] == 0
    first = read_motion(out)
    chunk = work_dir_for(out) / "chunk_00001.npz"
    chunk.write_bytes(chunk.read_bytes()[:100])
    rc, _, err = run(argv + ["--resume"], capsys)
    assert rc == 0 and "Traceback" not in err, err
    again = read_motion(out)
    np.testing.assert_allclose(again.poses, first.poses, atol=1e-6)
    assert np.array_equal(again.valid, first.valid)
