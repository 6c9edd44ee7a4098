"""FBX mocap files: world joint positions through Blender's own FBX importer, in a child process.

No FBX parser is written here and training never loads bpy (tests/test_boundaries.py): the add-on's
``python -m hkmr_blender.importing.fbx_joints`` reads the file on the ``bpy`` module in its own process, as
``core.demo`` runs the add-on's batch exporter. Blender's world is Z-up in metres; positions come out Y-up,
metres: (x, y, z) → (x, z, −y). Used by the build (:mod:`.build`) for sources whose ``format`` is ``"fbx"``.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile

import numpy as np

__all__ = ["fbx_positions"]


def fbx_positions(path: str, bones: list[str], fps: float) -> tuple[np.ndarray, float]:
    """(F, len(bones), 3) Y-up world positions in metres of ``bones``' heads, sampled every ``round(file fps /
    fps)``-th frame of the armature's action, and the sampled rate. ValueError naming the file when it holds
    no animated armature or lacks a bone."""
    with tempfile.TemporaryDirectory(prefix="hkmr-fbx-") as tmp:
        out = os.path.join(tmp, "joints.npz")
        proc = subprocess.run([sys.executable, "-m", "hkmr_blender.importing.fbx_joints", path,
                               "--bones", ",".join(bones), "--fps", repr(float(fps)), "-o", out],
                              capture_output=True, text=True)
        if proc.returncode != 0:
            lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("error: ")]
            raise ValueError(lines[-1][len("error: "):] if lines else
                             f"{path}: reading the FBX failed ({(proc.stderr.strip().splitlines() or ['?'])[-1]})")
        with np.load(out) as z:
            pos, rate = z["positions"], float(z["rate"])
    return np.stack([pos[..., 0], pos[..., 2], -pos[..., 1]], -1), rate
