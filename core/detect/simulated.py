"""A simulated BlazePose: landmarks of a known body motion seen through a camera, with detector-like noise.

For measuring fits against exact truth (bench/bench_fit.py, tests): the 33 landmarks of the posed body
(:func:`core.body.landmark_points.landmark_points`, SMPL joints and surface points) are projected through
the full-image camera; the "world" landmarks are the same points centred between the hips, in the camera's
axes (BlazePose's world frame: x right, y down, z away). Noise, all seeded:

- 2D: Gaussian ``px_noise`` × the 2D torso length per coordinate, plus outliers (``outlier_rate`` of the
  landmarks jump by ``outlier_size`` torso lengths) — visibility stays high on outliers (a confident miss);
- dropouts: ``dropout_rate`` of the landmarks get visibility 0.05 and a random offset (occluded);
- 3D: per-frame scale error ``world_scale_noise`` (BlazePose's bone lengths vary by ±15 % per frame) and
  Gaussian ``world_noise`` metres per coordinate;
- ``lost_frames``: these frames have ``found=False`` and zeros everywhere, as the detector returns them.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from core.body.landmark_points import landmark_points
from core.body.model import BodyModel
from core.fitting.full_camera import FullCamera

from .landmarks import Landmarks

__all__ = ["DetectorNoise", "simulate_landmarks"]


@dataclass(frozen=True)
class DetectorNoise:
    """Noise levels (see the module docstring): 2D in torso lengths, rates as fractions, 3D in metres."""

    px_noise: float = 0.02
    outlier_rate: float = 0.01
    outlier_size: float = 0.3
    dropout_rate: float = 0.05
    world_scale_noise: float = 0.08
    world_noise: float = 0.02


@torch.no_grad()
def simulate_landmarks(body: BodyModel, rotmats: torch.Tensor, betas: torch.Tensor, transl: torch.Tensor,
                       camera: FullCamera, image_size: tuple[int, int], fps: float,
                       noise: DetectorNoise | None = DetectorNoise(), lost_frames: np.ndarray | None = None,
                       seed: int = 0) -> Landmarks:
    """rotmats (F,24,3,3) camera-frame rotations, betas (NB,), transl (F,3) camera frame → Landmarks.
    ``noise=None``: exact landmarks (visibility 1)."""
    n = len(rotmats)
    pts = landmark_points(body, rotmats.float(), betas.float().reshape(1, -1).expand(n, -1), transl.float())
    px = camera.project(pts).double().numpy()
    pts = pts.double().numpy()
    world = pts - pts[:, [23, 24]].mean(1, keepdims=True)
    vis = np.ones((n, 33))
    if noise is not None:
        g = np.random.default_rng(seed)
        torso = np.linalg.norm(px[:, [11, 12]].mean(1) - px[:, [23, 24]].mean(1), axis=-1)[:, None, None]
        px = px + g.normal(0, noise.px_noise, px.shape) * torso
        out = g.random((n, 33)) < noise.outlier_rate
        px[out] += g.normal(0, noise.outlier_size, (out.sum(), 2)) * torso[out.nonzero()[0]][:, 0]
        drop = g.random((n, 33)) < noise.dropout_rate
        px[drop] += g.normal(0, 0.3, (drop.sum(), 2)) * torso[drop.nonzero()[0]][:, 0]
        vis[drop] = 0.05
        world = world * (1 + g.normal(0, noise.world_scale_noise, (n, 1, 1))) + g.normal(0, noise.world_noise,
                                                                                          world.shape)
    lo, hi = px.min(1), px.max(1)
    boxes = np.concatenate([lo, hi], 1)
    found = np.ones(n, bool)
    if lost_frames is not None:
        found[np.asarray(lost_frames)] = False
    for a in (px, vis, world, boxes):
        a[~found] = 0
    f32 = np.float32
    return Landmarks(points2d=px.astype(f32), visibility=vis.astype(f32), presence=vis.astype(f32),
                     world=world.astype(f32), boxes=boxes.astype(f32), found=found, image_size=tuple(image_size),
                     frame_index=np.arange(n, dtype=np.int64), fps=float(fps))
