"""Mean SMPL parameters the regressors start from (IEF / residual updates).

SPIN starts from ``smpl_mean_params.npz`` (a licensed-data statistic we do not ship). Our
default is the *identity-ish* mean instead:

- pose: every joint's local rotation is the identity, except the global orientation, which is
  a 180° rotation about X. SMPL is Y-up and faces +Z; the camera frame (SPIN/OpenCV) has y
  pointing *down* and looks along +z. Rotating by π about X maps the body's up to −y (up in
  the image) and its front to −z (facing the camera), i.e. an upright person seen from the
  front — the same global orientation as SPIN's mean, without its averaged limb bends.
- shape: zeros (the body model's template).
- camera: weak perspective [s, tx, ty] = [0.9, 0, 0] (SPIN's mean: the body fills ~90 % of
  the crop's half-width, centred).

:func:`load_mean_params` reads SPIN's file (or any npz with ``pose`` (144 6D or 72
axis-angle), ``shape``, ``cam``) when the user has one.
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass

import numpy as np
import torch

from hkmr_blender.base.skeleton import NUM_JOINTS

from core.geometry.rotations import axis_angle_to_rot6d

__all__ = ["MeanParams", "default_mean_params", "load_mean_params", "mean_params"]


@dataclass(frozen=True)
class MeanParams:
    """pose (24*6,) SPIN-layout 6D, shape (NB,), cam (3,) — float32 tensors."""

    pose: torch.Tensor
    shape: torch.Tensor
    cam: torch.Tensor


def default_mean_params(num_betas: int = 10) -> MeanParams:
    """Identity pose with the camera-facing global orientation, zero shape, cam [0.9, 0, 0]."""
    aa = torch.zeros(NUM_JOINTS, 3)
    aa[0, 0] = math.pi
    return MeanParams(axis_angle_to_rot6d(aa).reshape(-1).float(), torch.zeros(num_betas),
                      torch.tensor([0.9, 0.0, 0.0]))


def load_mean_params(path: str | os.PathLike, num_betas: int = 10) -> MeanParams:
    """Read a mean-params npz (SPIN's ``smpl_mean_params.npz`` layout). Clear errors on a
    missing file, missing fields or wrong sizes."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"mean-params file {path!r} not found; omit it to use the built-in "
                                f"identity mean (see core/model/mean_params.py)")
    with np.load(path) as f:
        missing = [k for k in ("pose", "shape", "cam") if k not in f.files]
        if missing:
            raise ValueError(f"{path}: mean-params npz lacks {missing} (has {f.files})")
        pose, shape, cam = (np.asarray(f[k], dtype=np.float32).reshape(-1) for k in ("pose", "shape", "cam"))
    if pose.size == NUM_JOINTS * 3:
        pose = axis_angle_to_rot6d(torch.from_numpy(pose).reshape(NUM_JOINTS, 3)).reshape(-1).numpy()
    if pose.size != NUM_JOINTS * 6 or cam.size != 3 or shape.size < num_betas:
        raise ValueError(f"{path}: expected pose 144 (6D) or 72 (axis-angle), shape ≥ {num_betas}, cam 3; "
                         f"got {pose.size}, {shape.size}, {cam.size}")
    return MeanParams(torch.from_numpy(pose.copy()), torch.from_numpy(shape[:num_betas].copy()),
                      torch.from_numpy(cam.copy()))


def mean_params(path: str | os.PathLike | None, num_betas: int = 10) -> MeanParams:
    """The file's mean when ``path`` is given, else :func:`default_mean_params`."""
    return default_mean_params(num_betas) if path is None else load_mean_params(path, num_betas)
