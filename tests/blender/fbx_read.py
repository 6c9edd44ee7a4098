"""Read an FBX file's skeleton and animation without Blender (ufbx, MIT, a C FBX reader with Python
bindings: https://github.com/ufbx/ufbx-python): what an engine's importer sees."""
from __future__ import annotations

from dataclasses import dataclass

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
    import ufbx
    skin_bones = _skin_bones(ufbx, path)
    scene = ufbx.load_file(str(path), target_axes=ufbx.axes_right_handed_z_up, target_unit_meters=1.0)
    return _read(ufbx, scene, frames, skin_bones)


def _skin_bones(ufbx, path) -> set[str]:
    """Read from a scene of its own: ufbx 0.0.5 crashes (at teardown) when one function holds a scene's
    node list and walks its skin clusters' bone nodes."""
    scene = ufbx.load_file(str(path))
    return {c.bone_node.name for c in scene.skin_clusters if c.bone_node is not None}


def _read(ufbx, scene, frames, skin_bones: set[str]) -> FbxSkeleton:
    nodes = list(scene.nodes)
    bone_idx = [i for i, n in enumerate(nodes) if n.bone is not None]
    names = [nodes[i].name for i in bone_idx]
    is_bone = set(names)
    parent = {}
    for i in bone_idx:
        p = nodes[i].parent
        pname = p.name if p is not None else None
        parent[nodes[i].name] = pname if pname in is_bone else None
    fps = float(scene.settings.frames_per_second)
    length = int(round((scene.anim.time_end - scene.anim.time_begin) * fps)) + 1
    matrix = np.zeros((0, len(names), 4, 4))
    if frames is not None:
        out = []
        for f in frames:
            ev = ufbx.evaluate_scene(scene, scene.anim, float(f) / fps)
            evn = list(ev.nodes)
            mats = [evn[i].node_to_world for i in bone_idx]
            out.append([[[*m.c0, 0], [*m.c1, 0], [*m.c2, 0], [*m.c3, 1]] for m in mats])
        matrix = np.array(out, np.float64).transpose(0, 1, 3, 2)     # columns → 4×4
    world = matrix[..., :3, 3]
    meshes = [n.name for n in nodes if n.mesh is not None]
    return FbxSkeleton(names, parent, world, matrix, length, fps, float(scene.settings.original_unit_meters), meshes,
                       skin_bones)
