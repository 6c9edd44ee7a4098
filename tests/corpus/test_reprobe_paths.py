"""Corpus, second probe of outputs vs inputs and locks (issue 19, items 1, 4, 9): the held-out tester's kinds
with new variants — links, ``~``/``..``/trailing slashes, relative and absolute names of one file, hard links
(what a case-insensitive file system does with ``Clip.mp4`` vs ``clip.mp4``), empty and suffix-only names, an
output below a file, a work folder that is a link to the input's folder, a lock that is a folder, a lock whose
pid now belongs to another process. Each is refused by name before any work with every planted file intact, or
(where the run is safe) succeeds without touching them."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from core.inference.workdir import RunLock, _started, work_dir_for
from core.motion import read_motion

from .conftest import check_refused, listing, run
from .test_output_safety import NET, _argv, _intact, _plant, proj  # noqa: F401  (proj: fixture)


def _links(proj):
    """Links a user may have made: tmp/link → proj/, tmp/vlink.mp4 → the clip, tmp/hard.mp4 (a hard link)."""
    os.symlink(proj, proj.parent / "link")
    os.symlink(proj / "clip.mp4", proj.parent / "vlink.mp4")
    os.link(proj / "clip.mp4", proj.parent / "hard.mp4")


# (id, argv after "infer" with {p} = proj and {t} = its parent, run from {cwd}, what the message says)
REFUSED = [
    ("overlay-tilde-home", ["{p}/clip.mp4", "-o", "{p}/m.npz", "--overlay", "~"], "{p}", "'~' was not expanded"),
    ("output-quoted-tilde", ["{p}/clip.mp4", "-o", "~/m.npz"], "{p}", "'~' was not expanded"),
    ("overlay-dotdot-from-a-subfolder", ["{p}/clip.mp4", "-o", "{p}/m.npz", "--overlay", ".."], "{p}/sub", "holds"),
    ("overlay-link-to-the-input-folder", ["{p}/clip.mp4", "-o", "{t}/m.npz", "--overlay", "{t}/link"], "{t}", "holds"),
    ("overlay-input-folder-double-slash", ["{p}/clip.mp4", "-o", "{t}/m.npz", "--overlay", "{p}//"], "{t}", "holds"),
    ("overlay-input-folder-dot-slash", ["clip.mp4", "-o", "m.npz", "--overlay", "./"], "{p}", "holds"),
    ("overlay-video-is-the-input-via-a-linked-folder",
     ["{p}/clip.mp4", "-o", "{t}/m.npz", "--overlay", "{t}/link/clip.mp4"], "{t}", "also an input"),
    ("overlay-video-is-a-hard-link-of-the-input", ["{p}/clip.mp4", "-o", "{t}/m.npz", "--overlay", "{t}/hard.mp4"],
     "{t}", "also an input"),
    ("overlay-empty-string", ["{p}/clip.mp4", "-o", "{p}/m.npz", "--overlay", ""], "{t}", "--overlay: no name given"),
    ("overlay-below-a-file", ["{p}/clip.mp4", "-o", "{p}/m.npz", "--overlay", "{p}/notes.txt/ov"], "{t}",
     "is a file, not a folder"),
    ("output-relative-name-of-the-input", ["proj/clip.mp4", "-o", "proj/clip.mp4"], "{t}", "also an input"),
    ("output-is-a-link-to-the-input", ["{t}/vlink.mp4", "-o", "{p}/clip.mp4"], "{t}", "also an input"),
    ("output-empty-string", ["{p}/clip.mp4", "-o", ""], "{t}", "-o/--output: no name given"),
    ("output-only-the-suffix", ["{p}/clip.mp4", "-o", "{p}/.npz"], "{t}", "only the suffix"),
    ("output-below-a-file", ["{p}/clip.mp4", "-o", "{p}/notes.txt/m.npz"], "{t}", "is a file, not a folder"),
    ("output-below-the-input-video", ["{p}/clip.mp4", "-o", "{p}/clip.mp4/m.npz"], "{t}", "is a file, not a folder"),
]


@pytest.mark.parametrize("argv,cwd,said", [c[1:] for c in REFUSED], ids=[c[0] for c in REFUSED])
def test_output_that_would_touch_an_input_is_refused(argv, cwd, said, proj, assets, capsys, monkeypatch):
    planted = _plant(proj)
    _links(proj)
    before = listing(proj.parent)
    fill = {"p": proj, "t": proj.parent}
    monkeypatch.chdir(cwd.format(**fill))
    rc, _, err = run(_argv(["infer", *(a.format(**fill) for a in argv), *NET], assets), capsys)
    check_refused(rc, err, proj.parent, before, names=[said])
    _intact(proj, planted)


def test_overlay_folder_inside_a_non_input_subfolder_is_created_and_nothing_else_changes(proj, assets, capsys):
    planted = _plant(proj)
    rc, _, err = run(_argv(["infer", proj / "clip.mp4", "-o", proj.parent / "m.npz", "--overlay",
                            proj / "sub" / "new", *NET], assets), capsys)
    assert rc == 0, err
    assert len(list((proj / "sub" / "new").glob("*.png"))) == 24
    _intact(proj, planted)


def test_output_replacing_a_link_replaces_the_link_not_its_target(proj, assets, capsys):
    """``-o m.npz`` where m.npz is a link to the user's notes: the run writes a new file at m.npz; the notes stay."""
    planted = _plant(proj)
    os.symlink(proj / "notes.txt", proj.parent / "m.npz")
    rc, _, err = run(_argv(["infer", proj / "clip.mp4", "-o", proj.parent / "m.npz", *NET], assets), capsys)
    assert rc == 0, err
    assert not (proj.parent / "m.npz").is_symlink() and read_motion(proj.parent / "m.npz").num_frames == 24
    _intact(proj, planted)


# (id, make the work folder / lock beside tmp/m.npz (fn(proj)), what the message says)
WORK = [
    ("work-folder-links-to-the-input-folder", lambda p: os.symlink(p, work_dir_for(p.parent / "m.npz")), "is a link"),
    ("work-folder-links-to-an-empty-folder",
     lambda p: ((p / "empty").mkdir(), os.symlink(p / "empty", work_dir_for(p.parent / "m.npz"))), "is a link"),
    ("work-folder-links-to-a-folder-with-a-manifest",
     lambda p: ((p / "manifest.json").write_text("{}"), os.symlink(p, work_dir_for(p.parent / "m.npz"))), "is a link"),
    ("work-folder-is-a-dangling-link", lambda p: os.symlink(p / "gone", work_dir_for(p.parent / "m.npz")), "is a link"),
    ("work-folder-is-a-file", lambda p: work_dir_for(p.parent / "m.npz").write_text("mine"), "not an HKMR work folder"),
    ("lock-is-a-folder", lambda p: (p.parent / ".m.npz.hkmr-work.lock").mkdir(), "not an HKMR lock file"),
    ("lock-is-a-link-to-the-input", lambda p: os.symlink(p / "clip.mp4", p.parent / ".m.npz.hkmr-work.lock"),
     "not an HKMR lock file"),
]


@pytest.mark.parametrize("make,said", [c[1:] for c in WORK], ids=[c[0] for c in WORK])
def test_work_folder_or_lock_that_is_not_ours_is_left_alone(make, said, proj, assets, capsys):
    planted = _plant(proj)
    make(proj)
    before = listing(proj.parent)
    rc, _, err = run(_argv(["infer", proj / "clip.mp4", "-o", proj.parent / "m.npz", *NET], assets), capsys)
    check_refused(rc, err, proj.parent, before, names=[".m.npz.hkmr-work", said])
    _intact(proj, planted)


def test_lock_whose_pid_was_reused_by_another_process_is_taken_over(proj, assets, capsys):
    """The lock of a dead run names a pid that now belongs to an unrelated live process (here: a sleeping
    python); its recorded start time differs, so the lock is stale and the run goes ahead."""
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        if _started(other.pid) is None:
            pytest.skip("no /proc start times on this system: a reused pid cannot be told apart")
        lock = proj.parent / ".m.npz.hkmr-work.lock"
        lock.write_text(f"{other.pid} 1\n")                   # started at tick 1: not this process
        rc, _, err = run(_argv(["infer", proj / "clip.mp4", "-o", proj.parent / "m.npz", *NET], assets), capsys)
        assert rc == 0, err
        assert not lock.exists() and read_motion(proj.parent / "m.npz").num_frames == 24
        lock.write_text(f"{other.pid} {_started(other.pid)}\n")  # the same process: still refused
        rc, _, err = run(_argv(["infer", proj / "clip.mp4", "-o", proj.parent / "m.npz", *NET], assets), capsys)
        assert rc == 2 and f"pid {other.pid}" in err and "Traceback" not in err, err
    finally:
        other.kill()
        other.wait()


def test_lock_records_pid_and_start_time(tmp_path):
    lock = RunLock(tmp_path / "x.lock", "out.npz").acquire()
    try:
        pid, *start = (tmp_path / "x.lock").read_text().split()
        assert int(pid) == os.getpid() and start == ([] if _started(os.getpid()) is None else [_started(os.getpid())])
    finally:
        lock.release()
