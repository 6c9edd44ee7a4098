"""The clip fit's learned priors: their options and their energy terms (beside :mod:`core.fitting.terms`).

    w_vae · Σ_frames cap(KL(θ))     the pose VAE (:mod:`core.fitting.prior`); cap(k) = c·k/(k + c), c = vae_cap:
                                    ≈ k for a familiar pose, at most c, so a pose the VAE finds very improbable is
                                    let go to follow the data (0: the plain KL; docs/experiments.md, issue 20)
    w_motion · Σ xᵀPx               the learned motion prior over windows of the landmarks' accelerations
                                    (:mod:`core.fitting.motion_prior`)

Shapes: F frames; rotations (F,24,3,3) joint-local; points (F,33,3) metres, 30-fps frame units.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from .motion_prior import MOTION_PRIOR_PATH, load_motion_prior

__all__ = ["PriorOptions", "pose_prior_of", "capped_kl", "pose_prior_energy", "motion_prior_energy"]


@dataclass(frozen=True)
class PriorOptions:
    """The learned priors' weights and files (the clip fit's config carries them)."""

    w_vae: float = 1e-3
    pose_prior: str = "none"  # VAE when fit_clip gets no prior: "shipped" (core/model/assets), "none" or a file
    vae_cap: float = 200.0  # > 0: the VAE's KL per frame through c·KL/(KL + c): an unfamiliar pose is let go (0: plain)
    w_motion: float = 0.0  # the learned motion prior (core/fitting/motion_prior.py); 0: off
    motion_prior: str = ""  # its file ("": the shipped core/model/assets/motion_prior.npz)


def pose_prior_of(opts: PriorOptions, prior=None):
    """The fit's pose VAE: ``prior`` when given, else the one ``opts.pose_prior`` names (loaded once per file), or
    None for "none" / ""."""
    if prior is not None or opts.pose_prior in ("", "none"):
        return prior
    from .prior import POSE_PRIOR_PATH, cached_prior
    return cached_prior(POSE_PRIOR_PATH if opts.pose_prior == "shipped" else opts.pose_prior)


def capped_kl(kl: torch.Tensor, cap: float) -> torch.Tensor:
    """Per-frame KL (F,) → c·KL/(KL + c) (F,) for ``cap`` c > 0, else KL unchanged."""
    return kl if cap <= 0 else cap * kl / (kl + cap)


def pose_prior_energy(opts: PriorOptions, prior, rotmats: torch.Tensor) -> torch.Tensor:
    """w_vae · Σ cap(KL) over the frames of rotmats (F,24,3,3) → scalar; ``prior`` a VAEPrior."""
    return opts.w_vae * capped_kl(prior.loss(rotmats), opts.vae_cap).sum()


def motion_prior_energy(opts: PriorOptions, pts: torch.Tensor, time_scale: float) -> torch.Tensor:
    """w_motion · time_scale² · Σ xᵀPx for pts (F,33,3) (the smoothness term's points and time scaling)."""
    motion = load_motion_prior(opts.motion_prior or MOTION_PRIOR_PATH)
    return opts.w_motion * time_scale ** 2 * motion.energy(pts)
