"""Reference forward kinematics for the tests (numpy, independent of smplx and of Blender's own).

Used as ground truth by the rig-math, feet and gait tests; the product itself poses bones through Blender
or ``smplx``, so this lives with the tests.
"""
from __future__ import annotations

import numpy as np

from hkmr_blender.base.rotations import axis_angle_to_matrix
from hkmr_blender.base.skeleton import SMPL_PARENTS


def forward_kinematics(poses: np.ndarray, trans: np.ndarray, rest_joints: np.ndarray,
                       parents=SMPL_PARENTS) -> tuple[np.ndarray, np.ndarray]:
    """SMPL joints in the motion's frame: poses (F, 3J) axis-angle, trans (F, 3), rest_joints (J, 3)
    → (joints (F, J, 3), global rotations (F, J, 3, 3)). Matches ``smplx.lbs`` joints + transl."""
    f, nj = len(poses), len(parents)
    rot = axis_angle_to_matrix(np.asarray(poses, np.float64).reshape(f, nj, 3))
    glob = np.empty_like(rot)
    joints = np.empty((f, nj, 3))
    rest = np.asarray(rest_joints, np.float64)
    for i, p in enumerate(parents):
        if p < 0:
            glob[:, i] = rot[:, i]
            joints[:, i] = rest[i] + trans
        else:
            glob[:, i] = glob[:, p] @ rot[:, i]
            joints[:, i] = joints[:, p] + glob[:, p] @ (rest[i] - rest[p])
    return joints, glob
