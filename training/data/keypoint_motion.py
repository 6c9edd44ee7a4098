"""Clean motion for the keypoint model: SMPL bodies in smooth clips, seen by a pinhole camera (no images).

:func:`make_motion_pool` samples ``num`` clips (:func:`core.body.poses.sample_clip_motion`: joint-limited
key poses, B-spline interpolation, a yaw walk; betas ~ N(0, 1) clipped to ±2.5; field of view U(35°, 65°);
the body spans U(0.55, 0.9) of the image height at its first frame, centred within ±10 % of the image
centre — the synthetic renders' settings, docs/training-data.md) and poses the body once for every frame:
BlazePose's 33 landmark points (:func:`core.body.landmark_points.landmark_points`) and SMPL's 24 joints,
camera frame (x right, y down, z forward, metres). Clip ``i`` depends only on (seed, i).
:mod:`training.data.keypoint_batches` draws windows from the pool and adds detector noise on the fly.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from hkmr_blender.base.skeleton import NUM_JOINTS, NUM_POSE_PARAMS

from core.body.landmark_points import landmark_points
from core.body.poses import sample_clip_motion
from core.geometry.rotations import axis_angle_to_matrix
from core.render import PinholeCamera
from core.render.scene import place_body
from training.data.synthetic import SynthConfig

__all__ = ["motion_config", "MotionPool", "make_motion_pool", "scene_draws", "pose_clips", "concat_pools", "project",
           "landmark_truth", "yaw_of", "MOUTH"]

#: BlazePose's mouth corners have no point on the body (core.detect.landmarks); their stand-in truth is
#: the nose, so the detector's offset of the mouth from the nose is part of their calibrated error.
MOUTH = (9, 10)


def motion_config(clip_len: int = 32, key_every: int = 8, yaw_max: float = float(np.pi)) -> SynthConfig:
    """The renderer's scene settings (:class:`training.data.synthetic.SynthConfig`: camera, size, offset, shape,
    tilt) with this module's clip defaults: 32-frame clips, a key pose every 8 frames, any yaw."""
    return SynthConfig(clip_len=clip_len, key_every=key_every, yaw_max=yaw_max)


@dataclass
class MotionPool:
    """N clips of L frames. rotmats (N,L,24,3,3) joint-local (joint 0 in the camera frame); betas (N,NB);
    landmarks (N,L,33,3) and joints (N,L,24,3) camera-frame metres (translation applied); focal (N,) px;
    yaw (N,L) radians (0 = facing the camera); res: image side in pixels (principal point at its centre);
    contacts (N,L,4) bool or None: the true planted foot points (:data:`core.fitting.terms.FOOT_POINTS`;
    :func:`training.data.mocap.pool.make_mocap_pool` with ``contacts``)."""

    rotmats: torch.Tensor
    betas: torch.Tensor
    landmarks: torch.Tensor
    joints: torch.Tensor
    focal: np.ndarray
    yaw: np.ndarray
    res: int
    contacts: torch.Tensor | None = None

    def __len__(self) -> int:
        return int(self.rotmats.shape[0])


def project(points: np.ndarray, focal: np.ndarray, res: int) -> np.ndarray:
    """(..., N, 3) camera-frame points, (...) focal lengths in px → (..., N, 2) pixels (principal point at
    the image centre, (res − 1) / 2 as :meth:`core.render.PinholeCamera.from_fov`)."""
    f = np.asarray(focal, np.float64)[..., None, None]
    return points[..., :2] / np.maximum(points[..., 2:3], 1e-3) * f + (res - 1) / 2


def landmark_truth(body, rotmats: torch.Tensor, betas: torch.Tensor, transl: torch.Tensor | None = None) -> torch.Tensor:
    """:func:`core.body.landmark_points.landmark_points` with the mouth corners at the nose (B, 33, 3)."""
    lm = landmark_points(body, rotmats, betas, transl)
    lm[:, list(MOUTH)] = lm[:, :1]
    return lm


def yaw_of(global_orient: np.ndarray) -> np.ndarray:
    """(L, 3) camera-frame global orientation → (L,) yaw: angle of the body's facing (+Z body axis) in
    the camera's x–z plane, 0 when the body faces the camera (its +Z pointing to −z)."""
    fwd = axis_angle_to_matrix(torch.as_tensor(global_orient, dtype=torch.float64))[:, :, 2].numpy()
    return np.arctan2(fwd[:, 0], -fwd[:, 2])


@torch.no_grad()
def make_motion_pool(body, num: int, seed: int = 0, cfg: SynthConfig | None = None, chunk: int = 4096) -> MotionPool:
    """Sample and pose ``num`` clips of ``body`` (a :class:`core.body.model.BodyModel`); see module docstring."""
    cfg = cfg or motion_config()
    n, length = num, cfg.clip_len
    poses = np.zeros((n, length, NUM_POSE_PARAMS))
    for i in range(n):
        rng = np.random.default_rng([seed, i])
        poses[i] = sample_clip_motion(rng, length, cfg.key_every, cfg.max_tilt, cfg.yaw_max)
    return pose_clips(body, poses, scene_draws(body, n, seed, cfg, 0), cfg, chunk=chunk)


def scene_draws(body, n: int, seed: int, cfg: SynthConfig, stream: int) -> dict[str, np.ndarray]:
    """Per clip: betas ~ N(0, betas_std) clipped, field of view, body size and offset (the renders' settings);
    clip ``i`` draws from ``default_rng([seed, i] + [stream] if stream)`` after its motion."""
    betas, fov, size, offset = np.zeros((n, body.num_betas)), np.zeros(n), np.zeros(n), np.zeros((n, 2))
    for i in range(n):
        rng = np.random.default_rng([seed, i] + ([stream] if stream else []))
        if not stream:  # the synthetic pool's clip i: its motion came first from the same stream
            sample_clip_motion(rng, cfg.clip_len, cfg.key_every, cfg.max_tilt, cfg.yaw_max)
        betas[i] = np.clip(rng.normal(0, cfg.betas_std, body.num_betas), -cfg.betas_clip, cfg.betas_clip)
        fov[i], size[i] = rng.uniform(cfg.fov_min, cfg.fov_max), rng.uniform(cfg.size_min, cfg.size_max)
        offset[i] = rng.uniform(-cfg.offset, cfg.offset, 2) * cfg.res
    return {"betas": betas, "fov": fov, "size": size, "offset": offset}


@torch.no_grad()
def pose_clips(body, poses: np.ndarray, draws: dict[str, np.ndarray], cfg: SynthConfig,
               shift: np.ndarray | None = None, chunk: int = 4096) -> MotionPool:
    """Pose (N,L,72) camera-frame axis-angle clips with :func:`scene_draws`' shapes and cameras; the body is
    placed by its first frame; ``shift`` (N,L,3): camera-frame root displacement from the first frame (metres)."""
    n, length = poses.shape[:2]
    rot = axis_angle_to_matrix(torch.as_tensor(poses, dtype=torch.float32).reshape(-1, NUM_JOINTS, 3))
    rot = rot.reshape(n, length, NUM_JOINTS, 3, 3)
    b = torch.as_tensor(draws["betas"], dtype=torch.float32)
    flat_rot, flat_b = rot.reshape(-1, NUM_JOINTS, 3, 3), b.repeat_interleave(length, 0)
    lms, joints = [], []
    for s in range(0, len(flat_rot), chunk):
        lms.append(landmark_truth(body, flat_rot[s:s + chunk], flat_b[s:s + chunk]))
        joints.append(body.joints(flat_rot[s:s + chunk], flat_b[s:s + chunk]))
    lm = torch.cat(lms).reshape(n, length, 33, 3)
    jt = torch.cat(joints).reshape(n, length, NUM_JOINTS, 3)
    if shift is not None:
        d = torch.as_tensor(shift, dtype=torch.float32)[:, :, None]
        lm += d
        jt += d
    focal = np.zeros(n)
    for i in range(n):
        cam = PinholeCamera.from_fov(float(draws["fov"][i]), cfg.res, cfg.res)
        focal[i] = cam.fx
        t = torch.as_tensor(place_body(lm[i, 0].double().numpy(), cam, float(draws["size"][i]),
                                       draws["offset"][i]), dtype=torch.float32)
        lm[i] += t
        jt[i] += t
    yaw = np.stack([yaw_of(p[:, :3]) for p in poses])
    return MotionPool(rot, b, lm, jt, focal, yaw, cfg.res)


def concat_pools(a: MotionPool, b: MotionPool) -> MotionPool:
    """Two pools of the same clip length and image size as one."""
    if a.res != b.res or a.rotmats.shape[1] != b.rotmats.shape[1]:
        raise ValueError("pools differ in image size or clip length")
    if (a.contacts is None) != (b.contacts is None):
        raise ValueError("one pool has contact labels and the other has none")
    return MotionPool(torch.cat([a.rotmats, b.rotmats]), torch.cat([a.betas, b.betas]),
                      torch.cat([a.landmarks, b.landmarks]), torch.cat([a.joints, b.joints]),
                      np.concatenate([a.focal, b.focal]), np.concatenate([a.yaw, b.yaw]), a.res,
                      None if a.contacts is None else torch.cat([a.contacts, b.contacts]))
