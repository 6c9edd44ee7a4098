"""HKMR's training objective: every term summed over all T outer iterations (one backward).

For each outer iteration t the regressor's (rotmats, betas, cam) go through the body model
(all T × B bodies in one float32 forward) and give 3D joints and weak-perspective 2D joints:

    L = Σ_t  w2d·L2D + w3d·L3D + wpose·Lpose + wbetas·Lβ + wprior·Lprior + wcam·Lcam

Weights are SPIN's defaults (2D 5, 3D 5, pose 1, betas 0.001, camera 60); the prior weight is
ours (the seed gives none). Targets: keypoints_2d (B,24,3), joints_3d (B,24,4), has_3d (B,);
SMPL targets (rotmats (B,24,3,3), betas (B,NB), mask (B,)) from ground truth or SMPLify.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import torch
from torch import nn

from core.geometry.projection import weak_perspective_project
from core.model.head_base import RegressorOutput
from training.losses.camera import camera_scale_loss
from training.losses.keypoints import keypoint_2d_loss, keypoint_3d_loss
from training.losses.smpl_params import betas_loss, pose_loss

__all__ = ["LossWeights", "LossOutput", "SmplTargets", "HKMRLoss"]


@dataclass
class LossWeights:
    """Loss weights (config section ``loss``); ``align``: the 3D origin of both skeletons,
    "pelvis" (SMPL joint 0) or "hips" (mid-point of SMPL joints 1, 2; SPIN's choice)."""

    keypoints_2d: float = 5.0
    keypoints_3d: float = 5.0
    pose: float = 1.0
    betas: float = 0.001
    prior: float = 0.001
    camera: float = 60.0
    align: Literal["pelvis", "hips"] = "pelvis"

    @property
    def align_joints(self) -> tuple[int, ...]:
        return (0,) if self.align == "pelvis" else (1, 2)

    def validate(self) -> "LossWeights":
        bad = [k for k in ("keypoints_2d", "keypoints_3d", "pose", "betas", "prior", "camera") if getattr(self, k) < 0]
        if bad:
            raise ValueError(f"loss: weights must be ≥ 0, got negative {bad}")
        return self


@dataclass
class SmplTargets:
    """rotmats (B, 24, 3, 3), betas (B, NB), mask (B,) 1 where the target is valid."""

    rotmats: torch.Tensor
    betas: torch.Tensor
    mask: torch.Tensor


@dataclass
class LossOutput:
    """total: the scalar to backpropagate; terms: each weighted term summed over iterations
    (detached); joints/joints2d: the final iteration's (B, 24, 3) / (B, 24, 2) predictions."""

    total: torch.Tensor
    terms: dict[str, torch.Tensor]
    joints: torch.Tensor
    joints2d: torch.Tensor


class HKMRLoss(nn.Module):
    """``forward(iterations, batch, smpl) -> LossOutput``; ``prior`` has ``loss(rotmats, betas) -> (B,)``."""

    def __init__(self, body: nn.Module, weights: LossWeights | None = None, prior: nn.Module | None = None):
        super().__init__()
        self.body = body
        self.w = (weights or LossWeights()).validate()
        self.prior = prior

    def forward(self, iterations: list[RegressorOutput], batch: dict[str, torch.Tensor],
                smpl: SmplTargets) -> LossOutput:
        t, b = len(iterations), iterations[0].rotmats.shape[0]
        with torch.autocast(device_type=iterations[0].rotmats.device.type, enabled=False):
            rot = torch.cat([it.rotmats.float() for it in iterations])
            betas = torch.cat([it.betas.float() for it in iterations])
            cam = torch.cat([it.cam.float() for it in iterations])
            joints = self.body.joints(rot, betas)  # (T·B, 24, 3), forward kinematics only
            joints2d = weak_perspective_project(joints, cam)
            rep = lambda x: x.repeat(t, *([1] * (x.dim() - 1)))  # noqa: E731  targets tiled over T
            terms = {
                "keypoints_2d": self.w.keypoints_2d * keypoint_2d_loss(joints2d, rep(batch["keypoints_2d"].float())),
                "keypoints_3d": self.w.keypoints_3d * keypoint_3d_loss(
                    joints, rep(batch["joints_3d"].float()), rep(batch["has_3d"].float()), self.w.align_joints),
                "pose": self.w.pose * pose_loss(rot, rep(smpl.rotmats.float()), rep(smpl.mask.float())),
                "betas": self.w.betas * betas_loss(betas, rep(smpl.betas.float()), rep(smpl.mask.float())),
                "camera": self.w.camera * camera_scale_loss(cam),
            }
            if self.prior is not None and self.w.prior > 0:
                terms["prior"] = self.w.prior * self.prior.loss(rot, betas).mean()
            # each term is a mean over T·B samples; × T makes the total the sum over iterations
            terms = {k: v * t for k, v in terms.items()}
            total = sum(terms.values())
        return LossOutput(total, {k: v.detach() for k, v in terms.items()}, joints[-b:], joints2d[-b:])
