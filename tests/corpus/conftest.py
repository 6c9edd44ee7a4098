"""The bad-input corpus: shared helpers and the small real inputs the cases start from.

Every case asserts the same four things (:func:`check_refused`): the exit code, a message that names
the file or option, no traceback, and nothing written or left behind (the folder's listing, hidden
files included, is unchanged). Hostile pickles try to create a sentinel file: it must not exist.
Cases run the CLI in-process through :func:`core.cli.main`; only interruption and disk-full cases need
a subprocess (a signal, a resource limit).
"""
from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from core.cli import main
from tests.conftest import make_smpl_arrays
from tests.core.inference.conftest import assets, loaded, write_video  # noqa: F401  (shared fixtures)

ROOT = Path(__file__).resolve().parents[2]
SENTINEL = "PWNED"


class Hostile:
    """Unpickling this would create ``path`` (the sentinel): a stand-in for any code a pickle can run."""

    def __init__(self, path: Path):
        self.path = path

    def __reduce__(self):
        return (Path.touch, (self.path,))


def listing(folder: Path) -> list[str]:
    """Every path under ``folder``, hidden ones included, with size (a changed file shows)."""
    return sorted(f"{p.relative_to(folder)}:{p.stat().st_size if p.is_file() else 'dir'}"
                  for p in folder.rglob("*"))


def run(argv: list[str], capsys) -> tuple[int, str, str]:
    rc = main([str(a) for a in argv])
    cap = capsys.readouterr()
    return rc, cap.out, cap.err


def check_refused(rc: int, err: str, folder: Path, before: list[str], *, code: int = 2, names=()) -> None:
    assert rc == code, err
    assert "Traceback" not in err, err
    for name in names:
        assert str(name) in err, (name, err)
    assert listing(folder) == before, "something was written or left behind"
    assert not (folder / SENTINEL).exists(), "a hostile pickle ran code"


def fsize_limit(nbytes: int):
    """preexec_fn: a fake full disk — writes past ``nbytes`` fail with EFBIG (SIGXFSZ ignored so the
    write returns the error instead of killing the process)."""
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (nbytes, nbytes))
    return apply


def hkmr_subprocess(argv: list[str], cwd: Path, **kw) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    return subprocess.Popen([sys.executable, "-m", "core.cli", *map(str, argv)], cwd=cwd, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)


@pytest.fixture
def smpl_npz(tmp_path) -> Path:
    """A valid SMPL-format body file (small, random)."""
    path = tmp_path / "inputs" / "body.npz"
    path.parent.mkdir(exist_ok=True)
    np.savez(path, **make_smpl_arrays())
    return path


@pytest.fixture
def motion_file(tmp_path, capsys) -> Path:
    """A valid HKMR motion file (the procedural walk of `hkmr body`, on a small random body)."""
    inputs = tmp_path / "inputs"
    inputs.mkdir(exist_ok=True)
    np.savez(inputs / "body.npz", **make_smpl_arrays())
    assert main(["body", "--model", str(inputs / "body.npz"), "--write-motion", str(inputs / "walk.npz")]) == 0
    capsys.readouterr()
    return inputs / "walk.npz"


def walk_frames(first: int, count: int, rows=(0, 480), cols=(0, 854), gain: float = 1.0) -> list[np.ndarray]:
    """BGR frames ``first``…``first + count - 1`` of the vendored real clip core/assets/walk.mp4 (854×480: a woman
    walks right to left in rows 210–480, a man stands on the box above her), cropped, brightness × ``gain``."""
    import cv2

    from core.assets import REAL_DEMO_CLIP

    cap = cv2.VideoCapture(str(REAL_DEMO_CLIP))
    for _ in range(first):
        cap.grab()
    out = []
    for _ in range(count):
        f = cap.read()[1][rows[0]:rows[1], cols[0]:cols[1]]
        out.append(np.ascontiguousarray(f if gain == 1.0 else np.clip(f * gain, 0, 255).astype(np.uint8)))
    return out


def video_frames(path, gain: float = 1.0, size=None) -> list[np.ndarray]:
    """Every BGR frame of ``path``, brightness × ``gain``, resized to ``size`` (w, h) if given."""
    import cv2

    cap = cv2.VideoCapture(str(path))
    out = []
    while True:
        ok, f = cap.read()
        if not ok:
            return out
        f = f if size is None else cv2.resize(f, size, interpolation=cv2.INTER_AREA)
        out.append(f if gain == 1.0 else np.clip(f * gain, 0, 255).astype(np.uint8))


def write_clip(path, frames, fps: float = 30.0) -> str:
    """BGR frames → an mp4v video at ``path``."""
    import cv2

    h, w = frames[0].shape[:2]
    vw = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (w, h))
    for f in frames:
        vw.write(f)
    vw.release()
    return str(path)
