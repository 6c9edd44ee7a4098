"""Joint orders and their mappings: SPIN's 24 "J24" ground-truth joints → SMPL's 24 joints.

SPIN stores 2D (``part``) and 3D (``S``) ground truth in its own J24 order (LSP's 14 joints
first, then MPII/H36M/COCO extras). HKMR's losses work on **SMPL's 24 joints**, so the
reader moves every J24 joint that has an SMPL counterpart into that SMPL slot and marks the
other SMPL slots invisible (weight 0):

===============================  =========================  ===========================================
J24 joint (index)                SMPL joint (index)         how close the two definitions are
===============================  =========================  ===========================================
R/L ankle (0/5)                  right/left ankle (8/7)     same anatomical point
R/L knee (1/4)                   right/left knee (5/4)      same anatomical point
R/L hip (2/3)                    right/left hip (2/1)       approximate: annotators mark the hip lower
                                                            and more lateral than SMPL's hip centre
                                                            (SPIN regresses its own "hip" for this)
R/L wrist, elbow, shoulder       SMPL wrist 21/20, elbow    same points (shoulder: approximate, SMPL's
(6–11)                           19/18, shoulder 17/16      is the glenohumeral centre)
neck (LSP, 12)                   neck (12)                  approximate (LSP: base of neck)
pelvis (MPII / H36M, 14)         pelvis (0)                 approximate (H36M pelvis ≈ SMPL pelvis)
head (H36M, 18)                  head (15)                  approximate (H36M head centre)
top of head, thorax, spine,      —                          no SMPL joint: dropped
jaw, nose, eyes, ears
===============================  =========================  ===========================================

SMPL's spine1–3, collars, feet and hands get no 2D/3D supervision from real datasets;
synthetic data stores all 24 SMPL joints directly (``joints2d_smpl`` / ``joints3d_smpl``).
"""
from __future__ import annotations

import numpy as np

__all__ = ["J24_NAMES", "J24_TO_SMPL", "SMPL_FLIP_PERM", "SMPL_POSE_FLIP_PERM", "j24_to_smpl",
           "smpl_to_j24", "flip_pose"]

J24_NAMES: tuple[str, ...] = (
    "right_ankle", "right_knee", "right_hip", "left_hip", "left_knee", "left_ankle",
    "right_wrist", "right_elbow", "right_shoulder", "left_shoulder", "left_elbow", "left_wrist",
    "neck_lsp", "head_top_lsp", "pelvis_mpii", "thorax_mpii", "spine_h36m", "jaw_h36m",
    "head_h36m", "nose", "left_eye", "right_eye", "left_ear", "right_ear",
)

#: {J24 index: SMPL index} for the joints in the table above.
J24_TO_SMPL: dict[int, int] = {0: 8, 1: 5, 2: 2, 3: 1, 4: 4, 5: 7, 6: 21, 7: 19, 8: 17, 9: 16, 10: 18,
                               11: 20, 12: 12, 14: 0, 18: 15}

#: SMPL joint permutation for a left/right mirror (SMPL order, pairs swapped).
SMPL_FLIP_PERM = np.array([0, 2, 1, 3, 5, 4, 6, 8, 7, 9, 11, 10, 12, 14, 13, 15, 17, 16, 19, 18, 21, 20, 23, 22])
#: the same permutation over the 72 axis-angle pose values.
SMPL_POSE_FLIP_PERM = (3 * SMPL_FLIP_PERM[:, None] + np.arange(3)).reshape(-1)

_J24 = np.array(sorted(J24_TO_SMPL))
_SMPL = np.array([J24_TO_SMPL[j] for j in _J24])


def j24_to_smpl(points: np.ndarray) -> np.ndarray:
    """(24, C) J24 points with visibility/confidence last → (24, C) SMPL-order points; slots
    without a J24 counterpart are zeros (visibility 0)."""
    out = np.zeros_like(np.asarray(points, np.float64))
    out[_SMPL] = points[_J24]
    return out


def smpl_to_j24(points: np.ndarray) -> np.ndarray:
    """(24, C) SMPL-order points → (24, C) J24 order (the mapped joints only; others zero)."""
    out = np.zeros_like(np.asarray(points, np.float64))
    out[_J24] = points[_SMPL]
    return out


def flip_pose(pose: np.ndarray) -> np.ndarray:
    """(72,) SMPL axis-angle pose → the pose of the mirrored body (mirror x ↦ −x in the camera
    frame): swap left/right joints and negate each rotation vector's y and z (M R M with
    M = diag(−1, 1, 1) is the rotation about (a_x, −a_y, −a_z))."""
    out = np.asarray(pose, np.float64)[SMPL_POSE_FLIP_PERM].copy()
    out[1::3] *= -1
    out[2::3] *= -1
    return out
