"""The runtime pins table: one row per Blender Python, consistent with the project's own pins, and the pip
commands made from it (target folder, CPU torch on Linux, local wheel folder, --no-deps for mediapipe)."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from hkmr_blender.runtime.pins import PINS, TORCH_CPU_INDEX, TORCH_VERSION, pins_for, python_tag, requirements_for
from hkmr_blender.runtime.plan import commands_for

ROOT = Path(__file__).resolve().parents[2]


def _name(req: str) -> str:
    return re.split(r"[<>=!~ ]", req, maxsplit=1)[0].lower()


def test_cp311_row_is_the_projects_pins():
    """Every package of the cp311 row that pyproject.toml also pins carries the same specifier, and mediapipe
    is the version .ci/venv installs, alone with --no-deps (its deps would overwrite cv2/)."""
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    project = {_name(d): d.replace(" ", "") for d in deps}
    row = pins_for("cp311")
    first, media = row.steps
    for req in first.requirements:
        if _name(req) in project:
            assert project[_name(req)] == req.replace(" ", ""), (req, project[_name(req)])
    assert {"torch", "numpy", "opencv-python-headless", "smplx", "scipy", "roma"} <= {_name(r) for r in first.requirements}
    assert media.no_deps and media.requirements == ("mediapipe==0.10.21",)
    assert '"mediapipe==0.10.21"' in (ROOT / ".ci" / "venv").read_text()
    assert not first.no_deps and "bpy" not in {_name(r) for r in first.requirements}


def test_rows_pin_torch_exactly_and_keep_mediapipe_apart():
    assert set(PINS) == {"cp311", "cp313"}
    for tag, row in PINS.items():
        reqs = [r for s in row.steps for r in s.requirements]
        assert f"torch=={TORCH_VERSION}" in reqs, tag      # never an unpinned torch (CUDA build)
        assert [s.no_deps for s in row.steps] == [False, True] and _name(row.steps[1].requirements[0]) == "mediapipe"
    assert "numpy>=1.26,<2" in PINS["cp311"].steps[0].requirements
    assert "numpy>=2.2" in PINS["cp313"].steps[0].requirements   # Blender 5.1+ ships numpy 2


def test_unknown_python_names_the_supported_ones():
    with pytest.raises(ValueError, match=r"Python 3\.12 \(cp312\).*cp311, cp313"):
        pins_for("cp312")
    assert python_tag((3, 11, 7)) == "cp311"


def test_linux_takes_cpu_torch_from_pytorch_index_unless_local():
    step = pins_for("cp311").steps[0]
    assert f"torch=={TORCH_VERSION}+cpu" in requirements_for(step, "linux", local=False)
    assert f"torch=={TORCH_VERSION}" in requirements_for(step, "linux", local=True)
    assert f"torch=={TORCH_VERSION}" in requirements_for(step, "win32", local=False)
    assert f"torch=={TORCH_VERSION}" in requirements_for(step, "darwin", local=False)
    linux, local = (commands_for(pins_for("cp311"), "py", "/t", "linux", wd) for wd in ("", "/wheels"))
    assert linux[0][linux[0].index("--extra-index-url") + 1] == TORCH_CPU_INDEX
    assert "--extra-index-url" not in linux[1]                      # mediapipe: PyPI only
    assert local[0][local[0].index("--find-links") + 1] == "/wheels" and "--no-index" in local[0]
    for cmd in linux + local:
        assert cmd[:4] == ["py", "-m", "pip", "install"] and cmd[cmd.index("--target") + 1] == "/t"
        assert "--upgrade" in cmd and "--user" not in cmd          # re-running repairs; never the user site
    assert "--no-deps" in linux[1] and "--no-deps" not in linux[0]
