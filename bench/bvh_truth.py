"""Ground-truth SMPL motion from a BVH mocap clip: parse, forward kinematics, then fit the open body to it.

The retarget is a fit, not a rotation mapping: the body's joints (β shared by the clip, pose and root per
frame) are fitted by L-BFGS to the BVH joint positions of :data:`BVH_TO_SMPL` (16 joints, pelvis and head down-weighted for their different definitions;
SMPL's spine, collars, hands and CMU's extra spine joints have no common definition and are left to the
pose prior). The fitted SMPL motion *is* the truth the bench scores against — exactly known, and
real-looking because it follows real mocap. Used by bench/bench_fit.py (CMU clips, credit: mocap.cs.cmu.edu;
the database was created with funding from NSF EIA-0196217).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from scipy.spatial.transform import Rotation

from core.body.model import BodyModel
from core.fitting import terms
from core.geometry.rotations import axis_angle_to_matrix, matrix_to_rot6d, rot6d_to_matrix

__all__ = ["Bvh", "read_bvh", "bvh_positions", "BVH_TO_SMPL", "retarget"]

#: SMPL joint ← BVH joint (CMU "cgspeed" names).
BVH_TO_SMPL = {"pelvis": "Hips", "left_hip": "LeftHip", "right_hip": "RightHip", "left_knee": "LeftKnee",
               "right_knee": "RightKnee", "left_ankle": "LeftAnkle", "right_ankle": "RightAnkle",
               "left_foot": "LeftToe", "right_foot": "RightToe", "left_shoulder": "LeftShoulder",
               "right_shoulder": "RightShoulder", "left_elbow": "LeftElbow", "right_elbow": "RightElbow",
               "left_wrist": "LeftWrist", "right_wrist": "RightWrist", "head": "Head"}


@dataclass
class Bvh:
    names: list[str]
    parents: list[int]
    offsets: np.ndarray          # (J,3)
    channels: list[list[str]]
    motion: np.ndarray           # (F, C)
    frame_time: float


def read_bvh(path: str) -> Bvh:
    tok = open(path).read().split()
    names, parents, offsets, channels, stack = [], [], [], [], []
    i, last = 0, -1
    while tok[i] != "MOTION":
        t = tok[i]
        if t in ("ROOT", "JOINT"):
            names.append(tok[i + 1]); parents.append(stack[-1] if stack else -1); channels.append([])
            offsets.append(None); last = len(names) - 1; i += 2
        elif t == "End":
            names.append(names[stack[-1]] + "_end"); parents.append(stack[-1]); channels.append([])
            offsets.append(None); last = len(names) - 1; i += 2
        elif t == "{":
            stack.append(last); i += 1
        elif t == "}":
            stack.pop(); i += 1
        elif t == "OFFSET":
            offsets[stack[-1]] = [float(x) for x in tok[i + 1:i + 4]]; i += 4
        elif t == "CHANNELS":
            n = int(tok[i + 1]); channels[stack[-1]] = tok[i + 2:i + 2 + n]; i += 2 + n
        else:
            i += 1
    frames = int(tok[i + 2]); ft = float(tok[i + 5])
    data = np.array(tok[i + 6:], np.float64).reshape(frames, -1)
    return Bvh(names, parents, np.array(offsets), channels, data, ft)


def bvh_positions(b: Bvh, unit: float) -> np.ndarray:
    """(F, J, 3) world joint positions in metres (``unit`` metres per BVH unit), BVH's frame (Y up)."""
    f = len(b.motion)
    glob_r = np.zeros((len(b.names), f, 3, 3)); glob_p = np.zeros((len(b.names), f, 3))
    col = 0
    for j, (par, chans) in enumerate(zip(b.parents, b.channels)):
        vals = b.motion[:, col:col + len(chans)]; col += len(chans)
        pos = np.tile(b.offsets[j], (f, 1))
        rot_ch = [(c[0], k) for k, c in enumerate(chans) if c.endswith("rotation")]
        r = (Rotation.from_euler("".join(a for a, _ in rot_ch), vals[:, [k for _, k in rot_ch]], degrees=True)
             .as_matrix() if rot_ch else np.tile(np.eye(3), (f, 1, 1)))
        for ax, k in ((c[0], k) for k, c in enumerate(chans) if c.endswith("position")):
            pos[:, "XYZ".index(ax)] += vals[:, k]
        if par < 0:
            glob_r[j], glob_p[j] = r, pos
        else:
            glob_r[j] = glob_r[par] @ r
            glob_p[j] = glob_p[par] + np.einsum("fab,fb->fa", glob_r[par], pos)
    return glob_p.transpose(1, 0, 2) * unit


def retarget(body: BodyModel, targets: np.ndarray, iterations: int = 200) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """targets (F, len(BVH_TO_SMPL), 3) metres, any frame → (rotmats (F,24,3,3), betas (NB,), transl (F,3))
    of the body whose joints best match them (L-BFGS; joint limits and a weak neutral pull as the prior)."""
    ids = [body.joint_names.index(n) for n in BVH_TO_SMPL]
    tgt = torch.as_tensor(targets, dtype=torch.float32)
    n = len(tgt)
    aa = torch.zeros(n, 23, 3, requires_grad=True)
    root = matrix_to_rot6d(torch.eye(3).expand(n, 3, 3)).clone().requires_grad_(True)
    transl = (tgt[:, 0] - body.rest_joints(torch.zeros(1, body.num_betas))[0, 0]).clone().requires_grad_(True)
    betas = torch.zeros(1, body.num_betas, requires_grad=True)
    opt = torch.optim.LBFGS([aa, root, transl, betas], lr=1.0, max_iter=iterations, line_search_fn="strong_wolfe")

    w = torch.tensor([0.3 if k in ("pelvis", "head") else 1.0 for k in BVH_TO_SMPL])[:, None]

    def closure():
        opt.zero_grad()
        rot = torch.cat([rot6d_to_matrix(root)[:, None], axis_angle_to_matrix(aa)], 1)
        j = body.joints(rot, betas.expand(n, -1), transl)[:, ids]
        e = (w * (j - tgt).square()).sum() + 1e-3 * terms.joint_limits(aa, 0.1) + 1e-5 * terms.pose_to_neutral(aa) \
            + 0.05 * betas.square().sum() + 1e-2 * terms.acceleration(j)
        e.backward()
        return e

    with torch.enable_grad():
        opt.step(closure)
    rot = torch.cat([rot6d_to_matrix(root)[:, None], axis_angle_to_matrix(aa)], 1).detach()
    return rot, betas.detach()[0], transl.detach()
