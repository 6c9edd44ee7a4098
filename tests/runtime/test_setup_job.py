"""The set-up against the local wheel folder: the size shown first is the files pip takes, Esc (cancel) kills
pip and removes only the folder the run created, Remove refuses a folder the set-up did not make."""
from __future__ import annotations

import os
import sys
import time

import pytest

from hkmr_blender.runtime.job import SetupJob, remove_runtime
from hkmr_blender.runtime.locate import MARKER, read_marker
from hkmr_blender.runtime.pins import pins_for, python_tag
from hkmr_blender.runtime.plan import plan_download
from tests.conftest import offline_pip_env

pytestmark = pytest.mark.skipif(python_tag() != "cp311", reason="the local wheel folder holds cp311 wheels "
                                "(the registry's cp313 torch is the multi-GB CUDA build)")


def test_size_shown_first_is_what_pip_takes(runtime_wheels):
    plan = plan_download(pins_for("cp311"), sys.executable, sys.platform, str(runtime_wheels), env=offline_pip_env())
    names = {n for n, _ in plan.files}
    assert {"numpy", "torch", "mediapipe", "smplx"} <= {n.split("-")[0] for n in names}
    assert plan.unknown == 0
    assert plan.total == sum(os.path.getsize(runtime_wheels / n) for n in names)
    assert 250e6 < plan.total < 1e9 and "MB to download" in plan.describe()


def test_cancel_kills_pip_and_removes_only_what_it_made(runtime_wheels, tmp_path):
    target = tmp_path / "runtime-cp311"
    job = SetupJob(pins_for("cp311"), sys.executable, str(target), str(runtime_wheels), env=offline_pip_env()).start()
    assert job.created and read_marker(target) == {"made_by": read_marker(target)["made_by"], "tag": "cp311",
                                                    "complete": False}
    time.sleep(3)
    assert job.poll().finished is False
    job.cancel()
    assert job.proc.poll() is not None and job.status.kind == "cancelled"
    assert not target.exists() and list(tmp_path.iterdir()) == []


def test_remove_only_a_marked_folder(tmp_path):
    foreign = tmp_path / "runtime-cp311"
    foreign.mkdir()
    (foreign / "x.py").write_text("")
    with pytest.raises(RuntimeError, match=f"no {MARKER}"):
        remove_runtime(str(foreign))
    assert (foreign / "x.py").exists()
    with pytest.raises(RuntimeError, match="no video runtime"):
        remove_runtime(str(tmp_path / "nowhere"))
