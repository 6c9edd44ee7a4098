"""HMR's adversarial prior (Kanazawa et al. 2018): the paper's "discriminator" ablation.

Per-joint discriminators over the 23 body rotations (shared 1×1 "conv" 9→32→32, then one logit
per joint), a full-pose discriminator over the concatenated 23×32 features (→1024→1024→1) and a
shape discriminator (NB→10→5→1): 25 outputs per sample, trained with least-squares GAN losses.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["PoseShapeDiscriminator", "generator_loss", "discriminator_loss"]

_BODY = 23  # SMPL joints 1..23 (the global orientation is the camera's business)


class PoseShapeDiscriminator(nn.Module):
    """forward(rotmats (B, 24, 3, 3), betas (B, NB)) → (B, 25) realness scores."""

    def __init__(self, num_betas: int = 10, width: int = 32, hidden: int = 1024):
        super().__init__()
        self.shared = nn.Sequential(nn.Linear(9, width), nn.ReLU(), nn.Linear(width, width), nn.ReLU())
        self.joint_w = nn.Parameter(torch.randn(_BODY, width) * (1.0 / width ** 0.5))
        self.joint_b = nn.Parameter(torch.zeros(_BODY))
        self.full = nn.Sequential(nn.Linear(_BODY * width, hidden), nn.ReLU(), nn.Linear(hidden, hidden),
                                  nn.ReLU(), nn.Linear(hidden, 1))
        self.shape = nn.Sequential(nn.Linear(num_betas, 10), nn.ReLU(), nn.Linear(10, 5), nn.ReLU(), nn.Linear(5, 1))

    def forward(self, rotmats: torch.Tensor, betas: torch.Tensor) -> torch.Tensor:
        b = rotmats.shape[0]
        f = self.shared(rotmats[:, 1:].reshape(b, _BODY, 9).float())  # (B, 23, width)
        per_joint = (f * self.joint_w).sum(-1) + self.joint_b
        return torch.cat([per_joint, self.full(f.reshape(b, -1)), self.shape(betas.float())], dim=1)


def generator_loss(scores_fake: torch.Tensor) -> torch.Tensor:
    """LSGAN generator term per sample: mean over outputs of (D(fake) − 1)² → (B,)."""
    return (scores_fake - 1.0).square().mean(-1)


def discriminator_loss(scores_real: torch.Tensor, scores_fake: torch.Tensor) -> torch.Tensor:
    """LSGAN discriminator loss: E[(D(real) − 1)²] + E[D(fake)²] (scalar)."""
    return F.mse_loss(scores_real, torch.ones_like(scores_real)) + F.mse_loss(scores_fake, torch.zeros_like(scores_fake))
