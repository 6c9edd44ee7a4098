"""What every regressor head shares: the mean-parameter buffers and the output record.

Both heads regress *residual* updates of SPIN-layout 6D rotations, betas and a weak-perspective
camera, starting from the buffers ``init_pose`` (1, 144), ``init_shape`` (1, NB) and
``init_cam`` (1, 3) — SPIN's names, so its checkpoint loads unchanged.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from hkmr_blender.base.skeleton import NUM_JOINTS

from core.geometry.rotations import rot6d_to_matrix
from core.model.mean_params import MeanParams

__all__ = ["RegressorOutput", "HeadBase", "NUM_JOINTS", "POSE_DIM"]

POSE_DIM = NUM_JOINTS * 6


@dataclass
class RegressorOutput:
    """One outer iteration's estimate.

    rotmats (B, 24, 3, 3) local joint rotations (joint 0 = global orientation, camera frame:
    x right, y down, z forward); rot6d (B, 24, 6) the raw (un-normalised) 6D state;
    betas (B, NB); cam (B, 3) weak perspective [s, tx, ty] (see core.geometry.projection).
    """

    rotmats: torch.Tensor
    rot6d: torch.Tensor
    betas: torch.Tensor
    cam: torch.Tensor

    @staticmethod
    def from_state(pose6d: torch.Tensor, betas: torch.Tensor, cam: torch.Tensor) -> "RegressorOutput":
        """Decode (B, 144) 6D to rotation matrices in float32 (Gram–Schmidt is unstable in bf16)."""
        rot6d = pose6d.reshape(pose6d.shape[0], NUM_JOINTS, 6)
        with torch.autocast(device_type=pose6d.device.type, enabled=False):
            rotmats = rot6d_to_matrix(rot6d.float())
        return RegressorOutput(rotmats, rot6d, betas, cam)


class HeadBase(nn.Module):
    """Holds the mean parameters; subclasses implement ``forward(phi, ...) -> list[RegressorOutput]``."""

    def __init__(self, mean: MeanParams):
        super().__init__()
        self.num_betas = int(mean.shape.numel())
        self.register_buffer("init_pose", mean.pose.reshape(1, POSE_DIM).float().clone())
        self.register_buffer("init_shape", mean.shape.reshape(1, -1).float().clone())
        self.register_buffer("init_cam", mean.cam.reshape(1, 3).float().clone())

    def initial_state(self, phi: torch.Tensor, init_pose: torch.Tensor | None = None,
                      init_shape: torch.Tensor | None = None, init_cam: torch.Tensor | None = None
                      ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(B, 144), (B, NB), (B, 3) starting state: given values or the mean, in phi's dtype."""
        b = phi.shape[0]
        pose = self.init_pose.expand(b, -1) if init_pose is None else init_pose.reshape(b, POSE_DIM)
        shape = self.init_shape.expand(b, -1) if init_shape is None else init_shape
        cam = self.init_cam.expand(b, -1) if init_cam is None else init_cam
        return pose.to(phi.dtype), shape.to(phi.dtype), cam.to(phi.dtype)
