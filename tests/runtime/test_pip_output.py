"""pip's failures name their cause and the fix: real pip runs where the failure can be made here (no wheel,
offline, proxy), pip's documented message where it cannot (a full disk); a real set-up job that fails leaves
nothing behind."""
from __future__ import annotations

import subprocess
import sys

import pytest

from hkmr_blender.runtime.job import SetupJob
from hkmr_blender.runtime.pins import RuntimePins, Step
from hkmr_blender.runtime.pip_output import classify, progress_of
from tests.conftest import offline_pip_env


def _pip(*args: str, tmp_path) -> str:
    proc = subprocess.run([sys.executable, "-m", "pip", "install", "--disable-pip-version-check", "--retries", "1",
                           "--timeout", "3", "--target", str(tmp_path / "t"), *args], capture_output=True, text=True,
                          env=offline_pip_env(), timeout=120)
    assert proc.returncode != 0
    return proc.stdout + proc.stderr


def test_no_wheel_for_this_python(tmp_path):
    (tmp_path / "empty").mkdir()
    problem = classify(_pip("--no-index", "--find-links", str(tmp_path / "empty"), "mediapipe==0.10.21",
                            tmp_path=tmp_path), "3.11")
    assert problem.kind == "no_wheel"
    assert "mediapipe==0.10.21" in problem.message and "Python 3.11" in problem.message
    assert "local wheel folder" in problem.message


def test_offline(tmp_path):
    out = _pip("--index-url", "http://127.0.0.1:9/simple", "roma==1.8.0", tmp_path=tmp_path)
    problem = classify(out)
    assert problem.kind == "offline", out
    assert "cannot be reached" in problem.message and "Local wheel folder" in problem.message


def test_proxy(tmp_path):
    out = _pip("--proxy", "http://127.0.0.1:9", "--index-url", "https://pypi.org/simple", "roma==1.8.0",
               tmp_path=tmp_path)
    problem = classify(out)
    assert problem.kind == "proxy", out
    assert "HTTPS_PROXY" in problem.message


@pytest.mark.parametrize("text, kind", [
    ("ERROR: Could not install packages due to an OSError: [Errno 28] No space left on device", "disk_full"),
    ("ERROR: Could not install packages due to an OSError: [WinError 112] There is not enough space on the disk",
     "disk_full"),
    ("ERROR: Could not install packages due to an OSError: [Errno 13] Permission denied: '/x/torch'", "permission"),
    ("ERROR: Something new\n", "other"),
])
def test_pip_messages_that_cannot_be_made_here(text, kind):
    problem = classify(text)
    assert problem.kind == kind
    if kind == "disk_full":
        assert "disk is full" in problem.message and "free space" in problem.message
    if kind == "other":
        assert "ERROR: Something new" in problem.message


def test_progress_lines():
    assert progress_of("Processing /w/torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl").startswith(
        "reading torch-2.13.0")
    assert progress_of("Collecting numpy<2,>=1.26") == "resolving numpy<2,>=1.26"
    assert progress_of("Installing collected packages: numpy, torch").startswith("unpacking")
    assert progress_of("  Using cached x") is None


def test_failed_job_names_the_cause_and_removes_only_its_own_folder(tmp_path):
    (tmp_path / "empty").mkdir()
    pins = RuntimePins("cp311", (Step(("roma==1.8.0",)),), ("roma",), "4.")
    job = SetupJob(pins, sys.executable, str(tmp_path / "rt"), str(tmp_path / "empty"), env=offline_pip_env()).start()
    st = job.wait(timeout=120)
    assert st.kind == "no_wheel" and "roma==1.8.0" in st.error
    assert not (tmp_path / "rt").exists()                       # the run made it, the run removed it
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep")
    with pytest.raises(RuntimeError, match="did not make"):
        SetupJob(pins, sys.executable, str(tmp_path / "mine"), str(tmp_path / "empty")).start()
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep"
    with pytest.raises(RuntimeError, match="wheel folder .* not found"):
        SetupJob(pins, sys.executable, str(tmp_path / "rt2"), str(tmp_path / "nowhere")).start()
    assert not (tmp_path / "rt2").exists()


def test_python_without_pip(tmp_path):
    """A real interpreter without pip (a venv made --without-pip), as some distributions' Blender builds are."""
    import venv
    venv.EnvBuilder(with_pip=False).create(tmp_path / "nopip")
    py = tmp_path / "nopip" / "bin" / "python"
    proc = subprocess.run([str(py), "-m", "pip", "install", "roma"], capture_output=True, text=True)
    problem = classify(proc.stdout + proc.stderr)
    assert problem.kind == "no_pip" and "External Python" in problem.message
