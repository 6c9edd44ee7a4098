"""Pure-numpy fits that turn posed body samples into SMPL arrays (no anny needed).

All inputs are in SMPL axes (Y-up, metres, facing +Z). Shapes: samples (N,V,3), joints (N,24,3).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import nnls

__all__ = ["ShapeSpace", "pca_shape_space", "fit_joint_regressor"]


@dataclass
class ShapeSpace:
    """SMPL-style linear shape space: vertices ≈ mean + dirs · beta, beta ~ N(0, I) on the samples.

    mean (V,3); dirs (V,3,K) = principal direction × its standard deviation; explained (K,)
    fraction of the samples' total variance per direction.
    """

    mean: np.ndarray
    dirs: np.ndarray
    explained: np.ndarray

    def project(self, vertices: np.ndarray) -> np.ndarray:
        """(N,K) least-squares betas of (N,V,3) vertices."""
        flat = self.dirs.reshape(-1, self.dirs.shape[-1])
        return np.linalg.lstsq(flat, (vertices - self.mean).reshape(len(vertices), -1).T, rcond=None)[0].T

    def vertices(self, betas: np.ndarray) -> np.ndarray:
        """(N,V,3) vertices of (N,K) betas."""
        return self.mean + np.einsum("vck,nk->nvc", self.dirs, betas)


def pca_shape_space(samples: np.ndarray, num: int, height_axis: int = 1) -> ShapeSpace:
    """PCA of (N,V,3) samples keeping ``num`` directions, each scaled by its std (unbiased).

    Signs are fixed deterministically: direction 0 makes the body taller (its extent along
    ``height_axis`` grows with beta0); every other direction has its largest entry positive.
    """
    n = len(samples)
    mean = samples.mean(axis=0)
    centred = (samples - mean).reshape(n, -1)
    _, sing, vt = np.linalg.svd(centred, full_matrices=False)
    std = sing / np.sqrt(n - 1)
    dirs = vt[:num] * std[:num, None]
    for k in range(num):
        d = dirs[k].reshape(-1, 3)
        if k == 0:
            up = mean[:, height_axis]
            grow = d[up.argmax(), height_axis] - d[up.argmin(), height_axis]
            flip = grow < 0
        else:
            flip = dirs[k, np.abs(dirs[k]).argmax()] < 0
        if flip:
            dirs[k] = -dirs[k]
    explained = sing[:num] ** 2 / np.sum(sing**2)
    return ShapeSpace(mean=mean, dirs=dirs.reshape(num, -1, 3).transpose(1, 2, 0), explained=explained)


def fit_joint_regressor(samples: np.ndarray, joints: np.ndarray, support: list[np.ndarray],
                        method: str = "ridge", ridge: float = 1e-4) -> np.ndarray:
    """(J,V) joint regressor ``R`` with joints ≈ R @ vertices for every sample; rows sum to 1.

    Each joint is an affine combination of its ``support`` vertices (translation-equivariant),
    fitted jointly over the N samples and 3 coordinates:

    - ``"ridge"``: least squares + ``ridge`` × (mean diagonal) × ‖w − uniform‖², sum(w) = 1 exactly
      (KKT system). Signed weights; near-exact on bodies from the same shape space.
    - ``"nonneg"``: non-negative least squares with sum(w) = 1 as a heavily weighted extra row —
      SMPL-like (a weighted mean of surface points) but less accurate.
    """
    n_joints, n_verts = joints.shape[1], samples.shape[1]
    reg = np.zeros((n_joints, n_verts))
    for j, idx in enumerate(support):
        a = samples[:, idx, :].transpose(0, 2, 1).reshape(-1, len(idx))  # (N*3, K)
        b = joints[:, j, :].reshape(-1)
        k = len(idx)
        if method == "ridge":
            ata = a.T @ a
            lam = ridge * np.trace(ata) / k
            kkt = np.zeros((k + 1, k + 1))
            kkt[:k, :k] = ata + lam * np.eye(k)
            kkt[:k, k] = kkt[k, :k] = 1.0
            rhs = np.concatenate([a.T @ b + lam / k, [1.0]])
            w = np.linalg.solve(kkt, rhs)[:k]
        elif method == "nonneg":
            scale = 1e3 * np.sqrt(np.mean(a**2))
            w, _ = nnls(np.vstack([a, np.full((1, k), scale)]), np.concatenate([b, [scale]]))
            w /= w.sum()
        else:
            raise ValueError(f"unknown joint regressor method {method!r}: use 'ridge' or 'nonneg'")
        reg[j, idx] = w
    return reg
