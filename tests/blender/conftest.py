"""Helpers for the add-on tests: random-but-valid motions and the smplx reference joints."""
from __future__ import annotations

import numpy as np
import torch
from smplx.lbs import lbs

from hkmr_blender.body import rest_joints_for
from hkmr_blender.motion_io import Motion
from hkmr_blender.skeleton_def import SMPL_PARENTS
from tests.conftest import make_smpl_arrays


def make_motion(rng, frames: int = 12, arrays: dict | None = None) -> tuple[Motion, dict]:
    """A Y-up Motion with large random root rotations, poses and a drifting root path, and its body arrays."""
    arrays = arrays or make_smpl_arrays()
    betas = rng.normal(0, 1, 10)
    poses = rng.normal(0, 0.4, (frames, 72))
    poses[:, :3] = rng.normal(0, 1.2, (frames, 3))
    trans = np.cumsum(rng.normal(0, 0.1, (frames, 3)), 0) + [0.3, -0.2, 1.0]
    return Motion(poses=poses, trans=trans, betas=betas, fps=30.0, rest_joints=rest_joints_for(arrays, betas)), arrays


def smplx_joints(motion: Motion, arrays: dict) -> np.ndarray:
    """(F,24,3) joints from smplx.lbs (the reference FK: betas → joints → posed) + transl."""
    f = motion.num_frames
    t = lambda a, dt=torch.float64: torch.as_tensor(np.asarray(a), dtype=dt)  # noqa: E731
    nb = arrays["shapedirs"].shape[-1]
    betas = np.zeros(nb)
    betas[:len(motion.betas)] = motion.betas[:nb]
    posedirs = np.asarray(arrays["posedirs"]).reshape(-1, 207).T
    _, joints = lbs(t(np.repeat(betas[None], f, 0)), t(motion.poses), t(arrays["v_template"]),
                    t(arrays["shapedirs"]), t(posedirs), t(arrays["J_regressor"]),
                    torch.as_tensor(SMPL_PARENTS), t(arrays["weights"]))
    return joints.numpy() + np.asarray(motion.trans)[:, None]
