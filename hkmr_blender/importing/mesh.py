"""Skinned SMPL body mesh (bpy layer): LBS weights as vertex groups, betas as shape keys.

Pose correctives (posedirs) are not applied: the mesh deforms by linear blend skinning only,
as in the usual SMPL-in-Blender workflows. The shape-key values reproduce the motion's betas;
moving them reshapes the mesh but not the skeleton (joints were built for the motion's betas).
"""
from __future__ import annotations

import bpy
import numpy as np

from .body import BodyMesh
from ..rig.transforms import C_Y_TO_Z

__all__ = ["create_skinned_mesh"]

_MIN_WEIGHT = 1e-4


def create_skinned_mesh(context, arm_obj, body: BodyMesh, bone_names: list[str], name: str,
                        collection=None):
    """Mesh object skinned to ``arm_obj`` (parented, Armature modifier); vertices converted Y-up → Z-up."""
    to_z = lambda v: np.asarray(v, np.float64) @ C_Y_TO_Z.T  # noqa: E731
    verts = to_z(body.basis)
    faces = np.asarray(body.faces, np.int64)
    me = bpy.data.meshes.new(name)
    me.vertices.add(len(verts))
    me.vertices.foreach_set("co", verts.astype(np.float32).ravel())
    me.loops.add(faces.size)
    me.loops.foreach_set("vertex_index", faces.astype(np.int32).ravel())
    me.polygons.add(len(faces))
    me.polygons.foreach_set("loop_start", np.arange(0, faces.size, 3, dtype=np.int32))
    me.polygons.foreach_set("loop_total", np.full(len(faces), 3, np.int32))
    me.update(calc_edges=True)
    me.validate(clean_customdata=False)
    obj = bpy.data.objects.new(name, me)
    (collection or context.scene.collection).objects.link(obj)
    obj.parent = arm_obj

    weights = np.asarray(body.weights, np.float64)
    for j, bone in enumerate(bone_names):
        vg = obj.vertex_groups.new(name=bone)
        idx = np.flatnonzero(weights[:, j] > _MIN_WEIGHT)
        vals = weights[idx, j]
        for value in np.unique(vals):  # one call per distinct weight (many are exactly 1.0)
            vg.add(idx[vals == value].tolist(), float(value), "REPLACE")
    mod = obj.modifiers.new("Armature", "ARMATURE")
    mod.object = arm_obj

    if len(body.shape_deltas):
        obj.shape_key_add(name="Basis", from_mix=False)
        for k, (delta, beta) in enumerate(zip(body.shape_deltas, body.betas)):
            key = obj.shape_key_add(name=f"beta_{k:02d}", from_mix=False)
            key.data.foreach_set("co", (verts + to_z(delta)).astype(np.float32).ravel())
            key.slider_min, key.slider_max = -10.0, 10.0
            key.value = float(beta)
    return obj
