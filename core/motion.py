"""SMPL parameters (torch) → motion file v1 (the core ↔ add-on contract).

The format itself has one numpy-only implementation, :mod:`hkmr_blender.base`
(the add-on ships alone in its zip); this module re-exports it and adds the torch side:
rotation matrices → axis-angle, rest joints and the optional rest mesh from the body model.
"""
from __future__ import annotations

import numpy as np
import torch

from hkmr_blender.base import (FORMAT_NAME, FORMAT_VERSION, Motion, MotionFileError, RestMesh, read_motion,
                               validate_motion, write_motion)
from hkmr_blender.base.skeleton import NUM_JOINTS

from .body.model import BodyModel
from .geometry.rotations import matrix_to_axis_angle
from .runtime import blockwise

__all__ = ["Motion", "RestMesh", "MotionFileError", "FORMAT_NAME", "FORMAT_VERSION", "read_motion",
           "write_motion", "validate_motion", "motion_from_smpl", "rest_mesh"]


def rest_mesh(body: BodyModel, betas: torch.Tensor, with_shapedirs: bool = True) -> RestMesh:
    """T-pose mesh of ``body`` for one shape (betas (NB,)), SMPL Y-up metres."""
    with torch.no_grad():
        verts = body.shaped_vertices(betas.reshape(1, -1).to(body.layer.v_template))[0]
    shapedirs = body.layer.shapedirs.cpu().numpy() if with_shapedirs else None
    return RestMesh(verts.cpu().numpy(), body.faces, body.skin_weights, shapedirs)


@torch.no_grad()
def motion_from_smpl(body: BodyModel, rotmats: torch.Tensor, betas: torch.Tensor, trans: torch.Tensor,
                     fps: float, *, frame_index: np.ndarray | None = None,
                     confidence: np.ndarray | None = None, valid: np.ndarray | None = None,
                     camera: torch.Tensor | None = None, contacts: np.ndarray | None = None,
                     include_mesh: bool = True, view=None) -> Motion:
    """Build a validated :class:`Motion`.

    rotmats (F,24,3,3) joint-local (joint 0 = global orientation), betas (NB,) one shape for
    the clip, trans (F,3) SMPL ``transl``; camera (F,3) weak-perspective or None; contacts (F,2)
    bool planted [left, right] foot or None; view: the filming camera (:class:`ViewCamera`) or None. Positions
    are in SMPL's Y-up frame (``up_axis="y"``).
    """
    if rotmats.ndim != 4 or rotmats.shape[1:] != (NUM_JOINTS, 3, 3):
        raise ValueError(f"rotmats must be (F, 24, 3, 3), got {tuple(rotmats.shape)}")
    betas = betas.reshape(-1).float()
    poses = blockwise(lambda a, b: matrix_to_axis_angle(rotmats[a:b].double()), len(rotmats), 4096)
    poses = poses.reshape(len(rotmats), 72)  # in blocks: the conversion's temporaries are 4,096 frames' at most
    rest = body.rest_joints(betas[None].to(body.layer.v_template))[0]
    motion = Motion(
        poses=poses.cpu().numpy(), trans=trans.double().cpu().numpy(), betas=betas.double().cpu().numpy(),
        fps=float(fps), gender=body.gender, rest_joints=rest.double().cpu().numpy(),
        frame_index=frame_index, confidence=confidence, valid=valid,
        camera=None if camera is None else camera.double().cpu().numpy(), contacts=contacts, view=view, up_axis="y",
        body_model=body.identity, parents=np.asarray(body.parents),
        mesh=rest_mesh(body, betas) if include_mesh else None)
    return validate_motion(motion)
