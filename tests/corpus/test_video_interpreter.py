"""Corpus: Motion from Video with a wrong interpreter (issue 19, item 7). The preferences' Python is probed with
a tiny ``-c`` import check before ``hkmr infer`` starts: ``/bin/true`` used to end in a traceback blaming the
missing motion file, a python without numpy in ``unrecognized arguments``; now the real cause is reported,
with the fix, and nothing is written. A "python" that passes the probe but writes nothing is caught at the end."""
from __future__ import annotations

import os
import stat
import sys

import pytest

from hkmr_blender.video.job import VideoJob, VideoJobConfig, VideoJobError
from hkmr_blender.video.probe import ProbeError, probe_interpreter

from .conftest import ROOT, listing


def _script(path, body: str) -> str:
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


def _cfg(python, tmp_path) -> VideoJobConfig:
    video = tmp_path / "clip.mp4"
    video.write_bytes(b"never read: the interpreter is refused first")
    return VideoJobConfig(python=python, input=str(video), output=str(tmp_path / "clip.motion.npz"),
                          pythonpath=str(ROOT))


# (id, make the interpreter in tmp_path, what the message says)
CASES = [
    ("bin-true", lambda d: "/bin/true", "printed nothing"),
    ("bin-false", lambda d: "/bin/false", "exit code 1"),
    ("python-without-numpy", lambda d: _script(d / "python3", f'exec "{sys.executable}" -I -S "$@"'),
     "No module named"),
    ("python-printing-garbage", lambda d: _script(d / "python", 'echo "Python 2.7 says hi"; exit 0'), "printed nothing"),
    ("crashing-interpreter", lambda d: _script(d / "python", 'echo "Segmentation fault" >&2; exit 139'),
     "Segmentation fault"),
    ("not-an-executable-format", lambda d: _binary(d / "python"), "cannot be run"),
    # second probe (issue 19)
    ("a-directory", lambda d: _folder(d / "python3.11"), "not found or not executable"),
    ("file-without-execute-permission", lambda d: _no_x(_script(d / "python", f'exec "{sys.executable}" "$@"')),
     "not found or not executable"),
    ("dangling-link", lambda d: _link(d / "python", d / "gone"), "not found or not executable"),
    ("name-not-on-path", lambda d: "python-hkmr-not-installed", "not found or not executable"),
    ("empty-setting", lambda d: "", "no Python interpreter set"),
    ("python2-like-syntax-error", lambda d: _script(d / "python2", 'echo "  File \"<string>\", line 1" >&2; '
                                                    'echo "SyntaxError: invalid syntax" >&2; exit 1'), "SyntaxError"),
    ("tag-on-stderr-only", lambda d: _script(d / "python", 'echo "HKMR_PROBE 3.11 1.26 2.13" >&2; exit 0'),
     "printed nothing"),
]


def _folder(path) -> str:
    path.mkdir()
    return str(path)


def _no_x(path: str) -> str:
    os.chmod(path, 0o644)
    return path


def _link(path, target) -> str:
    os.symlink(target, path)
    return str(path)


def _binary(path) -> str:
    path.write_bytes(b"\x7fELF garbage that is no program")
    path.chmod(0o755)
    return str(path)


@pytest.mark.parametrize("make,says", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_wrong_interpreter_is_refused_with_the_real_cause(make, says, tmp_path):
    (tmp_path / "bin").mkdir()
    python = make(tmp_path / "bin")
    cfg = _cfg(python, tmp_path)
    before = listing(tmp_path)
    with pytest.raises(VideoJobError) as exc:
        VideoJob(cfg).start()
    message = str(exc.value)
    assert python in message and says in message, message
    assert "preferences" in message                     # the fix
    assert listing(tmp_path) == before                  # nothing written, no motion file expected


def test_the_project_interpreter_passes_the_probe():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    report = probe_interpreter(sys.executable, env)
    version, numpy_version, torch_version = report.split()
    assert version.startswith("3.") and numpy_version[0].isdigit() and torch_version.startswith("2.")


def test_probe_passing_fake_that_writes_nothing_is_an_error_not_an_import(tmp_path):
    """A program that answers the probe but exits 0 without a motion file: the job ends with an error naming
    the missing file (the operator then imports nothing)."""
    (tmp_path / "bin").mkdir()
    fake = _script(tmp_path / "bin" / "python", 'if [ "$1" = "-c" ]; then echo "HKMR_PROBE 3.11 1.26 2.13"; fi; '
                                                 'exit 0')
    st = VideoJob(_cfg(fake, tmp_path)).start().wait(60)
    assert st.finished and st.returncode == 0
    assert "exited without writing the motion file" in st.error and "clip.motion.npz" in st.error


def test_probe_error_is_a_runtime_error_with_one_line():
    with pytest.raises(ProbeError) as exc:
        probe_interpreter("/bin/true")
    assert "\n" not in str(exc.value) and "Traceback" not in str(exc.value)


# third probe (issue 19): an interpreter that hangs used to block Blender's UI for the probe's 120 s
def _hanging(d) -> str:
    return _script(d / "python", f'echo $$ > "{d}/probe.pid"; exec sleep 60')


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    with open(f"/proc/{pid}/stat") as fh:   # a killed child not yet reaped is a zombie: gone too
        return fh.read().rsplit(")", 1)[1].split()[0] == "Z"


def _job(python, tmp_path, **kw) -> VideoJob:
    from dataclasses import replace

    return VideoJob(replace(_cfg(python, tmp_path), probe_wait=0.2, **kw))


def test_hanging_interpreter_does_not_block_start_and_fails_naming_it(tmp_path):
    (tmp_path / "bin").mkdir()
    python = _hanging(tmp_path / "bin")
    job = _job(python, tmp_path, probe_timeout=3.0)
    before = listing(tmp_path)
    job.start()                                                # returns: Blender's timer goes on polling
    st = job.poll()
    assert job.proc is None and st.stage == "check" and not st.finished
    st = job.wait()
    assert st.finished and job.proc is None                   # the run never started
    assert python in st.error and "did not finish" in st.error and "preferences" in st.error, st.error
    pid = int((tmp_path / "bin" / "probe.pid").read_text())
    assert _gone(pid)                                          # the hanging probe was killed
    (tmp_path / "bin" / "probe.pid").unlink()
    assert listing(tmp_path) == before


def test_cancel_while_the_interpreter_is_checked_kills_the_probe(tmp_path):
    (tmp_path / "bin").mkdir()
    python = _hanging(tmp_path / "bin")
    job = _job(python, tmp_path).start()
    assert job.poll().stage == "check"
    job.cancel()
    st = job.wait()
    assert job.cancelled and st.finished and job.proc is None
    pid = int((tmp_path / "bin" / "probe.pid").read_text())
    assert _gone(pid)


def test_slow_interpreter_that_passes_the_probe_then_runs(tmp_path):
    """A probe that takes longer than ``probe_wait`` (a cold torch import) is not an error: the run starts after it
    (this fake then writes nothing: the run's own error, not the probe's)."""
    (tmp_path / "bin").mkdir()
    fake = _script(tmp_path / "bin" / "python", 'if [ "$1" = "-c" ]; then sleep 1; echo "HKMR_PROBE 3.11 1.26 2.13"; '
                                                 'fi; exit 0')
    job = _job(fake, tmp_path).start()
    assert job.poll().stage == "check"
    st = job.wait(60)
    assert job.proc is not None and "exited without writing the motion file" in st.error
