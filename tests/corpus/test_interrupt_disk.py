"""Corpus: interruption (SIGINT, SIGKILL of a real `hkmr` process) and a full disk.

The full disk is faked with ``RLIMIT_FSIZE`` set in the child (``resource.setrlimit``; SIGXFSZ ignored):
every write past the limit fails with EFBIG, as a full disk fails with ENOSPC, through the same code
paths. A small tmpfs would need root (mount), which CI does not have.
"""
from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest

from core.motion import read_motion
from tests.core.inference.conftest import write_images, write_video

from .conftest import check_refused, fsize_limit, hkmr_subprocess, listing, run


def _wait_for(proc: subprocess.Popen, tag: str, timeout: float = 120.0) -> None:
    """Read the child's stdout until a line starting with ``tag`` (a progress report) arrives."""
    deadline = time.monotonic() + timeout
    for line in proc.stdout:
        if line.startswith(tag) or time.monotonic() > deadline:
            return


def _long_run(assets, tmp_path):
    """argv of an `hkmr infer` over a 400-frame clip in 8-frame chunks (long enough to interrupt), and its output."""
    video = write_video(tmp_path / "long.mp4", 400)
    out = tmp_path / "m.npz"
    return ["infer", video, "-o", out, "--no-fit", "--checkpoint", assets["ckpt"], "--progress", "json", "--chunk-size", "8",
            "--batch-size", "4", "--threads", "1"], out


def test_sigint_stops_infer_cleanly_and_the_run_resumes(assets, tmp_path):
    argv, out = _long_run(assets, tmp_path)
    proc = hkmr_subprocess(argv, tmp_path)
    _wait_for(proc, "HKMR_PROGRESS")
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err, err
    assert not out.exists()
    resumed = hkmr_subprocess(argv + ["--resume"], tmp_path)
    _, err = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, err
    assert read_motion(out).num_frames == 400


def test_sigkill_leaves_no_output_and_the_run_resumes(assets, tmp_path):
    argv, out = _long_run(assets, tmp_path)
    proc = hkmr_subprocess(argv, tmp_path)
    _wait_for(proc, "HKMR_PROGRESS")
    proc.kill()
    proc.communicate(timeout=60)
    assert not out.exists()
    resumed = hkmr_subprocess(argv + ["--resume"], tmp_path)
    stdout, err = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, err
    assert read_motion(out).num_frames == 400
    assert sorted(os.listdir(tmp_path)) == ["long.mp4", "m.npz"]  # no work folder, no hidden temporary


def test_stale_temporary_of_a_killed_write_is_removed_by_the_next_write(motion_file, tmp_path, capsys):
    stale = tmp_path / ".out.npz.k1ll3d00.npz"
    stale.write_bytes(b"half a file from a SIGKILLed run")
    old = time.time() - 3600
    os.utime(stale, (old, old))
    rc, _, err = run(["convert", motion_file, tmp_path / "out.npz"], capsys)
    assert rc == 0, err
    assert not stale.exists() and read_motion(tmp_path / "out.npz").num_frames == 60


def test_hidden_files_in_an_image_folder_are_never_frames(assets, tmp_path, capsys):
    folder = write_images(tmp_path / "frames", 6)
    (tmp_path / "frames" / ".frame_9.png.abcd1234.png").write_bytes(b"temporary of another tool")
    rc, _, err = run(["infer", folder, "-o", tmp_path / "m.npz", "--no-fit", "--checkpoint", assets["ckpt"], "--progress", "none"],
                     capsys)
    assert rc == 0, err
    assert read_motion(tmp_path / "m.npz").num_frames == 6


@pytest.mark.parametrize("name", ["out.npz", "out.amass.npz", "out.smpl"], ids=["v1", "amass", "smpl"])
def test_full_disk_during_convert_names_the_file_and_leaves_nothing(name, motion_file, tmp_path):
    before = listing(tmp_path)
    proc = hkmr_subprocess(["convert", motion_file, tmp_path / name], tmp_path, preexec_fn=fsize_limit(1500))
    _, err = proc.communicate(timeout=120)
    check_refused(proc.returncode, err, tmp_path, before, names=[str(tmp_path / name), "File too large"])


def test_full_disk_during_infer_names_the_chunk_and_leaves_nothing(assets, tmp_path):
    video = write_video(tmp_path / "clip.mp4", 24)
    before = listing(tmp_path)
    proc = hkmr_subprocess(["infer", video, "-o", tmp_path / "m.npz", "--no-fit", "--checkpoint", assets["ckpt"],
                            "--progress", "none"], tmp_path, preexec_fn=fsize_limit(3000))
    _, err = proc.communicate(timeout=300)
    check_refused(proc.returncode, err, tmp_path, before, names=["chunk_00000.npz", "File too large"])


def test_full_disk_during_the_overlay_keeps_no_unplayable_video(assets, tmp_path):
    """The motion file fits under the limit, the overlay video does not: no .mp4 under its name. The
    limit is set between the two sizes measured by a first, unlimited run."""
    video = write_video(tmp_path / "clip.mp4", 48, w=192, h=128)
    argv = ["infer", video, "-o", tmp_path / "m.npz", "--no-fit", "--checkpoint", assets["ckpt"], "--no-mesh", "--chunk-size", "4",
            "--overlay", tmp_path / "overlay.mp4", "--progress", "none", "--min-confidence", "0"]
    first = hkmr_subprocess(argv, tmp_path)
    assert first.wait(timeout=300) == 0, first.stderr.read()
    sizes = {p: (tmp_path / p).stat().st_size for p in ("m.npz", "overlay.mp4")}
    assert sizes["overlay.mp4"] > 2 * sizes["m.npz"], sizes
    (tmp_path / "m.npz").unlink()
    (tmp_path / "overlay.mp4").unlink()
    proc = hkmr_subprocess(argv, tmp_path, preexec_fn=fsize_limit((sizes["m.npz"] + sizes["overlay.mp4"]) // 2))
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 2 and "overlay.mp4" in err and "--resume" in err and "Traceback" not in err, err
    # the motion and the resumable run; no video, no temporary
    assert sorted(os.listdir(tmp_path)) == [".m.npz.hkmr-work", "clip.mp4", "m.npz"]
    assert read_motion(tmp_path / "m.npz").num_frames == 48
    again = hkmr_subprocess(argv + ["--resume"], tmp_path)
    assert again.wait(timeout=300) == 0, again.stderr.read()
    assert sorted(os.listdir(tmp_path)) == ["clip.mp4", "m.npz", "overlay.mp4"]


def test_output_below_a_file_names_the_path(motion_file, tmp_path, capsys):
    (tmp_path / "afile").write_text("not a folder")
    before = listing(tmp_path)
    rc, _, err = run(["convert", motion_file, tmp_path / "afile" / "out.npz"], capsys)
    check_refused(rc, err, tmp_path, before, names=["afile"])


def test_overlay_video_gets_ordinary_permissions(assets, tmp_path, capsys):
    video = write_video(tmp_path / "clip.mp4", 8)
    rc, _, err = run(["infer", video, "-o", tmp_path / "m.npz", "--no-fit", "--checkpoint", assets["ckpt"], "--progress", "none",
                      "--overlay", tmp_path / "o.mp4"], capsys)
    assert rc == 0, err
    umask = os.umask(0)
    os.umask(umask)
    modes = {p: (tmp_path / p).stat().st_mode & 0o777 for p in ("m.npz", "o.mp4")}
    assert modes == {"m.npz": 0o666 & ~umask, "o.mp4": 0o666 & ~umask}


def test_full_disk_during_torch_save_names_the_file(tmp_path):
    """torch.save reports a failed write as a RuntimeError naming no file; atomic_write adds it."""
    before = listing(tmp_path)
    proc = hkmr_subprocess(["prior", "--steps", "2", "--num", "64", "--out", tmp_path / "vae.pt"],
                           tmp_path, preexec_fn=fsize_limit(20000))
    _, err = proc.communicate(timeout=300)
    check_refused(proc.returncode, err, tmp_path, before, names=[f"{tmp_path / 'vae.pt'}: the file could not be written"])


def _limited_after_first_run(argv, tmp_path, out):
    """A per-file size limit between the largest file of the work folder and the motion file, measured by a first,
    unlimited run with --keep-work: the run's work fits, its motion file does not (a disk that fills at the end)."""
    first = hkmr_subprocess(argv + ["--keep-work"], tmp_path)
    assert first.wait(timeout=600) == 0, first.stderr.read()
    work = tmp_path / f".{out.name}.hkmr-work"
    biggest = max(p.stat().st_size for p in work.rglob("*") if p.is_file())
    size = out.stat().st_size
    assert size > 2 * biggest, (size, biggest)
    out.unlink()
    import shutil

    shutil.rmtree(work)
    return (size + biggest) // 2


@pytest.mark.parametrize("path", ["no-fit", "detect-fit"])
def test_full_disk_at_the_motion_file_keeps_the_work_and_says_resume(path, assets, tmp_path):
    """Third probe (issue 19): the disk fills while the motion file is written. The error says the finished work
    is kept and how to continue (`--resume`); no half-written motion file or temporary remains; --resume then
    finishes the run and leaves only the motion file."""
    from .conftest import walk_frames, write_clip

    video = write_clip(tmp_path / "clip.mp4", walk_frames(0, 16, rows=(200, 480), cols=(300, 700)))
    out = tmp_path / "m.npz"
    argv = ["infer", video, "-o", out, "--progress", "none", "--chunk-size", "8"]
    argv += ["--no-fit", "--checkpoint", assets["ckpt"], "--min-confidence", "0"] if path == "no-fit" else \
        ["--body", assets["body"]]
    limit = _limited_after_first_run(argv, tmp_path, out)
    proc = hkmr_subprocess(argv, tmp_path, preexec_fn=fsize_limit(limit))
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == 2 and "Traceback" not in err, err
    assert str(out) in err and "--resume" in err and "kept" in err, err
    assert sorted(os.listdir(tmp_path)) == [".m.npz.hkmr-work", "clip.mp4"]   # no motion, no temporary, no lock
    again = hkmr_subprocess(argv + ["--resume"], tmp_path)
    assert again.wait(timeout=600) == 0, again.stderr.read()
    assert sorted(os.listdir(tmp_path)) == ["clip.mp4", "m.npz"] and read_motion(out).num_frames == 16
