"""The house's boundaries, checked in fresh interpreters (docs/architecture.md, "Packages and their boundaries").

- ``hkmr_blender.base`` (the numpy-only base) loads neither torch, bpy nor scipy;
- ``core`` loads neither bpy nor ``training``; core and training take only ``hkmr_blender.base`` from the add-on;
- the add-on's bpy layer loads neither torch nor scipy (Blender's Python has neither).
"""
from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Modules that need an optional extra to import at all (anny for regenerating the open body;
# mediapipe for the detector): their own tests cover them.
OPTIONAL = ("core.body.open_body.generate", "core.body.open_body.anny_source", "core.detect.blazepose")


def _modules(package: str) -> list[str]:
    path = ROOT.joinpath(*package.split("."))
    names = [package] + [m.name for m in pkgutil.walk_packages([str(path)], prefix=package + ".")]
    return [n for n in names if not n.startswith(OPTIONAL) and ".__main__" not in n]


MARK = "loaded-modules:"   # bpy 5.3 logs a "color_management | Using config from OCIO" line on stdout


def _marked(stdout: str) -> str:
    lines = [ln[len(MARK):] for ln in stdout.splitlines() if ln.startswith(MARK)]
    assert len(lines) == 1, stdout[-2000:]
    return lines[0].strip()


def _loaded_after_import(modules: list[str], forbidden: tuple[str, ...]) -> list[str]:
    """Import ``modules`` in a fresh interpreter; return the forbidden top-level packages it loaded."""
    code = (f"import importlib, sys\nfor m in {modules!r}:\n    importlib.import_module(m)\n"
            f"print({MARK!r} + ','.join(f for f in {forbidden!r} if f in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    return [f for f in _marked(out.stdout).split(",") if f]


def test_base_is_numpy_only():
    mods = _modules("hkmr_blender.base")
    assert "hkmr_blender.base.formats" in mods and "hkmr_blender.base.smpl_file" in mods
    assert _loaded_after_import(mods, ("torch", "bpy", "scipy", "cv2", "core", "training")) == []


def test_core_never_loads_bpy_or_training():
    mods = _modules("core")
    assert "core.inference.runner" in mods and "core.model.builder" in mods
    assert _loaded_after_import(mods, ("bpy", "training")) == []


def test_core_and_training_take_only_the_base_from_the_addon():
    mods = _modules("core") + _modules("training")
    code = (f"import importlib, sys\nfor m in {mods!r}:\n    importlib.import_module(m)\n"
            f"print({MARK!r} + ','.join(sorted(m for m in sys.modules if m.startswith('hkmr_blender.') "
            "and not m.startswith('hkmr_blender.base'))))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert _marked(out.stdout) == ""


@pytest.mark.blender
def test_addon_bpy_layer_never_loads_torch_or_scipy():
    pytest.importorskip("bpy")
    mods = _modules("hkmr_blender")
    assert "hkmr_blender.importing.operators" in mods and "hkmr_blender.rig.keys" in mods
    assert _loaded_after_import(mods, ("torch", "scipy", "core", "training")) == []
