"""SPIN-style augmentation: flip, in-plane rotation, box scale, per-channel colour noise.

Sampling follows SPIN's defaults: flip with p = 0.5; rotation ~ N(0, rot_factor) clipped to
±2·rot_factor degrees and set to 0 with p = 0.6; scale ~ N(1, scale_factor) clipped to
1 ± scale_factor; every RGB channel multiplied by U(1 − noise_factor, 1 + noise_factor).
The geometric part (rotation, flip) is applied consistently to image, keypoints, 3D joints and
the SMPL pose (:func:`augment_pose`, :func:`augment_joints3d`).
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from core.geometry.crop import rotation_z

from .joints import SMPL_FLIP_PERM, flip_pose

__all__ = ["AugConfig", "AugParams", "sample_aug", "augment_pose", "augment_joints3d", "color_noise"]


@dataclass
class AugConfig:
    """Augmentation strengths (SPIN's ``noise_factor``, ``rot_factor``, ``scale_factor``)."""

    flip_prob: float = 0.5
    rot_factor: float = 30.0
    rot_zero_prob: float = 0.6
    scale_factor: float = 0.25
    noise_factor: float = 0.4


@dataclass
class AugParams:
    """One sample's augmentation: ``flip``; ``rot`` degrees; ``scale`` multiplier of the box;
    ``pn`` (3,) RGB gains. :meth:`identity` is the no-augmentation setting used for evaluation."""

    flip: bool = False
    rot: float = 0.0
    scale: float = 1.0
    pn: tuple[float, float, float] = (1.0, 1.0, 1.0)

    @classmethod
    def identity(cls) -> AugParams:
        return cls()


def sample_aug(rng: np.random.Generator, cfg: AugConfig) -> AugParams:
    """Draw one :class:`AugParams` from ``cfg`` (see module docstring)."""
    flip = bool(rng.uniform() < cfg.flip_prob)
    pn = rng.uniform(1 - cfg.noise_factor, 1 + cfg.noise_factor, 3)
    rot = float(np.clip(rng.normal() * cfg.rot_factor, -2 * cfg.rot_factor, 2 * cfg.rot_factor))
    scale = float(np.clip(rng.normal() * cfg.scale_factor + 1, 1 - cfg.scale_factor, 1 + cfg.scale_factor))
    if rng.uniform() < cfg.rot_zero_prob:
        rot = 0.0
    return AugParams(flip=flip, rot=rot, scale=scale, pn=tuple(float(x) for x in pn))


def augment_pose(pose: np.ndarray, aug: AugParams) -> np.ndarray:
    """(72,) camera-frame SMPL pose → the pose of the rotated (about the optical axis) and
    optionally mirrored body: global orientation R ↦ Rz(rot)·R, then :func:`flip_pose`."""
    out = np.asarray(pose, np.float64).copy()
    if aug.rot:
        r, _ = cv2.Rodrigues(out[:3].reshape(3, 1))
        out[:3] = cv2.Rodrigues(rotation_z(aug.rot) @ r)[0].reshape(3)
    return flip_pose(out) if aug.flip else out


def augment_joints3d(joints: np.ndarray, aug: AugParams) -> np.ndarray:
    """(24, 4) SMPL-order camera-frame joints + confidence → rotated about z and optionally
    mirrored (x ↦ −x, left/right swapped)."""
    out = np.asarray(joints, np.float64).copy()
    out[:, :3] = out[:, :3] @ rotation_z(aug.rot).T
    if aug.flip:
        out = out[SMPL_FLIP_PERM]
        out[:, 0] *= -1
    return out


def color_noise(img: np.ndarray, pn: tuple[float, float, float]) -> np.ndarray:
    """(H, W, 3) RGB uint8/float in [0, 255] → float32 with channel c scaled by pn[c], clipped."""
    return np.clip(img.astype(np.float32) * np.asarray(pn, np.float32), 0.0, 255.0)
