"""Fit the open body to mocap joint positions (the retarget is a fit, not a rotation mapping), and check it.

The body's joints (β shared by the clip, pose and root per frame) are fitted by L-BFGS to the source's joint
positions; pelvis and head are down-weighted (their definitions differ between skeletons); SMPL's spine,
collars and hands have no common definition and are left to joint limits and a weak pull to the neutral
pose. Frames: Y-up world, metres (the caller converts its source). :func:`bone_check` measures how well each
fitted bone points where the source's bone points.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from core.body.model import BodyModel
from core.fitting import terms
from core.geometry.rotations import axis_angle_to_matrix, matrix_to_rot6d, rot6d_to_matrix

__all__ = ["Retargeted", "retarget", "BONES", "bone_check", "facing_rotation"]

#: Bones whose direction is compared between source and fit (SMPL joint names, parent → child).
BONES = (("left_hip", "left_knee"), ("right_hip", "right_knee"), ("left_knee", "left_ankle"),
         ("right_knee", "right_ankle"), ("left_shoulder", "left_elbow"), ("right_shoulder", "right_elbow"),
         ("left_elbow", "left_wrist"), ("right_elbow", "right_wrist"), ("left_ankle", "left_foot"),
         ("right_ankle", "right_foot"), ("right_hip", "left_hip"), ("right_shoulder", "left_shoulder"))


@dataclass
class Retargeted:
    rotmats: torch.Tensor   # (F,24,3,3) joint-local; joint 0 = orientation in the Y-up world
    betas: torch.Tensor     # (NB,)
    transl: torch.Tensor    # (F,3) metres


def facing_rotation(targets: np.ndarray, names: list[str]) -> np.ndarray:
    """(F,3,3) rotations about +Y turning the rest body (left hip at +x) so its hips line up with the
    targets' (F,J,3) Y-up hips: the root's start, so L-BFGS never begins facing backwards."""
    v = targets[:, names.index("left_hip")] - targets[:, names.index("right_hip")]
    th = np.arctan2(-v[:, 2], v[:, 0])
    c, s = np.cos(th), np.sin(th)
    r = np.zeros((len(th), 3, 3)); r[:, 0, 0] = c; r[:, 0, 2] = s; r[:, 1, 1] = 1; r[:, 2, 0] = -s; r[:, 2, 2] = c
    return r


def retarget(body: BodyModel, targets: np.ndarray, names: list[str], iterations: int = 200,
             betas: torch.Tensor | None = None) -> Retargeted:
    """targets (F, len(names), 3) metres, Y up; names: SMPL joint names of its columns → the body whose
    joints best match them. ``betas`` given: kept fixed (a clip fitted in chunks shares one shape)."""
    ids = [body.joint_names.index(n) for n in names]
    tgt = torch.as_tensor(targets, dtype=torch.float32)
    n = len(tgt)
    aa = torch.zeros(n, 23, 3, requires_grad=True)
    start = torch.as_tensor(facing_rotation(targets, names), dtype=torch.float32)
    root = matrix_to_rot6d(start).contiguous().clone().requires_grad_(True)
    fixed = betas is not None
    b = (betas.detach().clone()[None] if fixed else torch.zeros(1, body.num_betas)).requires_grad_(not fixed)
    transl = (tgt[:, names.index("pelvis")] - body.rest_joints(b.detach())[0, 0]).clone().requires_grad_(True)
    params = [aa, root, transl] + ([] if fixed else [b])
    opt = torch.optim.LBFGS(params, lr=1.0, max_iter=iterations, line_search_fn="strong_wolfe")
    w = torch.tensor([0.3 if k in ("pelvis", "head") else 1.0 for k in names])[:, None]

    def closure():
        opt.zero_grad()
        rot = torch.cat([rot6d_to_matrix(root)[:, None], axis_angle_to_matrix(aa)], 1)
        j = body.joints(rot, b.expand(n, -1), transl)[:, ids]
        e = (w * (j - tgt).square()).sum() + 1e-3 * terms.joint_limits(aa, 0.1) + 1e-5 * terms.pose_to_neutral(aa) \
            + 0.05 * b.square().sum() + 1e-2 * terms.acceleration(j)
        e.backward()
        return e

    with torch.enable_grad():
        opt.step(closure)
    rot = torch.cat([rot6d_to_matrix(root)[:, None], axis_angle_to_matrix(aa)], 1).detach()
    return Retargeted(rot, b.detach()[0], transl.detach())


def bone_check(body: BodyModel, fit: Retargeted, targets: np.ndarray, names: list[str]) -> dict[str, float]:
    """Angle (degrees) between each :data:`BONES` bone of the fit and of the source, median and 95th
    percentile over frames and bones; and the mean joint distance (mm)."""
    with torch.no_grad():
        j = body.joints(fit.rotmats, fit.betas.expand(len(fit.rotmats), -1), fit.transl).numpy()
    ids = [body.joint_names.index(n) for n in names]
    angles = []
    for a, c in BONES:
        if a in names and c in names:
            u = j[:, body.joint_names.index(c)] - j[:, body.joint_names.index(a)]
            v = targets[:, names.index(c)] - targets[:, names.index(a)]
            cos = (u * v).sum(-1) / np.maximum(np.linalg.norm(u, axis=-1) * np.linalg.norm(v, axis=-1), 1e-9)
            angles.append(np.degrees(np.arccos(np.clip(cos, -1, 1))))
    ang = np.concatenate(angles)
    return {"bone_deg_median": float(np.median(ang)), "bone_deg_p95": float(np.percentile(ang, 95)),
            "joint_mm_mean": float(np.linalg.norm(j[:, ids] - targets, axis=-1).mean() * 1000)}
