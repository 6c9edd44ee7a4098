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

__all__ = ["Bvh", "read_bvh", "bvh_positions", "BVH_TO_SMPL", "retarget", "bvh_motion"]

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


def bvh_motion(path: str, start_s: float = 0.0, seconds: float | None = None, fps: float = 30.0,
               iterations: int = 200):
    """``seconds`` (None: to the end) of a BVH clip from ``start_s``, subsampled to about ``fps``, as SMPL
    motion on the open body (:func:`retarget` fit): a :class:`hkmr_blender.base.Motion` with the fitted betas'
    rest joints, ready to import. Used by bench/figure_retarget.py and the end-to-end tests."""
    from core.body.model import load_body_model
    from core.geometry.rotations import matrix_to_axis_angle
    from hkmr_blender.base import Motion
    from hkmr_blender.importing.body import load_body_arrays, rest_joints_for
    b = read_bvh(path)
    step = max(1, int(round(1.0 / (b.frame_time * fps))))
    first = int(round(start_s / (b.frame_time * step)))
    count = None if seconds is None else int(round(seconds * fps))
    pos = bvh_positions(b, 0.0254 / 0.45)[::step][first:None if count is None else first + count]
    body = load_body_model(None)
    rot, betas, transl = retarget(body, pos[:, [b.names.index(v) for v in BVH_TO_SMPL.values()]], iterations)
    with torch.no_grad():
        aa = matrix_to_axis_angle(rot).reshape(len(rot), 72).numpy().astype(np.float64)
    betas = betas.numpy().astype(np.float64)
    rest = rest_joints_for(load_body_arrays(), betas)
    return Motion(poses=aa, trans=transl.numpy().astype(np.float64), betas=betas, fps=1.0 / (b.frame_time * step),
                  rest_joints=rest)
