"""Train the pose VAE on whatever poses are available, and save it (loading: :mod:`core.fitting.prior`).

Pose sources (all (N, 72) SMPL axis-angle; only joints 1…21 are used):
an npz with ``pose`` (SPIN dataset files) or ``poses`` (AMASS, SMPL-H/X: first 66 values used),
or any (N, 72) array/tensor, e.g. from the synthetic pose sampler.

File format ``hkmr-pose-vae`` v1: see :mod:`core.fitting.prior` (``load_pose_vae`` is re-exported here).
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import torch

from core.geometry.rotations import axis_angle_to_matrix
from training.io import atomic_torch_save
from core.fitting.pose_vae import NUM_BODY_JOINTS, PoseVAE, kl_to_standard_normal
from core.fitting.prior import PRIOR_FORMAT, load_pose_vae

__all__ = ["VAETrainResult", "train_pose_vae", "save_pose_vae", "load_pose_vae", "poses_from_npz"]


def poses_from_npz(path: str | os.PathLike) -> np.ndarray:
    """(N, 72)-compatible axis-angle poses from a SPIN (``pose``) or AMASS (``poses``) npz."""
    with np.load(path) as f:
        key = "pose" if "pose" in f.files else "poses" if "poses" in f.files else None
        if key is None:
            raise ValueError(f"{path}: no 'pose' (SPIN) or 'poses' (AMASS) array; has {f.files}")
        poses = np.asarray(f[key], np.float32)
        has = np.asarray(f["has_smpl"]).astype(bool) if "has_smpl" in f.files else None
    if poses.ndim != 2 or poses.shape[1] < 3 * (NUM_BODY_JOINTS + 1):
        raise ValueError(f"{path}: '{key}' must be (N, ≥66) axis-angle, got {poses.shape}")
    return poses if has is None else poses[has]


@dataclass
class VAETrainResult:
    vae: PoseVAE
    losses: list[float]  # per step: reconstruction + kl_weight · KL


def train_pose_vae(poses: np.ndarray | torch.Tensor, steps: int = 2000, batch_size: int = 256,
                   hidden: int = 512, latent: int = 32, lr: float = 1e-3, kl_weight: float = 5e-3,
                   seed: int = 0) -> VAETrainResult:
    """Fit a PoseVAE to (N, ≥66) axis-angle poses: MSE on the 21 body rotation matrices
    + ``kl_weight`` · KL (VPoser's weighting). Deterministic for a seed. Returns eval-mode VAE."""
    aa = torch.as_tensor(np.asarray(poses, np.float32))[:, 3:3 + 3 * NUM_BODY_JOINTS]
    if len(aa) < 2:
        raise ValueError(f"need at least 2 poses to train the pose VAE, got {len(aa)}")
    g = torch.Generator().manual_seed(seed)
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        vae = PoseVAE(hidden=hidden, latent=latent)
        opt = torch.optim.Adam(vae.parameters(), lr=lr)
        target = axis_angle_to_matrix(aa.reshape(-1, NUM_BODY_JOINTS, 3))
        losses = []
        vae.train()
        for _ in range(steps):
            idx = torch.randint(len(aa), (min(batch_size, len(aa)),), generator=g)
            rec, mu, sigma = vae(aa[idx])
            loss = (rec - target[idx]).square().sum((-1, -2)).mean() + kl_weight * kl_to_standard_normal(mu, sigma).mean()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            losses.append(float(loss.detach()))
        opt.zero_grad(set_to_none=True)
    return VAETrainResult(vae.eval(), losses)


def save_pose_vae(vae: PoseVAE, path: str | os.PathLike, meta: dict | None = None) -> None:
    atomic_torch_save({"format": PRIOR_FORMAT, "version": 1, "hidden": vae.hidden, "latent": vae.latent,
                       "state_dict": vae.state_dict(), "meta": dict(meta or {})}, path)
