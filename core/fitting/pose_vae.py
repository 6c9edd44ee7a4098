"""A VPoser-v2-style pose VAE: the pose prior of HKMR's loss and of SMPLify.

Same layout and parameter names as VPoser v2 (human_body_prior, ``V02_05``), so official
weights load unchanged (see :mod:`core.fitting.vposer`); ``hidden``/``latent`` default to
VPoser's 512/32 and can be made smaller for a prior trained here. Input: the 21 body joints
(SMPL joints 1…21, hands excluded) as axis-angle (B, 63); encoder → q(z|Θ) = N(μ, σ) with
σ = softplus(·) (VPoser's parameterisation); decoder → 21 SPIN-layout 6D rotations.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from core.geometry.rotations import matrix_to_axis_angle, rot6d_to_matrix

__all__ = ["PoseVAE", "NUM_BODY_JOINTS", "body_axis_angle", "kl_to_standard_normal"]

NUM_BODY_JOINTS = 21  # SMPL joints 1..21: VPoser's body pose (no global orientation, no hands)


class _NormalHead(nn.Module):
    """VPoser's ``NormalDistDecoder``: features → (μ, σ = softplus(·))."""

    def __init__(self, d_in: int, latent: int):
        super().__init__()
        self.mu = nn.Linear(d_in, latent)
        self.logvar = nn.Linear(d_in, latent)  # VPoser's name; it holds softplus⁻¹(σ), not log σ²

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.mu(x), F.softplus(self.logvar(x))


def body_axis_angle(rotmats: torch.Tensor) -> torch.Tensor:
    """(B, 24, 3, 3) local SMPL rotations → (B, 63) axis-angle of joints 1…21 (float32)."""
    return matrix_to_axis_angle(rotmats[:, 1:1 + NUM_BODY_JOINTS].float()).reshape(rotmats.shape[0], -1)


def kl_to_standard_normal(mu: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
    """KL(N(μ, σ²) ‖ N(0, I)) summed over the latent dims: (B, L) → (B,)."""
    var = sigma.square().clamp_min(1e-12)
    return 0.5 * (var + mu.square() - 1.0 - var.log()).sum(-1)


class PoseVAE(nn.Module):
    """encode(aa (B, 63)) → (μ, σ); decode(z (B, L)) → rotmats (B, 21, 3, 3)."""

    def __init__(self, hidden: int = 512, latent: int = 32):
        super().__init__()
        n_in = NUM_BODY_JOINTS * 3
        self.hidden, self.latent = hidden, latent
        self.encoder_net = nn.Sequential(
            nn.Flatten(), nn.BatchNorm1d(n_in), nn.Linear(n_in, hidden), nn.LeakyReLU(),
            nn.BatchNorm1d(hidden), nn.Dropout(0.1), nn.Linear(hidden, hidden), nn.Linear(hidden, hidden),
            _NormalHead(hidden, latent))
        self.decoder_net = nn.Sequential(
            nn.Linear(latent, hidden), nn.LeakyReLU(), nn.Dropout(0.1), nn.Linear(hidden, hidden),
            nn.LeakyReLU(), nn.Linear(hidden, NUM_BODY_JOINTS * 6))

    def encode(self, pose_aa: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.encoder_net(pose_aa)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return rot6d_to_matrix(self.decoder_net(z).reshape(-1, NUM_BODY_JOINTS, 6))

    def kl(self, rotmats: torch.Tensor) -> torch.Tensor:
        """KL(q(z|Θ) ‖ N(0, I)) per sample for (B, 24, 3, 3) local rotations → (B,).
        Gradients flow to ``rotmats`` (the prior's own weights are normally frozen)."""
        mu, sigma = self.encode(body_axis_angle(rotmats))
        return kl_to_standard_normal(mu, sigma)

    def forward(self, pose_aa: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Training pass: reparameterised sample → (reconstructed rotmats (B,21,3,3), μ, σ)."""
        mu, sigma = self.encode(pose_aa)
        z = mu + sigma * torch.randn_like(sigma)
        return self.decode(z), mu, sigma

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """n poses from the prior: (n, 21, 3, 3)."""
        p = next(self.parameters())
        z = torch.randn(n, self.latent, generator=generator).to(p)
        return self.decode(z)
