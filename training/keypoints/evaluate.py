"""Score a keypoint model: per-frame MPJPE and PA-MPJPE (mm, LSP-14 joints, hip-aligned; SPIN's definitions).

Two test sets:

- :func:`evaluate_detections` — **detector-on-render pairs** (:mod:`training.keypoints.detect_renders`):
  BlazePose's own output on held-out synthetic clips under each occlusion protocol; every frame counts (a
  frame where the detector found nobody is predicted from its neighbours' landmarks);
- :func:`evaluate_pool` — simulated detections (the noise model) on held-out clean clips.
"""
from __future__ import annotations

import numpy as np
import torch

from core.geometry.metrics import SMPL_TO_LSP14, mpjpe, pa_mpjpe
from core.inference.keypoint_regressor import regress_features
from core.model.keypoint_input import keypoint_features
from training.data.keypoint_batches import OcclusionSpec, window_batch

__all__ = ["frame_errors", "evaluate_detections", "evaluate_pool"]


@torch.no_grad()
def frame_errors(body, rotmats: torch.Tensor, betas: torch.Tensor, joints3d: torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
    """Predicted (N,24,3,3), (N,NB) and true camera-frame joints (N,24,3) → MPJPE, PA-MPJPE (N,) in mm."""
    pred = body.joints(rotmats.float(), betas.float())[:, list(SMPL_TO_LSP14)]
    gt = joints3d.float()[:, list(SMPL_TO_LSP14)]
    return (1000 * mpjpe(pred, gt)).numpy(), (1000 * pa_mpjpe(pred, gt)).numpy()


def evaluate_detections(model, body, det: dict[str, np.ndarray], protocol: str) -> tuple[np.ndarray, np.ndarray]:
    """Per-frame (MPJPE, PA-MPJPE) mm on one protocol of a detections npz (rows in clip/frame order)."""
    rot, betas = [], []
    for c in np.unique(det["clip_id"]):
        rows = np.flatnonzero(det["clip_id"] == c)
        feats, _ = keypoint_features(det[f"{protocol}/points2d"][rows], det[f"{protocol}/visibility"][rows],
                                     det[f"{protocol}/world"][rows], det[f"{protocol}/found"][rows])
        out = regress_features(model, feats)
        rot.append(out.rotmats)
        betas.append(out.betas)
    return frame_errors(body, torch.cat(rot), torch.cat(betas), torch.as_tensor(det["joints3d"]))


def evaluate_pool(model, body, pool, noise, occlusion: OcclusionSpec | None, seed: int = 0,
                  batch: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """Per-window (MPJPE, PA-MPJPE) mm: the centre frame of every window of every clip (stride 4) of a
    held-out pool, with seeded simulated detections."""
    cfg = model.config.keypoints
    if cfg.output != "centre":  # whole-window models are scored frame by frame through the clip path
        raise ValueError("evaluate_pool scores centre-frame models; use evaluate_detections for either kind")
    rng = np.random.default_rng([seed, 11])
    length = pool.landmarks.shape[1]
    clips, starts = np.meshgrid(np.arange(len(pool)), np.arange(0, length - cfg.window + 1, 4), indexing="ij")
    clips, starts = clips.ravel(), starts.ravel()
    errs = []
    model.eval()
    for i in range(0, len(clips), batch):
        b = window_batch(pool, clips[i:i + batch], starts[i:i + batch], cfg.window, rng, noise, occlusion)
        with torch.no_grad():
            fin = model.head(model.backbone(b.inputs))[-1]
        errs.append(frame_errors(body, fin.rotmats, fin.betas, b.targets["joints_3d"][..., :3]))
    return np.concatenate([e[0] for e in errs]), np.concatenate([e[1] for e in errs])
