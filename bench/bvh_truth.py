"""Ground-truth SMPL motion from a BVH mocap clip: parse, forward kinematics, then fit the open body to it.

The retarget is a fit, not a rotation mapping (training/data/mocap/retarget.py): the body's joints (β shared by the clip, pose and root per
frame) are fitted by L-BFGS to the BVH joint positions of :data:`BVH_TO_SMPL` (16 joints, pelvis and head down-weighted for their different definitions;
SMPL's spine, collars, hands and CMU's extra spine joints have no common definition and are left to the
pose prior). The fitted SMPL motion *is* the truth the bench scores against — exactly known, and
real-looking because it follows real mocap. Used by bench/bench_fit.py (CMU clips, credit: mocap.cs.cmu.edu;
the database was created with funding from NSF EIA-0196217).
"""
from __future__ import annotations

import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from core.body.model import BodyModel  # noqa: E402
from training.data.mocap.bvh import Bvh, bvh_positions, read_bvh  # noqa: E402
from training.data.mocap.retarget import retarget as _retarget  # noqa: E402

__all__ = ["Bvh", "read_bvh", "bvh_positions", "BVH_TO_SMPL", "retarget"]

#: SMPL joint ← BVH joint (CMU "cgspeed" names).
BVH_TO_SMPL = {"pelvis": "Hips", "left_hip": "LeftHip", "right_hip": "RightHip", "left_knee": "LeftKnee",
               "right_knee": "RightKnee", "left_ankle": "LeftAnkle", "right_ankle": "RightAnkle",
               "left_foot": "LeftToe", "right_foot": "RightToe", "left_shoulder": "LeftShoulder",
               "right_shoulder": "RightShoulder", "left_elbow": "LeftElbow", "right_elbow": "RightElbow",
               "left_wrist": "LeftWrist", "right_wrist": "RightWrist", "head": "Head"}


def retarget(body: BodyModel, targets: np.ndarray, iterations: int = 200) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """targets (F, len(BVH_TO_SMPL), 3) metres, Y up → (rotmats (F,24,3,3), betas (NB,), transl (F,3)) of the body
    whose joints best match them (:func:`training.data.mocap.retarget.retarget`)."""
    fit = _retarget(body, targets, list(BVH_TO_SMPL), iterations)
    return fit.rotmats, fit.betas, fit.transl
