"""Verify video support (bpy-free): Blender's Python, with the runtime and core folders on its path, imports what
``hkmr infer`` needs — each third-party module from the runtime folder, not from Blender's own site-packages —,
OpenCV is the pinned line, the detector's model files match their sha256 (mediapipe 0.10.21's models,
``core.detect.blazepose.model_paths``, or on the Tasks route the shipped bundles, ``core.detect.tasks.task_path``)
and the extension's own shipped files match the checksums build.py recorded (``core_runtime/CHECKSUMS.json``).
"""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from .locate import infer_env
from .pins import RuntimePins

__all__ = ["VERIFY_TAG", "CHECKSUMS", "VerifyResult", "verify_runtime", "check_checksums", "sha256_of"]

VERIFY_TAG = "HKMR_VERIFY"
CHECKSUMS = "CHECKSUMS.json"

_CODE = """
import json, os, sys
out = {{"python": sys.version.split()[0], "modules": {{}}, "versions": {{}}}}
for name in {mods!r}:
    m = __import__(name)
    out["modules"][name] = os.path.dirname(os.path.abspath(m.__file__))
    out["versions"][name] = str(getattr(m, "__version__", ""))
import core, core.inference.cli
from core.detect.blazepose import detector_route, model_paths
out["detector_route"] = route = detector_route()
if route == "solutions":  # mediapipe 0.10.21's wheel holds the models
    out["detector_models"] = sorted(model_paths())
else:  # the Tasks route (Python 3.13): the .task bundles that ship inside core
    from core.detect.tasks import TASK_FILES, task_path
    out["detector_models"] = sorted(task_path(n) for n in TASK_FILES)
out["core"] = os.path.dirname(os.path.abspath(core.__file__))
print({tag!r}, json.dumps(out))
"""


@dataclass
class VerifyResult:
    """ok; problems: what is wrong, each with its fix; versions: module → version; summary: one line."""

    ok: bool
    problems: list[str] = field(default_factory=list)
    versions: dict[str, str] = field(default_factory=dict)

    @property
    def summary(self) -> str:
        if not self.ok:
            return "; ".join(self.problems)
        v = self.versions
        return (f"ready: Python {v.get('python', '?')}, torch {v.get('torch', '?')}, numpy {v.get('numpy', '?')}, "
                f"OpenCV {v.get('cv2', '?')}, mediapipe {v.get('mediapipe', '?')}")


def sha256_of(path: str | os.PathLike) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def check_checksums(core_dir: str | os.PathLike) -> list[str]:
    """Problems with the files listed in ``core_dir``'s CHECKSUMS.json (relative to the extension's folder,
    core_dir's parent); [] when all match or there is no list (a checkout)."""
    listing = Path(core_dir) / CHECKSUMS
    if not listing.is_file():
        return []
    base = Path(core_dir).parent
    problems = []
    for rel, want in json.loads(listing.read_text(encoding="utf-8")).items():
        path = base / rel
        if not path.is_file():
            problems.append(f"{path} is missing: reinstall the extension zip")
        elif sha256_of(path) != want:
            problems.append(f"{path} does not match its recorded checksum: reinstall the extension zip")
    return problems


def verify_runtime(python: str, runtime_dir: str, core_dir: str, pins: RuntimePins, timeout: float = 300.0) -> VerifyResult:
    """Run the import check in a subprocess of ``python`` and judge its report (see the module docstring)."""
    problems = check_checksums(core_dir)
    code = _CODE.format(mods=list(pins.imports), tag=VERIFY_TAG)
    try:
        proc = subprocess.run([python, "-c", code], capture_output=True, text=True, encoding="utf-8",
                              errors="replace", env=infer_env(runtime_dir, core_dir), timeout=timeout,
                              stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return VerifyResult(False, problems + [f"the import check could not run ({exc}): run Set up video support again"])
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith(VERIFY_TAG + " ")]
    if proc.returncode != 0 or not lines:
        err = [ln for ln in proc.stderr.splitlines() if ln.strip()]
        cause = next((ln for ln in reversed(err) if "Error" in ln.split(":")[0]), err[-1] if err else "no output")
        return VerifyResult(False, problems + [f"the runtime does not import ({cause.strip()[:300]}): run Set up "
                                               "video support again to repair it"])
    report = json.loads(lines[-1][len(VERIFY_TAG) + 1:])
    root = os.path.realpath(runtime_dir)
    for name, folder in report["modules"].items():
        if not os.path.realpath(folder).startswith(root + os.sep):
            problems.append(f"{name} was imported from {folder}, not from the runtime folder: run Set up video "
                            "support again to repair it")
    cv2_version = report["versions"].get("cv2", "")
    if not cv2_version.startswith(pins.cv2_prefix):
        problems.append(f"OpenCV {cv2_version} is not the pinned {pins.cv2_prefix}x (another package replaced cv2/): "
                        "run Set up video support again to repair it")
    versions = dict(report["versions"], python=report["python"])
    return VerifyResult(not problems, problems, versions)
