"""Read an FBX file's skeleton and animation without Blender (ufbx, MIT, a C FBX reader with Python
bindings: https://github.com/ufbx/ufbx-python): what an engine's importer sees.

ufbx 0.0.5's bindings can free an evaluated scene's C memory while Python wrappers of its nodes are alive; in the
suite that crashed the whole pytest process (SIGSEGV) on a Rigify export, reproducibly with its file. The matrices
are now copied out and each evaluated scene freed explicitly (:func:`_bone_matrices`), and :func:`read_fbx` still
reads in a child interpreter (``-X faulthandler``) that leaves with ``os._exit``: should ufbx crash again, that is
one test's error naming the file and the Python line, never the death of the whole suite."""
from __future__ import annotations

import os
import pickle
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass
class FbxSkeleton:
    """``names`` of the bone nodes (LimbNode), ``parent`` per bone (None: no bone above it — a root),
    ``world`` (F,B,3) bone node origins in metres, Z up (Blender's axes), at the times asked, ``matrix``
(F,B,4,4) the nodes' whole world transforms (node to world, same axes and unit),
    ``frames`` (the file's animation length in frames at its frame rate), ``fps``, ``unit_meters`` (the
    file's unit), ``meshes`` (mesh node names) and ``skin_bones`` (bone names each skin cluster uses)."""

    names: list[str]
    parent: dict[str, str | None]
    world: np.ndarray
    matrix: np.ndarray
    frames: int
    fps: float
    unit_meters: float
    meshes: list[str]
    skin_bones: set[str]

    @property
    def roots(self) -> list[str]:
        return [n for n in self.names if self.parent[n] is None]


def read_fbx(path, frames=None) -> FbxSkeleton:
    """``frames``: Blender frame numbers to evaluate (time = frame / fps, as Blender writes it)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no FBX file at {path}")
    with tempfile.TemporaryDirectory(prefix="fbx-read-") as tmp:
        job, out = Path(tmp) / "job.pkl", Path(tmp) / "out.pkl"
        job.write_bytes(pickle.dumps((str(path), None if frames is None else [float(f) for f in frames])))
        cmd = [sys.executable, "-X", "faulthandler", __file__, str(job), str(out)]
        run = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        if run.returncode != 0 or not out.is_file():
            raise RuntimeError(f"ufbx could not read {path} (child exit {run.returncode}): {run.stderr[-2000:]}")
        return pickle.loads(out.read_bytes())


def _read_in_child(path: str, frames) -> FbxSkeleton:
    import ufbx
    skin_bones = _skin_bones(ufbx, path)
    scene = ufbx.load_file(path, target_axes=ufbx.axes_right_handed_z_up, target_unit_meters=1.0)
    return _read(ufbx, scene, frames, skin_bones)


def _skin_bones(ufbx, path) -> set[str]:
    """Read from a scene of its own: ufbx 0.0.5 crashes when one function holds a scene's node list and walks its
    skin clusters' bone nodes."""
    scene = ufbx.load_file(str(path))
    return {str(c.bone_node.name) for c in scene.skin_clusters if c.bone_node is not None}


def _read(ufbx, scene, frames, skin_bones: set[str]) -> FbxSkeleton:
    nodes = list(scene.nodes)
    bone_idx = [i for i, n in enumerate(nodes) if n.bone is not None]
    names = [str(nodes[i].name) for i in bone_idx]
    is_bone = set(names)
    parent = {}
    for i, name in zip(bone_idx, names):
        p = nodes[i].parent
        pname = str(p.name) if p is not None else None
        parent[name] = pname if pname in is_bone else None
    fps = float(scene.settings.frames_per_second)
    length = int(round((scene.anim.time_end - scene.anim.time_begin) * fps)) + 1
    matrix = np.zeros((0, len(names), 4, 4))
    if frames is not None:
        out = []
        for f in frames:
            out.append(_bone_matrices(ufbx.evaluate_scene(scene, scene.anim, float(f) / fps), bone_idx))
        matrix = np.array(out, np.float64).transpose(0, 1, 3, 2)     # columns → 4×4
    world = matrix[..., :3, 3]
    meshes = [str(n.name) for n in nodes if n.mesh is not None]
    return FbxSkeleton(names, parent, world, matrix, length, fps, float(scene.settings.original_unit_meters), meshes,
                       skin_bones)


def _bone_matrices(ev, bone_idx: list[int]) -> list:
    """The evaluated scene's bone node-to-world matrices as plain floats (B,4,4 as columns), then the scene freed
    explicitly after every wrapper into it is gone: left to the garbage collector, ufbx 0.0.5 freed an evaluated
    scene while its node wrappers were alive and crashed (SIGSEGV) on some files."""
    evn = list(ev.nodes)
    cols = []
    for i in bone_idx:
        m = evn[i].node_to_world
        cols.append([[*map(float, m.c0), 0.0], [*map(float, m.c1), 0.0], [*map(float, m.c2), 0.0],
                     [*map(float, m.c3), 1.0]])
        del m
    del evn
    ev.free()
    return cols


if __name__ == "__main__":  # the child: job pickle in, FbxSkeleton pickle out, then leave without any teardown
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from tests.blender.fbx_read import _read_in_child as _child  # pickles as tests.blender.fbx_read.FbxSkeleton
    _path, _frames = pickle.loads(Path(sys.argv[1]).read_bytes())
    _result = _child(_path, _frames)
    Path(sys.argv[2]).write_bytes(pickle.dumps(_result))
    sys.stdout.flush(); sys.stderr.flush()
    os._exit(0)
