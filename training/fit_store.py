"""SPIN's per-sample store of the best SMPLify fit so far (memory, saved as npz with checkpoints).

A fit replaces the stored one only when its energy on the *current* keypoints is lower than the
stored fit's (re-evaluated with a closed-form camera, see :func:`core.fitting.smplify.estimate_translation`).
Fits live in the frame of the crop they were fitted to; with flip/rotation augmentation a stale
fit simply scores worse and is replaced (the store never un-augments).
"""
from __future__ import annotations

import os

import numpy as np
import torch

from core.geometry.rotations import axis_angle_to_matrix, matrix_to_axis_angle
from hkmr_blender.base.atomic import atomic_savez
from hkmr_blender.base.skeleton import NUM_JOINTS

__all__ = ["FitStore"]


class FitStore:
    """pose (N, 72) axis-angle, betas (N, NB), has_fit (N,) bool — indexed by dataset index."""

    def __init__(self, size: int, num_betas: int = 10):
        self.pose = np.zeros((size, 72), np.float32)
        self.betas = np.zeros((size, num_betas), np.float32)
        self.has_fit = np.zeros(size, bool)

    def __len__(self) -> int:
        return len(self.has_fit)

    def get(self, index: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """index (B,) → rotmats (B, 24, 3, 3), betas (B, NB), has_fit (B,) bool."""
        i = index.cpu().numpy()
        rot = axis_angle_to_matrix(torch.from_numpy(self.pose[i]).reshape(-1, NUM_JOINTS, 3))
        return rot.to(index.device), torch.from_numpy(self.betas[i]).to(index.device), \
            torch.from_numpy(self.has_fit[i]).to(index.device)

    def update(self, index: torch.Tensor, rotmats: torch.Tensor, betas: torch.Tensor, mask: torch.Tensor) -> None:
        """Store the fits of samples where ``mask`` (B,) is true."""
        m = mask.cpu().numpy().astype(bool)
        if not m.any():
            return
        i = index.cpu().numpy()[m]
        self.pose[i] = matrix_to_axis_angle(rotmats.detach().float().cpu()[m]).reshape(-1, 72).numpy()
        self.betas[i] = betas.detach().float().cpu().numpy()[m]
        self.has_fit[i] = True

    def save(self, path: str | os.PathLike) -> None:
        atomic_savez(path, {"pose": self.pose, "betas": self.betas, "has_fit": self.has_fit}, compressed=False)

    @classmethod
    def load(cls, path: str | os.PathLike, size: int, num_betas: int = 10) -> "FitStore":
        with np.load(path) as f:
            store = cls(size, num_betas)
            if f["pose"].shape != store.pose.shape or f["betas"].shape != store.betas.shape:
                raise ValueError(f"{path}: fit store for {f['pose'].shape[0]} samples × {f['betas'].shape[1]} betas, "
                                 f"but the dataset has {size} × {num_betas}; it belongs to another dataset")
            store.pose[:], store.betas[:], store.has_fit[:] = f["pose"], f["betas"], f["has_fit"]
        return store
