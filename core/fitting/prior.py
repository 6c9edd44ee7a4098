"""The pose prior at fitting time: a frozen pose VAE (VPoser-v2 layout) and its file loader.

Training the VAE lives in :mod:`training.prior.train`; this module only *uses* one. File format
``hkmr-pose-vae`` v1 (``torch.load(weights_only=True)``): hidden, latent, state_dict, meta.
:func:`load_pose_vae` also accepts official VPoser v2 weights (:mod:`core.fitting.vposer`).
"""
from __future__ import annotations

import functools
import os

import torch
from torch import nn

from .pose_vae import PoseVAE
from .vposer import load_vposer

__all__ = ["VAEPrior", "load_pose_vae", "cached_prior", "PRIOR_FORMAT", "POSE_PRIOR_PATH"]

#: ``format`` field of a pose-VAE file written by ``training.prior.train.save_pose_vae``.
PRIOR_FORMAT = "hkmr-pose-vae"
#: The shipped pose VAE (trained on the CMU mocap train split; docs/experiments.md, issue 20).
POSE_PRIOR_PATH = os.path.join(os.path.dirname(os.path.dirname(__file__)), "model", "assets", "pose_prior.pt")


class VAEPrior(nn.Module):
    """Frozen pose VAE; ``loss(rotmats (B,24,3,3), betas=None) → (B,)`` = KL of the encoder's
    posterior to N(0, I), per sample (joints 1…21 only)."""

    def __init__(self, vae: PoseVAE):
        super().__init__()
        self.vae = vae.eval()
        for p in self.vae.parameters():
            p.requires_grad_(False)

    def train(self, mode: bool = True) -> "VAEPrior":  # the prior never leaves eval mode
        return super().train(False)

    def loss(self, rotmats: torch.Tensor, betas: torch.Tensor | None = None) -> torch.Tensor:
        return self.vae.kl(rotmats)


def load_pose_vae(path: str | os.PathLike) -> PoseVAE:
    """Load an ``hkmr-pose-vae`` file, or official VPoser v2 weights (file or folder). Eval mode,
    gradients off for its parameters (it is a fixed prior)."""
    path = os.fspath(path)
    raw = None
    if os.path.isfile(path):
        try:
            raw = torch.load(path, map_location="cpu", weights_only=True)
        except Exception:
            raw = None  # let the VPoser loader produce the precise error
    if isinstance(raw, dict) and raw.get("format") == PRIOR_FORMAT:
        vae = PoseVAE(hidden=int(raw["hidden"]), latent=int(raw["latent"]))
        vae.load_state_dict(raw["state_dict"])
    else:
        vae = load_vposer(path)
    vae.eval()
    for p in vae.parameters():
        p.requires_grad_(False)
    return vae


@functools.lru_cache(maxsize=4)
def cached_prior(path: str) -> VAEPrior:
    """The :class:`VAEPrior` of a pose-VAE file, loaded once per path (the clip fit's ``cfg.pose_prior``)."""
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path}: no pose prior here; train one with `python -m training.prior --mocap DATA "
                                f"--out {path}`, or set the fit's pose_prior to 'none'")
    return VAEPrior(load_pose_vae(path))
