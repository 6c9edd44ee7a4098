"""HKMR training losses: one module per term, combined over all outer iterations in
:mod:`training.losses.total` (one backward pass over the sum)."""
from training.losses.camera import camera_scale_loss
from training.losses.keypoints import keypoint_2d_loss, keypoint_3d_loss
from training.losses.smpl_params import betas_loss, pose_loss
from training.losses.total import HKMRLoss, LossOutput, LossWeights

__all__ = ["keypoint_2d_loss", "keypoint_3d_loss", "pose_loss", "betas_loss", "camera_scale_loss",
           "HKMRLoss", "LossOutput", "LossWeights"]
