"""BlazePose's 33 landmarks on a posed SMPL-format body (for fitting, training data and scores).

Joints come from forward kinematics of the rest joints (:meth:`BodyModel.joints`' path); surface
points (nose, eyes, ears, heels, toes) are skinned for the few vertices they need only, so this costs
about as much as ``joints()``, not a full mesh forward. Equal to ``forward()``'s joints/keypoints.
"""
from __future__ import annotations

import numpy as np
import torch
from smplx.lbs import batch_rigid_transform

from core.detect.landmarks import LANDMARK_TO_BODY, NUM_LANDMARKS

from .model import BodyModel

__all__ = ["landmark_points", "landmark_weights"]


def _sources(body: BodyModel) -> tuple[list[int], list[int], np.ndarray]:
    """Per landmark: SMPL joint index (or -1), surface-point slot (or -1); and the surface vertex ids."""
    names = list(body.surface_names)
    joints, slots, vids = [], [], []
    for m in LANDMARK_TO_BODY:
        if m is not None and m[0] == "surface" and m[1] in names:
            slots.append(len(vids))
            vids.append(int(body.surface_vertex_ids[names.index(m[1])]))
            joints.append(-1)
        else:
            slots.append(-1)
            joints.append(body.joint_names.index(_fallback(m)) if m is not None else 0)
    return joints, slots, np.asarray(vids, np.int64)


# A body without surface keypoints (unknown topology) uses the nearest joint instead.
_FALLBACK = {"nose": "head", "leye": "head", "reye": "head", "lear": "head", "rear": "head",
             "LHeel": "left_ankle", "RHeel": "right_ankle", "LBigToe": "left_foot", "RBigToe": "right_foot"}


def _fallback(m: tuple[str, str]) -> str:
    return m[1] if m[0] == "joint" else _FALLBACK[m[1]]


def landmark_weights(body: BodyModel) -> np.ndarray:
    """(33,) float32: 1 where the body has the landmark's point, 0 for the mouth corners and for surface
    points this body topology lacks (they fall back to a joint, which is only approximately there)."""
    names = set(body.surface_names)
    return np.array([0.0 if m is None or (m[0] == "surface" and m[1] not in names) else 1.0
                     for m in LANDMARK_TO_BODY], np.float32)


def landmark_points(body: BodyModel, rotmats: torch.Tensor, betas: torch.Tensor,
                    transl: torch.Tensor | None = None) -> torch.Tensor:
    """(B,24,3,3) joint-local rotations, (B,NB) betas, (B,3) transl → (B,33,3) landmark positions,
    SMPL frame (Y-up, metres). Mouth corners (unused) hold the pelvis position."""
    body._check(rotmats, betas)
    joint_ix, slot_ix, vids = _sources(body)
    layer = body.layer
    posed_j, rel = batch_rigid_transform(rotmats, body.rest_joints(betas), layer.parents, dtype=rotmats.dtype)
    out = posed_j[:, joint_ix]
    if len(vids):
        v = torch.as_tensor(vids, device=rotmats.device)
        shaped = layer.v_template[v][None] + torch.einsum("vcb,nb->nvc", layer.shapedirs[v], betas)
        eye = torch.eye(3, dtype=rotmats.dtype, device=rotmats.device)
        pose_feat = (rotmats[:, 1:] - eye).reshape(len(rotmats), -1)            # (B, 207)
        cols = (v[:, None] * 3 + torch.arange(3, device=v.device)).reshape(-1)   # posedirs columns of v
        shaped = shaped + (pose_feat @ layer.posedirs[:, cols]).reshape(len(rotmats), len(vids), 3)
        t = torch.einsum("vj,njab->nvab", layer.lbs_weights[v], rel)              # (B, S, 4, 4)
        surf = torch.einsum("nvab,nvb->nva", t[..., :3, :3], shaped) + t[..., :3, 3]
        sel = torch.as_tensor([i for i, s in enumerate(slot_ix) if s >= 0], device=rotmats.device)
        out = out.index_copy(1, sel, surf[:, [s for s in slot_ix if s >= 0]])
    return out if transl is None else out + transl[:, None]
