"""Pose priors for the loss and for SMPLify: the VAE prior (HKMR's; the frozen model lives in
:mod:`core.fitting.prior`) and HMR's discriminator (the paper's ablation). Both expose ``loss(rotmats (B,24,3,3), betas (B,NB)) -> (B,)``."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch
from torch import nn

from core.fitting.pose_vae import PoseVAE
from core.fitting.prior import VAEPrior, load_pose_vae
from training.prior.discriminator import PoseShapeDiscriminator, discriminator_loss, generator_loss
from training.prior.train import save_pose_vae, train_pose_vae

__all__ = ["PriorConfig", "VAEPrior", "DiscriminatorPrior", "build_prior", "PoseVAE"]


@dataclass
class PriorConfig:
    """``kind``: "vae" (KL(q(z|Θ̂) ‖ N(0,I)), the paper's), "discriminator" (HMR's adversarial
    prior) or "none". ``weights``: an hkmr-pose-vae file or official VPoser v2 weights; when
    None a VAE of size ``hidden``/``latent`` is fitted for ``train_steps`` at the start of a run
    (and saved next to the checkpoints) on ``poses``: "synthetic" (the synthetic data's pose
    sampler, :mod:`core.body.poses`) or a SPIN/AMASS npz path."""

    kind: Literal["vae", "discriminator", "none"] = "vae"
    weights: str | None = None
    hidden: int = 512
    latent: int = 32
    train_steps: int = 3000
    poses: str = "synthetic"
    disc_lr: float = 1e-4

    def validate(self) -> "PriorConfig":
        if self.hidden < 1 or self.latent < 1 or self.train_steps < 1 or self.disc_lr <= 0:
            raise ValueError(f"prior: need hidden, latent, train_steps ≥ 1 and disc_lr > 0; got {self}")
        return self


class DiscriminatorPrior(nn.Module):
    """HMR's adversarial prior: ``loss`` is the generator term; the trainer also steps
    ``discriminator_loss`` on real (ground-truth) and predicted parameters."""

    def __init__(self, num_betas: int = 10, hidden: int = 1024):
        super().__init__()
        self.disc = PoseShapeDiscriminator(num_betas, hidden=hidden)

    def loss(self, rotmats: torch.Tensor, betas: torch.Tensor) -> torch.Tensor:
        return generator_loss(self.disc(rotmats, betas))

    def discriminator_loss(self, real_rotmats: torch.Tensor, real_betas: torch.Tensor,
                           fake_rotmats: torch.Tensor, fake_betas: torch.Tensor) -> torch.Tensor:
        return discriminator_loss(self.disc(real_rotmats, real_betas),
                                  self.disc(fake_rotmats.detach(), fake_betas.detach()))


def build_prior(cfg: PriorConfig, num_betas: int = 10, poses: Callable[[], np.ndarray] | None = None,
                save_to: str | None = None, seed: int = 0) -> VAEPrior | DiscriminatorPrior | None:
    """The configured prior. For "vae" without weights: load ``save_to`` if it exists (resume),
    else fit on ``poses()`` (N, 72) axis-angle and save it there."""
    import os

    cfg.validate()
    if cfg.kind == "none":
        return None
    if cfg.kind == "discriminator":
        return DiscriminatorPrior(num_betas)
    if cfg.weights is not None:
        return VAEPrior(load_pose_vae(cfg.weights))
    if save_to is not None and os.path.isfile(save_to):
        return VAEPrior(load_pose_vae(save_to))
    if poses is None:
        raise ValueError("prior.kind='vae' with no prior.weights: give a VAE/VPoser file or training poses")
    res = train_pose_vae(poses(), steps=cfg.train_steps, hidden=cfg.hidden, latent=cfg.latent, seed=seed)
    if save_to is not None:
        save_pose_vae(res.vae, save_to, meta={"steps": cfg.train_steps, "final_loss": res.losses[-1]})
    return VAEPrior(res.vae)
