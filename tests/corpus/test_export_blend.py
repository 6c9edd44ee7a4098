"""Corpus, Blender part: `hkmr export` on bad motion files (each clip fails alone, named, and the batch
goes on), Ctrl-C (SIGINT) during a batch, a full disk while Blender's FBX exporter writes, and the
body-mismatch warning. Real `hkmr` processes (bpy in each), because signals and resource limits are
per process."""
from __future__ import annotations

import os
import signal
import time

import numpy as np
import pytest

from .conftest import SENTINEL, fsize_limit, hkmr_subprocess
from .test_files import MOTION_CASES

pytestmark = pytest.mark.blender
BAD = {c[0]: c[1] for c in MOTION_CASES if c[1] is not None}
EXPORT_CASES = ["not-a-zip", "truncated", "header-claims-1e12-frames", "object-array-hostile-pickle",
                "mesh-vertices-without-faces", "format-version-abc", "poses-nan", "amass-poses-216"]


@pytest.fixture(scope="module")
def bad_batch(tmp_path_factory):
    """One `hkmr export` over a good clip and every bad file of EXPORT_CASES."""
    pytest.importorskip("bpy")
    d = tmp_path_factory.mktemp("export_corpus")
    proc = hkmr_subprocess(["body", "--write-motion", d / "good.npz"], d)
    assert proc.wait(timeout=300) == 0, proc.stderr.read()
    with np.load(d / "good.npz") as f:
        valid = {k: f[k] for k in f.files}
    for case in EXPORT_CASES:
        BAD[case](valid, d / f"{case}.npz", d / SENTINEL)
    proc = hkmr_subprocess(["export", d / "good.npz", *(d / f"{c}.npz" for c in EXPORT_CASES), "-o", d / "out"], d)
    out, err = proc.communicate(timeout=600)
    return d, proc.returncode, out, err


def test_bad_batch_exports_the_good_clip_and_sums_up(bad_batch):
    d, rc, out, err = bad_batch
    assert rc == 1 and "Traceback" not in out + err, err
    assert f"1 exported, {len(EXPORT_CASES)} failed" in out
    assert sorted(os.listdir(d / "out")) == ["good.fbx"]  # nothing else, no temporaries
    assert not (d / SENTINEL).exists()


@pytest.mark.parametrize("case", EXPORT_CASES)
def test_bad_clip_fails_alone_and_is_named(case, bad_batch):
    d, _, _, err = bad_batch
    assert any(line.startswith(f"FAIL  {d / case}.npz: ") for line in err.splitlines()), err


def test_sigint_stops_the_export_batch_with_a_summary(tmp_path):
    pytest.importorskip("bpy")
    proc = hkmr_subprocess(["body", "--write-motion", tmp_path / "clip_00.npz"], tmp_path)
    assert proc.wait(timeout=300) == 0
    data = (tmp_path / "clip_00.npz").read_bytes()
    for i in range(1, 40):
        (tmp_path / f"clip_{i:02d}.npz").write_bytes(data)
    inputs = sorted(tmp_path.glob("clip_*.npz"))
    proc = hkmr_subprocess(["export", *inputs, "-o", tmp_path / "out"], tmp_path)
    deadline = time.monotonic() + 300
    while not list((tmp_path / "out").glob("*.fbx")) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 130, err
    assert "Traceback" not in out + err and "not started (interrupted)" in out, out + err
    written = sorted(os.listdir(tmp_path / "out"))
    assert 1 <= len(written) < len(inputs)
    assert all(name.endswith(".fbx") and not name.startswith(".") for name in written)  # no temporaries
    assert out.count("ok    ") == len(written)


def test_full_disk_while_blender_writes_the_fbx_is_one_named_line(tmp_path):
    pytest.importorskip("bpy")
    proc = hkmr_subprocess(["body", "--write-motion", tmp_path / "walk.npz"], tmp_path)
    assert proc.wait(timeout=300) == 0
    proc = hkmr_subprocess(["export", tmp_path / "walk.npz", "-o", tmp_path / "out"], tmp_path,
                           preexec_fn=fsize_limit(30000))
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 1 and "Traceback" not in out + err, out + err
    assert f"FAIL  {tmp_path / 'walk.npz'}: {tmp_path / 'out' / 'walk.fbx'}: the FBX export failed: OSError" in err
    assert not (tmp_path / "out").exists()  # the folder this failed run created is removed again


def test_amass_file_with_the_open_body_warns(tmp_path):
    pytest.importorskip("bpy")
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "walk.npz", poses=rng.normal(0, 0.2, (10, 156)), trans=np.zeros((10, 3)),
             betas=rng.normal(size=16), gender=np.array("male"), mocap_framerate=np.array(60.0))
    proc = hkmr_subprocess(["export", tmp_path / "walk.npz", "-o", tmp_path / "out"], tmp_path)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    assert "warning: " in err and "belong to SMPL-H (AMASS)" in err and "open default body" in err, err
