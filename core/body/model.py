"""BodyModel: an SMPL-format body (official SMPL or the open default body) as a torch module.

Wraps ``smplx.SMPLLayer`` (the data_struct route, so any SMPL-format arrays work) and adds
what HKMR needs: joint names, parents, kinematic chains, rest joints for given betas, an
identity string for checkpoints and motion files. Everything is in SMPL's canonical frame:
Y-up, metres, the body facing +Z; the body's left is +X.
"""
from __future__ import annotations

import contextlib
import io
import os
from dataclasses import dataclass

import numpy as np
import smplx
import torch
from smplx.lbs import batch_rigid_transform, blend_shapes

from hkmr_blender.base.smpl_file import SmplFileError, body_identity, load_smpl_arrays
from hkmr_blender.base.skeleton import NUM_JOINTS

from .discovery import find_body_model
from .open_body.keypoints import EXTRA_VERTEX_NAMES
from .skeleton import SMPL_JOINT_NAMES, Chain, kinematic_chains, parents_from_kintree

__all__ = ["BodyOutput", "BodyModel", "load_body_model"]

_NUM_POSE_BASIS = 207  # 23 joints × 9 (R − I), SMPL's pose-corrective basis size
_SMPL_NUM_VERTICES = 6890
_SMPL_KEYPOINT_IDS = smplx.vertex_ids.vertex_ids["smplh"]  # valid on SMPL's own topology only


def _keypoint_vertex_ids(arrays: dict[str, np.ndarray]) -> dict[str, int] | None:
    """Surface keypoint vertex ids for this topology: the file's own, smplx's for SMPL's
    6890-vertex mesh, else None (smplx's defaults would silently pick wrong vertices)."""
    if "extra_vertex_ids" in arrays:
        return {str(n): int(i) for n, i in zip(arrays["extra_vertex_names"], arrays["extra_vertex_ids"])}
    if len(arrays["v_template"]) == _SMPL_NUM_VERTICES:
        return dict(_SMPL_KEYPOINT_IDS)
    return None


@dataclass
class BodyOutput:
    """SMPL forward result (Y-up metres, ``transl`` applied).

    vertices (B,V,3); joints (B,24,3) SMPL joints; keypoints (B,K,3) extra surface points
    (nose, eyes, ears, toes, heels, finger tips in smplx's order); rotmats (B,24,3,3) local.
    """

    vertices: torch.Tensor
    joints: torch.Tensor
    keypoints: torch.Tensor
    rotmats: torch.Tensor


class BodyModel(torch.nn.Module):
    """SMPL-format body. Build with :func:`load_body_model`."""

    def __init__(self, arrays: dict[str, np.ndarray], num_betas: int = 10, gender: str = "neutral",
                 source: str = "") -> None:
        super().__init__()
        where = source or "body model"
        self.parents = parents_from_kintree(arrays["kintree_table"])
        if len(self.parents) != len(SMPL_JOINT_NAMES):
            raise SmplFileError(f"{where}: {len(self.parents)} joints; HKMR needs SMPL's 24-joint body "
                                "(SMPL-H/X files are not SMPL)")
        avail = arrays["shapedirs"].shape[-1]
        if not 1 <= num_betas <= avail:
            raise SmplFileError(f"{where}: asked for {num_betas} betas but the model has {avail} shape directions")
        posedirs = np.asarray(arrays.get("posedirs", np.zeros(0)))
        if posedirs.size == 0:  # the open body ships without pose correctives
            posedirs = np.zeros((len(arrays["v_template"]) * 3, _NUM_POSE_BASIS), np.float32)
        struct = dict(arrays, posedirs=posedirs, J_regressor=np.asarray(arrays["J_regressor"], np.float32))
        vertex_ids = _keypoint_vertex_ids(arrays)
        with contextlib.redirect_stdout(io.StringIO()):  # smplx prints a warning for 10-beta models
            self.layer = smplx.SMPLLayer(model_path=None, data_struct=smplx.utils.Struct(**struct),
                                         num_betas=num_betas, gender=gender,
                                         vertex_ids=vertex_ids or dict.fromkeys(_SMPL_KEYPOINT_IDS, 0))
        if vertex_ids is None:  # unknown topology: no surface keypoints rather than wrong ones
            self.layer.vertex_joint_selector.extra_joints_idxs = torch.zeros(0, dtype=torch.long)
        #: names and vertex ids of the surface keypoints, in ``forward().keypoints`` order (smplx's
        #: VertexJointSelector order); empty for an unknown topology
        self.surface_names: tuple[str, ...] = EXTRA_VERTEX_NAMES if vertex_ids else ()
        self.surface_vertex_ids: np.ndarray = self.layer.vertex_joint_selector.extra_joints_idxs.numpy().copy()
        # joints are linear in betas: J = J_regressor (v_template + shapedirs β), folded once so that
        # rest_joints and joints() never touch the V vertices
        j_reg = self.layer.J_regressor
        self.register_buffer("j_template", j_reg @ self.layer.v_template, persistent=False)  # (24, 3)
        self.register_buffer("j_shapedirs", torch.einsum("jv,vcb->jcb", j_reg, self.layer.shapedirs),
                             persistent=False)  # (24, 3, NB)
        self.num_betas = num_betas
        self.gender = gender
        self.source = source
        self.joint_names: tuple[str, ...] = SMPL_JOINT_NAMES
        self.chains: list[Chain] = kinematic_chains(self.parents)
        self.faces: np.ndarray = np.asarray(arrays["f"], np.int64)
        self.skin_weights: np.ndarray = np.asarray(arrays["weights"], np.float32)
        self.identity = body_identity(arrays, gender)

    @property
    def num_vertices(self) -> int:
        return int(self.layer.v_template.shape[0])

    def shaped_vertices(self, betas: torch.Tensor) -> torch.Tensor:
        """(B,NB) → (B,V,3) T-pose vertices with the shape blend applied."""
        return self.layer.v_template[None] + blend_shapes(betas, self.layer.shapedirs)

    def rest_joints(self, betas: torch.Tensor) -> torch.Tensor:
        """(B,NB) betas → (B,24,3) T-pose joint locations (no translation)."""
        return self.j_template + torch.einsum("jcb,nb->njc", self.j_shapedirs, betas)

    def joints(self, rotmats: torch.Tensor, betas: torch.Tensor, transl: torch.Tensor | None = None) -> torch.Tensor:
        """(B,24,3) posed SMPL joints, equal to ``forward(...).joints`` without skinning the mesh
        (forward kinematics of :meth:`rest_joints` only: what losses, fits and scores need)."""
        self._check(rotmats, betas)
        posed, _ = batch_rigid_transform(rotmats, self.rest_joints(betas), self.layer.parents, dtype=rotmats.dtype)
        return posed if transl is None else posed + transl[:, None]

    def _check(self, rotmats: torch.Tensor, betas: torch.Tensor) -> None:
        if rotmats.shape[-3:] != (NUM_JOINTS, 3, 3):
            raise ValueError(f"rotmats must be (B, 24, 3, 3), got {tuple(rotmats.shape)}")
        if betas.shape[-1] != self.num_betas:
            raise ValueError(f"betas must have {self.num_betas} values per body, got {betas.shape[-1]}")

    def forward(self, rotmats: torch.Tensor, betas: torch.Tensor,
                transl: torch.Tensor | None = None) -> BodyOutput:
        """Pose the body. rotmats (B,24,3,3) joint-local, joint 0 = global orientation about
        the pelvis joint; betas (B,NB); transl (B,3) added to every output point."""
        self._check(rotmats, betas)
        out = self.layer(betas=betas, global_orient=rotmats[:, :1], body_pose=rotmats[:, 1:], transl=transl)
        return BodyOutput(vertices=out.vertices, joints=out.joints[:, :NUM_JOINTS],
                          keypoints=out.joints[:, NUM_JOINTS:], rotmats=rotmats)


def load_body_model(path: str | os.PathLike | None = None, gender: str = "neutral",
                    num_betas: int = 10) -> BodyModel:
    """Find (see :mod:`core.body.discovery`) and load an SMPL-format body model."""
    file = find_body_model(path, gender)
    arrays = load_smpl_arrays(file)
    return BodyModel(arrays, num_betas=num_betas, gender=gender, source=str(file))
