"""Train the world lifter (:mod:`core.model.world_lifter`) on simulated detections: ``python -m training.lifter``.

The keypoint model's data pipeline, unchanged (docs/keypoint-model.md): a clean :class:`MotionPool` — real motion
capture (``mocap``, its "train" clips through random yaw and camera pitch) and/or the synthetic sampler's clips
(``pool_clips``) → per step :func:`training.data.keypoint_batches.sample_batch` (fresh windows, occluders and the
calibrated BlazePose noise) → the lifter → loss: the mean distance of the 33 hip-centred landmark points to the
truth's (metres), plus ``bone_weight`` × the mean |bone-length error| of the limbs (so the body keeps its length),
plus optionally ``vel_weight`` × the velocity error over three consecutive centre frames
(:mod:`training.lifter.temporal`).
Adam, linear warm-up, cosine to 0, gradient clip; one CPU thread. Validation: the same loss on ``val_windows``
windows drawn with a fixed seed from a second pool of the same clips (other windows, cameras and noise; not
held-out motion), and BlazePose-like input's own error there (the simulated world landmarks', for comparison).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from core.model.config import config_from_dict
from core.model.world_lifter import WorldLifter, WorldLifterConfig, save_world_lifter
from training.data.detector_noise import DetectorNoise
from training.data.keypoint_batches import OcclusionSpec, sample_batch
from training.data.keypoint_motion import concat_pools, make_motion_pool, motion_config
from training.keypoints.train import NOISE_PATH, resolve_noise
from training.lifter.temporal import ARMS, flip_leg_depth, shifted_windows, velocity_loss
from training.loop import torch_threads, train_steps

__all__ = ["LifterTrainConfig", "LifterExperiment", "LIMBS", "lifter_loss", "train_lifter"]

#: limb segments (BlazePose indices): upper arms, forearms, thighs, shins, shoulders, hips
LIMBS = ((11, 13), (13, 15), (12, 14), (14, 16), (23, 25), (25, 27), (24, 26), (26, 28), (11, 12), (23, 24))


@dataclass
class LifterTrainConfig:
    """Steps, batch, Adam lr (warm-up then cosine to 0), seeds, the pools (``mocap``: a converted set's root,
    ``mocap_clips`` windows of it, ``pitch_max_deg`` its camera's up/down look; ``pool_clips`` synthetic clips,
    0 = none), the noise model, occluder probability, yaw range (degrees), threads. ``vel_weight`` > 0: each
    window is lifted at three consecutive centre frames and the mean error of the two frame-to-frame steps is
    added (:func:`training.lifter.temporal.velocity_loss`); ``leg_flip_prob``: windows whose input has one leg's
    depth mirrored over a run of frames (:func:`training.lifter.temporal.flip_leg_depth`), ``arm_flip_prob`` the same
    for an arm about its shoulder. ``mocap_exclude``: CMU
    subjects of the mocap set's train split left out (a validation subject for this run, e.g. ``[135]``: the
    renders of docs/experiments.md, issue 20 session 8)."""

    steps: int = 3000
    batch_size: int = 128
    lr: float = 1e-3
    warmup_steps: int = 100
    grad_clip: float = 1.0
    seed: int = 0
    pool_seed: int = 0
    pool_clips: int = 1000
    mocap: str | None = "data/mocap"
    mocap_clips: int = 4000
    mocap_exclude: list[int] = field(default_factory=list)
    pitch_max_deg: float = 25.0
    noise: str | None = NOISE_PATH
    occlusion_prob: float = 0.0
    yaw_max_deg: float = 180.0
    bone_weight: float = 1.0
    vel_weight: float = 0.0
    leg_flip_prob: float = 0.0
    arm_flip_prob: float = 0.0
    val_windows: int = 2048
    threads: int = 1
    log_every: int = 100


@dataclass
class LifterExperiment:
    model: WorldLifterConfig = field(default_factory=WorldLifterConfig)
    train: LifterTrainConfig = field(default_factory=LifterTrainConfig)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "LifterExperiment":
        return cls(config_from_dict(WorldLifterConfig, d.get("model", {}), "model"),
                   config_from_dict(LifterTrainConfig, d.get("train", {}), "train"))

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def lifter_loss(pred: torch.Tensor, target: torch.Tensor, bone_weight: float) -> tuple[torch.Tensor, torch.Tensor]:
    """(B,33,3) hip-centred prediction and truth → (loss, mean point distance in metres)."""
    dist = (pred - target).norm(dim=-1).mean()
    a, b = zip(*LIMBS)
    bone = ((pred[:, a] - pred[:, b]).norm(dim=-1) - (target[:, a] - target[:, b]).norm(dim=-1)).abs().mean()
    return dist + bone_weight * bone, dist


def _step_loss(model: WorldLifter, pool, t: LifterTrainConfig, window: int, rng, noise, occ) -> torch.Tensor:
    """One batch's training loss (the module docstring's, plus the velocity term and leg flips if asked)."""
    shifts = 3 if t.vel_weight > 0 else 1
    b = sample_batch(pool, t.batch_size, window + shifts - 1, rng, noise, occ, output="window" if shifts > 1 else "centre")
    x, y = b.inputs, b.targets["landmarks_3d"]
    if t.leg_flip_prob > 0:
        x = flip_leg_depth(x, rng, t.leg_flip_prob)
    if t.arm_flip_prob > 0:
        x = flip_leg_depth(x, rng, t.arm_flip_prob, limbs=ARMS)
    if shifts > 1:
        x, y = shifted_windows(x, y, window, shifts)
    pred = model(x)
    loss, _ = lifter_loss(pred, y, t.bone_weight)
    return loss + t.vel_weight * velocity_loss(pred, y, shifts) if shifts > 1 else loss


def _pool(body, t: LifterTrainConfig, seed: int):
    cfg = motion_config(yaw_max=float(np.radians(t.yaw_max_deg)))
    pools = []
    if t.pool_clips > 0:
        pools.append(make_motion_pool(body, t.pool_clips, seed, cfg))
    if t.mocap:
        from training.data.mocap.pool import make_mocap_pool

        pools.append(make_mocap_pool(body, t.mocap, t.mocap_clips, seed, cfg, pitch_max=np.radians(t.pitch_max_deg),
                                     exclude=t.mocap_exclude))
    if not pools:
        raise ValueError("train: no data (pool_clips is 0 and mocap is null)")
    out = pools[0]
    for p in pools[1:]:
        out = concat_pools(out, p)
    return out


@torch.no_grad()
def _validate(model: WorldLifter, batches, bone_weight: float) -> dict[str, float]:
    lifted, given = [], []
    for b in batches:
        tgt = b.targets["landmarks_3d"]
        lifted.append(float(lifter_loss(model(b.inputs), tgt, bone_weight)[1]))
        w = b.inputs[:, b.inputs.shape[1] // 2, :, 3:6].clamp(-2, 2)
        w = w - w[:, 23:25].mean(1, keepdim=True)
        given.append(float((w - tgt).norm(dim=-1).mean()))
    return {"val_mm": 1000 * float(np.mean(lifted)), "val_input_world_mm": 1000 * float(np.mean(given))}


def train_lifter(exp: LifterExperiment, out: str | None = None, body=None, progress=print, note: str = ""):
    """Train; save to ``out`` (if given). Returns (model, log: step → {loss, val_mm, …})."""
    t = exp.train
    with torch_threads(t.threads):
        if body is None:
            from core.body.model import load_body_model
            body = load_body_model()
        pool, val_pool = _pool(body, t, t.pool_seed), _pool(body, t, t.pool_seed + 1000)
        noise = DetectorNoise.load(resolve_noise(t.noise)) if t.noise else None
        occ = OcclusionSpec(prob=t.occlusion_prob)
        window = exp.model.window
        vrng = np.random.default_rng([t.seed, 99])
        val = [sample_batch(val_pool, min(256, t.val_windows), window, vrng, noise, occ)
               for _ in range(max(1, t.val_windows // 256))]
        torch.manual_seed(t.seed)
        model = WorldLifter(exp.model)
        rng = np.random.default_rng([t.seed, 7])
        log, seconds = train_steps(model, lambda: _step_loss(model, pool, t, window, rng, noise, occ),
                                   lambda: _validate(model, val, t.bone_weight), t.steps, t.lr, t.warmup_steps,
                                   t.grad_clip, t.log_every, progress)
        if out:
            save_world_lifter(out, model, meta={"recipe": exp.to_dict(), "note": note, "training": {
                "log": {str(k): v for k, v in log.items()}, "seconds": round(seconds, 1)}})
        return model, log
