"""A learned motion prior for the clip fit: how the body's 33 landmark points accelerate together in real motion.

The fit's plain smoothness term (:func:`core.fitting.terms.acceleration`) penalises every point's acceleration
alike. Real motion is not like that: hands and feet accelerate much more than the pelvis and the spine, and the
points of one limb accelerate together. This prior is a zero-mean Gaussian over short windows of the points'
accelerations, learned from real motion capture (``python -m training.prior.motion``):

    x_t = [a_t, a_{t+1}, …, a_{t+S−1}]   S·N values per axis; a_t = p[t+1] − 2p[t] + p[t−1] (m/frame², 30 fps)
    E   = Σ_t Σ_axis x_tᵀ P x_t          P = (S·N × S·N) precision, the same for x, y and z

so it is invariant to how the camera is turned (a covariance over points and time, isotropic in space: Kronecker
P ⊗ I₃). On the training motion E / (3·S·N) per window is ≈ 1. File format ``hkmr-motion-prior`` v1 (npz):
``precision`` (S·N, S·N) float32, ``span`` S, ``points`` (N,) landmark indices, ``meta`` (JSON).
"""
from __future__ import annotations

import functools
import json
import os
from dataclasses import dataclass

import numpy as np
import torch

__all__ = ["MotionPrior", "load_motion_prior", "motion_precision", "MOTION_PRIOR_FORMAT", "MOTION_PRIOR_PATH"]

MOTION_PRIOR_FORMAT = "hkmr-motion-prior"
#: The shipped prior (trained on the CMU mocap train split; docs/experiments.md, issue 20).
MOTION_PRIOR_PATH = os.path.join(os.path.dirname(os.path.dirname(__file__)), "model", "assets", "motion_prior.npz")


@dataclass(frozen=True)
class MotionPrior:
    """precision (S·N, S·N) over windows of S consecutive accelerations of the N landmark points ``points``."""

    precision: torch.Tensor
    span: int
    points: tuple[int, ...]
    meta: dict

    def energy(self, pts: torch.Tensor) -> torch.Tensor:
        """Σ over windows and axes of xᵀ P x for pts (F,33,3) (metres; 30-fps frames) → scalar (0 if too short)."""
        p = pts[:, list(self.points)]
        if len(p) < 2 + self.span:
            return pts.new_zeros(())
        a = p[2:] - 2 * p[1:-1] + p[:-2]                                  # (F−2, N, 3)
        n = len(a) - self.span + 1
        x = torch.cat([a[k:k + n] for k in range(self.span)], 1)          # (W, S·N, 3)
        return torch.einsum("wik,ij,wjk->", x, self.precision.to(x), x)


def motion_precision(accels: list[np.ndarray], span: int, ridge: float = 1e-2) -> tuple[np.ndarray, dict]:
    """Fit the precision from accelerations of real motion: accels = per clip (F,N,3) → ((S·N, S·N) precision,
    stats). Covariance over windows and the three axes (zero mean), each clip's own covariance weighing the same
    (a few long breakdance and karate clips accelerate 3–5× more than walking and would otherwise set the scale),
    ridge × its mean variance added to the diagonal (the head's five surface points move as one: without it the
    covariance is singular)."""
    covs, count = [], 0
    for a in accels:
        n = len(a) - span + 1
        if n < 1:
            continue
        x = np.concatenate([a[k:k + n] for k in range(span)], 1).astype(np.float64)   # (W, S·N, 3)
        covs.append(np.einsum("wik,wjk->ij", x, x) / (3 * n))
        count += 3 * n
    if not covs:
        raise ValueError(f"motion prior: no clip has the {span + 2} frames a window needs")
    cov = np.mean(covs, 0)
    cov = cov + ridge * np.trace(cov) / len(cov) * np.eye(len(cov))
    prec = np.linalg.inv(cov)
    sd = np.sqrt(np.diag(cov)[: cov.shape[0] // span]) * 1000
    return prec.astype(np.float32), {"windows": count // 3, "accel_sd_mm": [round(float(v), 2) for v in sd]}


@functools.lru_cache(maxsize=4)
def load_motion_prior(path: str = MOTION_PRIOR_PATH) -> MotionPrior:
    """Read an ``hkmr-motion-prior`` file (cached per path)."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{path}: no motion prior here; train one with `python -m training.prior.motion "
                                f"--mocap DATA --out {path}` (or set the fit's w_motion to 0)")
    with np.load(path) as z:
        if str(z.get("format", "")) != MOTION_PRIOR_FORMAT:
            raise ValueError(f"{path}: not an {MOTION_PRIOR_FORMAT} file")
        prec = torch.as_tensor(np.asarray(z["precision"], np.float32))
        span, points = int(z["span"]), tuple(int(i) for i in z["points"])
        meta = json.loads(str(z["meta"]))
    if prec.shape != (span * len(points),) * 2:
        raise ValueError(f"{path}: precision {tuple(prec.shape)} does not match span {span} × {len(points)} points")
    return MotionPrior(prec, span, points, meta)
