"""Training batches for the keypoint model: windows of a :class:`MotionPool` → simulated detections → tensors.

One batch: B random windows of ``window`` frames (clip and start uniform) → project the true landmarks
(:func:`training.data.keypoint_motion.project`) → optional occluders (:func:`occluded_landmarks`) → the
detector-noise model (:class:`training.data.detector_noise.DetectorNoise`; none = clean input) → the same
feature path as inference (:func:`core.model.keypoint_input.keypoint_features`). Targets are the SMPL truth of
the centre frame (``output="centre"``) or of every frame (``"window"``): 2D joints in each frame's box
coordinates (the weak-perspective camera's frame), camera-frame 3D joints, rotations and betas — the dict
:class:`training.losses.HKMRLoss` reads — and ``landmarks_3d``, the 33 true landmark points centred between
the hip landmarks (the world lifter's target, :mod:`training.lifter`).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from hkmr_blender.base.skeleton import NUM_JOINTS

from core.model.keypoint_input import keypoint_features, normalise_to_box
from training.data.detector_noise import DetectorNoise, occluded_landmarks
from training.data.keypoint_motion import MotionPool, project

__all__ = ["OcclusionSpec", "KeypointBatch", "simulate_detections", "sample_batch", "window_batch"]


@dataclass
class OcclusionSpec:
    """With probability ``prob`` a window gets one occluder of a kind from ``kinds`` covering U(area) of the box."""

    prob: float = 0.5
    kinds: tuple[str, ...] = ("bar", "circle", "rectangle")
    area: tuple[float, float] = (0.1, 0.3)


@dataclass
class KeypointBatch:
    """inputs (B, T, 33, C) float32; targets: the HKMRLoss batch dict plus rotmats (N,24,3,3), betas (N,NB)."""

    inputs: torch.Tensor
    targets: dict[str, torch.Tensor]


def simulate_detections(pool: MotionPool, clips: np.ndarray, frames: np.ndarray, lm: np.ndarray,
                        rng: np.random.Generator, noise: DetectorNoise | None = None,
                        occlusion: OcclusionSpec | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Frames (B, T) of ``clips`` (B,), their true landmark points ``lm`` (B,T,33,3) (``pool.landmarks`` there) → what
    the detector would report: points2d (B,T,33,2) px, visibility (B,T,33), world (B,T,33,3) hip-centred metres,
    found (B,T) bool (module docstring's first three steps)."""
    p2 = project(lm, pool.focal[clips][:, None], pool.res)
    world = lm - lm[:, :, 23:25].mean(2, keepdims=True)
    occ = None if occlusion is None or occlusion.prob <= 0 else occluded_landmarks(
        p2, rng, occlusion.kinds, occlusion.area, occlusion.prob)
    if noise is None:
        vis, found = np.ones(p2.shape[:3]), np.ones(p2.shape[:2], bool)
        if occ is not None:
            vis = np.where(occ, 0.0, vis)
        return p2, vis, world, found
    det = noise.apply(p2, world, pool.yaw[clips[:, None], frames], rng, occ)
    return det.points2d, det.visibility, det.world, det.found


def window_batch(pool: MotionPool, clips: np.ndarray, starts: np.ndarray, window: int, rng: np.random.Generator,
                 noise: DetectorNoise | None = None, occlusion: OcclusionSpec | None = None,
                 output: str = "centre") -> KeypointBatch:
    """Windows ``[starts, starts + window)`` of ``clips`` (B,) → a :class:`KeypointBatch` (module docstring)."""
    frames = starts[:, None] + np.arange(window)
    lm = pool.landmarks[clips[:, None], frames].double().numpy()      # (B, T, 33, 3)
    jt = pool.joints[clips[:, None], frames].double().numpy()         # (B, T, 24, 3)
    j2 = project(jt, pool.focal[clips][:, None], pool.res)
    p2, vis, world, found = simulate_detections(pool, clips, frames, lm, rng, noise, occlusion)
    feats, boxes = keypoint_features(p2, vis, world, found)
    j2n = normalise_to_box(j2, boxes.astype(np.float64))
    sel = (slice(None), window // 2) if output == "centre" else (slice(None), slice(None))
    n = len(clips) if output == "centre" else len(clips) * window

    def pick(a: np.ndarray | torch.Tensor) -> torch.Tensor:
        a = torch.as_tensor(a[sel] if isinstance(a, np.ndarray) else a[sel].numpy())
        return a.reshape(n, *a.shape[(1 if output == "centre" else 2):]).float()

    j2n, jt3 = pick(j2n), pick(jt)
    rot = pick(pool.rotmats[clips[:, None], frames])
    betas = pool.betas[clips].float()
    if output == "window":
        betas = betas.repeat_interleave(window, 0)
    ones = torch.ones(n, NUM_JOINTS, 1)
    targets = {"keypoints_2d": torch.cat([j2n, ones], -1), "joints_3d": torch.cat([jt3, ones], -1),
               "has_3d": torch.ones(n), "rotmats": rot, "betas": betas,
               "landmarks_3d": pick(lm - lm[:, :, 23:25].mean(2, keepdims=True))}
    return KeypointBatch(torch.from_numpy(feats), targets)


def sample_batch(pool: MotionPool, batch: int, window: int, rng: np.random.Generator,
                 noise: DetectorNoise | None = None, occlusion: OcclusionSpec | None = None,
                 output: str = "centre") -> KeypointBatch:
    """``batch`` random windows (uniform clip, uniform start) → :func:`window_batch`."""
    length = pool.landmarks.shape[1]
    if window > length:
        raise ValueError(f"window {window} is longer than the pool's clips ({length} frames)")
    clips = rng.integers(0, len(pool), batch)
    starts = rng.integers(0, length - window + 1, batch)
    return window_batch(pool, clips, starts, window, rng, noise, occlusion, output)
