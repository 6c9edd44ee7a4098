"""Fill (once) the local wheel folder of the video runtime for this Python, outside the clone.

    python .ci/wheels.py            # prints the folder: ~/.cache/hkmr-ci/wheels-cp311 (HKMR_CI_CACHE overrides)

``pip download`` of every step of this Python's row in hkmr_blender/runtime/pins.py (the same requirements
the add-on's "Set up video support" installs), so the test suite installs from it with ``--no-index`` and
needs no network. A stamp with the row's digest skips the work when the folder is complete; a changed row
refills it. Run by tests/conftest.py's ``runtime_wheels`` fixture; CI may run it ahead to warm the cache.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hkmr_blender.runtime.job import pins_digest  # noqa: E402
from hkmr_blender.runtime.pins import pins_for, python_tag  # noqa: E402


def wheel_folder(tag: str | None = None) -> Path:
    base = Path(os.environ.get("HKMR_CI_CACHE", Path.home() / ".cache" / "hkmr-ci"))
    return base / f"wheels-{tag or python_tag()}"


def fill(dest: Path | None = None) -> Path:
    pins = pins_for(python_tag())
    dest = dest or wheel_folder(pins.tag)
    stamp = dest / ".hkmr-wheels"
    if stamp.is_file() and stamp.read_text() == pins_digest(pins):
        return dest
    dest.mkdir(parents=True, exist_ok=True)
    for step in pins.steps:
        cmd = [sys.executable, "-m", "pip", "download", "-q", "--disable-pip-version-check", "--only-binary=:all:",
               "-d", str(dest), *(["--no-deps"] if step.no_deps else []), *step.requirements]
        subprocess.run(cmd, check=True)
    stamp.write_text(pins_digest(pins))
    return dest


if __name__ == "__main__":
    print(fill())
