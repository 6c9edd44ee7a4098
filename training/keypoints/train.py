"""Train the keypoint model on simulated detections (no images): ``python -m training.keypoints train``.

A run: build the clean :class:`MotionPool` (``pool_clips`` clips, seed ``pool_seed`` — the same for every
run that shares it) → per step one :func:`sample_batch` (fresh windows, occluders and detector noise from the
run's ``seed``) → ``build_model`` (``backbone.name = "keypoints"``) → :class:`training.losses.HKMRLoss` over all
outer iterations (ground-truth SMPL targets, no prior) → Adam with linear warm-up and cosine decay. The
result is an ``hkmr-model`` checkpoint (:func:`core.model.checkpoint.save_checkpoint`) whose
``meta["recipe"]`` holds this config and whose ``meta["training"]`` the loss curve.
"""
from __future__ import annotations

import dataclasses
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from core.model.builder import build_model
from core.model.checkpoint import save_checkpoint
from core.model.config import ModelConfig, config_from_dict
from training.data.detector_noise import DetectorNoise
from training.data.keypoint_batches import OcclusionSpec, sample_batch
from training.data.keypoint_motion import concat_pools, make_motion_pool, motion_config
from training.losses.total import HKMRLoss, LossWeights, SmplTargets
from training.schedule import warmup_cosine

__all__ = ["NOISE_PATH", "resolve_noise", "KeypointTrainConfig", "KeypointExperiment", "train_keypoints"]

#: the calibrated BlazePose noise model shipped with the code (training/keypoints/calibrate.py); relative
#: paths in ``train.noise`` are tried from the working directory, then from the repository root
NOISE_PATH = "training/data/assets/blazepose_noise.json"
_ROOT = Path(__file__).resolve().parents[2]


def resolve_noise(path: str) -> str:
    """``train.noise`` → an existing file (working directory first, then the repository root)."""
    if os.path.isfile(path) or os.path.isabs(path):
        return path
    return str(_ROOT / path) if (_ROOT / path).is_file() else path


@dataclass
class KeypointTrainConfig:
    """Steps, batch, Adam lr (warm-up then cosine to 0), seeds (``seed``: init, batches, noise; ``pool_seed``:
    the clean clips), the pool's size, the noise model (None = clean landmarks), occluder probability per
    window, yaw range in degrees (180 = every direction) and CPU threads."""

    steps: int = 2000
    batch_size: int = 64
    lr: float = 1e-3
    warmup_steps: int = 100
    grad_clip: float = 1.0
    seed: int = 0
    pool_seed: int = 0
    pool_clips: int = 2000
    noise: str | None = NOISE_PATH
    occlusion_prob: float = 0.5
    yaw_max_deg: float = 180.0
    mocap: str | None = None      # a converted mocap set (training/data/mocap): its "train" windows join the pool
    mocap_clips: int = 2000
    init_from: str | None = None  # a keypoint checkpoint to start from (fine-tuning)
    threads: int = 1
    log_every: int = 100


@dataclass
class KeypointExperiment:
    model: ModelConfig = field(default_factory=lambda: ModelConfig.from_dict({"backbone": {"name": "keypoints"}}))
    train: KeypointTrainConfig = field(default_factory=KeypointTrainConfig)
    loss: LossWeights = field(default_factory=LossWeights)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "KeypointExperiment":
        d = dict(d)
        model = ModelConfig.from_dict({"backbone": {"name": "keypoints"}, **d.pop("model", {})})
        if model.backbone.name != "keypoints":
            raise ValueError("keypoint experiments need model.backbone.name = 'keypoints'")
        exp = config_from_dict(cls, d, "config")
        exp.model = model
        return exp

    def to_dict(self) -> dict[str, Any]:
        """The recipe; the optional real-motion fields (``mocap``, ``mocap_clips``, ``init_from``) only when a
        mocap set or a start checkpoint is given, so recipes written before them still compare equal."""
        d = dataclasses.asdict(self)
        if d["train"]["mocap"] is None and d["train"]["init_from"] is None:
            for k in ("mocap", "mocap_clips", "init_from"):
                d["train"].pop(k)
        return d


def train_keypoints(exp: KeypointExperiment, out: str | None = None, body=None, progress=print):
    """Train; save to ``out`` (if given). Returns (model, losses per logged step)."""
    t = exp.train
    threads = torch.get_num_threads()
    if t.threads > 0:
        torch.set_num_threads(t.threads)
    try:
        return _train(exp, out, body, progress)
    finally:
        torch.set_num_threads(threads)  # the caller's setting (tests and notebooks run more after this)


def _train(exp: KeypointExperiment, out: str | None, body, progress):
    t = exp.train
    if body is None:
        from core.body.model import load_body_model

        body = load_body_model(exp.model.body.path, exp.model.body.gender, exp.model.num_betas)
    mcfg = motion_config(yaw_max=float(np.radians(t.yaw_max_deg)))
    pool = make_motion_pool(body, t.pool_clips, t.pool_seed, mcfg)
    if t.mocap:
        from training.data.mocap.pool import make_mocap_pool

        pool = concat_pools(pool, make_mocap_pool(body, t.mocap, t.mocap_clips, t.pool_seed, mcfg))
    noise = DetectorNoise.load(resolve_noise(t.noise)) if t.noise else None
    occ = OcclusionSpec(prob=t.occlusion_prob)
    torch.manual_seed(t.seed)
    model = build_model(exp.model, body=body)
    if t.init_from:
        from core.model.checkpoint import load_state_strict, read_checkpoint

        load_state_strict(model, read_checkpoint(t.init_from).state_dict, t.init_from)
    loss_fn = HKMRLoss(body, exp.loss)
    opt = torch.optim.Adam(model.parameters(), lr=t.lr)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: warmup_cosine(s, t.warmup_steps, t.steps))
    rng = np.random.default_rng([t.seed, 7])
    window, output = exp.model.keypoints.window, exp.model.keypoints.output
    losses, run, t0 = {}, [], time.perf_counter()
    model.train()
    for step in range(1, t.steps + 1):
        b = sample_batch(pool, t.batch_size, window, rng, noise, occ, output)
        out_ = model(b.inputs, run_body=False)
        tg = b.targets
        loss = loss_fn(out_.iterations, tg, SmplTargets(tg["rotmats"], tg["betas"], torch.ones(len(tg["betas"]))))
        if not torch.isfinite(loss.total):
            raise FloatingPointError(f"non-finite loss at step {step}: {({k: float(v) for k, v in loss.terms.items()})}")
        opt.zero_grad(set_to_none=True)
        loss.total.backward()
        if t.grad_clip > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), t.grad_clip)
        opt.step()
        sched.step()
        run.append(float(loss.total.detach()))
        if step % t.log_every == 0 or step == t.steps:
            losses[step] = float(np.mean(run))
            run = []
            if progress:
                progress(f"step {step}/{t.steps} loss {losses[step]:.4f} ({time.perf_counter() - t0:.0f} s)")
    if out:
        save_checkpoint(out, model, meta={"recipe": exp.to_dict(), "training": {
            "losses": {str(k): v for k, v in losses.items()}, "seconds": round(time.perf_counter() - t0, 1),
            "steps": t.steps}})
    return model, losses
