"""`hkmr infer` killed (SIGKILL) in the middle of the fit on the real clip resumes from its last finished window:
the finished windows are read back, not fitted again, and the motion file equals an uninterrupted run's."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np

from core.assets import REAL_DEMO_CLIP
from core.fitting.clip import ClipFitConfig
from core.inference.workdir import work_dir_for
from core.motion import read_motion
from hkmr_blender.base.progress import parse_line

ROOT = Path(__file__).resolve().parents[3]
CLI = "import sys; from core.cli import main; sys.exit(main(sys.argv[1:]))"


def _infer(out: Path, *extra: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-c", CLI, "infer", str(REAL_DEMO_CLIP), "-o", str(out), "--progress",
                             "json", *extra], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def test_killed_fit_resumes_from_its_last_window(tmp_path):
    out = tmp_path / "walk.npz"
    proc = _infer(out)
    frames = None
    for line in proc.stdout:  # the fit reports frames × passes: kill once the main pass has its first window
        msg = parse_line(line)
        if msg and msg[0] == "progress" and msg[1]["stage"] == "fit":
            frames = msg[1]["total"] // ClipFitConfig().passes
            if msg[1]["done"] >= frames + 50:
                proc.send_signal(signal.SIGKILL)
                break
    proc.wait(timeout=120)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read()[-2000:]
    windows = work_dir_for(out) / "fit"
    stamps = {p.name: p.stat().st_mtime_ns for p in windows.glob("*.npz")}
    assert not out.exists() and frames == 100
    assert {"p0_w00000.npz", "p0_w00001.npz", "p1_w00000.npz"} <= set(stamps) and "p2_w00001.npz" not in stamps

    resumed = _infer(out, "--resume", "--keep-work")
    fresh = _infer(tmp_path / "fresh.npz")
    for p in (resumed, fresh):
        assert p.wait(timeout=900) == 0, p.stderr.read()[-2000:]
    # the windows finished before the kill were read back, not fitted again (nor rewritten)
    assert all((windows / k).stat().st_mtime_ns == t for k, t in stamps.items())
    assert len(list(windows.glob("*.npz"))) > len(stamps)
    a, b = read_motion(out), read_motion(tmp_path / "fresh.npz")
    assert np.array_equal(a.valid, b.valid) and np.array_equal(a.contacts, b.contacts)
    np.testing.assert_allclose(a.poses, b.poses, atol=1e-5)  # float32 fit: the same computation, replayed
    np.testing.assert_allclose(a.trans, b.trans, atol=1e-5)
