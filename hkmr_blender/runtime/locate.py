"""Where video support lives and the environment ``hkmr infer`` runs in (bpy-free).

- The extension's core folder :data:`CORE_FOLDER` (``<extension>/core_runtime``, written by build.py) holds
  ``core`` and a two-line ``hkmr_blender`` package whose ``__path__`` is the extension's own folder, so
  ``hkmr_blender.base`` and the open body resolve to the installed extension's files without running its
  ``__init__`` (which registers bpy classes). From a checkout the repository root plays that part.
- The runtime folder (``runtime-cp311`` in the extension's user folder) holds the pinned third-party packages;
  :data:`MARKER` inside says the set-up made it (only such a folder is ever removed).
"""
from __future__ import annotations

import json
import os
from pathlib import Path

__all__ = ["CORE_FOLDER", "MARKER", "core_folder", "runtime_folder_name", "infer_env", "read_marker",
           "write_marker"]

CORE_FOLDER = "core_runtime"
MARKER = ".hkmr-runtime.json"


def core_folder(package_dir: str | os.PathLike) -> Path | None:
    """The folder to put on ``sys.path`` so ``import core`` works: the extension's ``core_runtime``, else the
    checkout that holds ``package_dir`` (the add-on run from the repository); None when neither exists."""
    pkg = Path(package_dir)
    for cand in (pkg / CORE_FOLDER, pkg.parent):
        if (cand / "core" / "inference" / "cli.py").is_file():
            return cand
    return None


def runtime_folder_name(tag: str) -> str:
    return f"runtime-{tag}"


def infer_env(runtime_dir: str, core_dir: str, base: dict | None = None) -> dict:
    """Environment for Blender's Python running ``hkmr infer``: the core folder and the runtime folder first
    on ``sys.path`` (ahead of Blender's own site-packages), no user site-packages, unbuffered output."""
    env = dict(os.environ if base is None else base)
    env["PYTHONPATH"] = os.pathsep.join([str(core_dir), str(runtime_dir)])
    env["PYTHONNOUSERSITE"] = "1"
    env["PYTHONUNBUFFERED"] = "1"
    return env


def read_marker(runtime_dir: str | os.PathLike) -> dict | None:
    """The marker's content, None when the folder was not made by the set-up (or the marker is unreadable)."""
    try:
        return json.loads((Path(runtime_dir) / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def write_marker(runtime_dir: str | os.PathLike, data: dict) -> None:
    path = Path(runtime_dir) / MARKER
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")
    os.replace(tmp, path)
