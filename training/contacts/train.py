"""Train the foot-contact classifier (:mod:`core.model.contact_net`) on simulated detections of real motion capture.

Data: windows of a converted mocap set (:func:`training.data.mocap.pool.make_mocap_pool`, its "train" clips through
random yaw and camera pitch, with the renders' random shapes and cameras) whose foot points carry the benchmarks' truth
contacts (or other thresholds: ``label_height``, ``label_speed``), found on each whole source clip. Per step: B windows of ``window`` frames → the detector's
view (:func:`training.data.keypoint_batches.simulate_detections`: projection, occluders, the calibrated BlazePose
noise) → :func:`core.model.contact_net.window_features` → the classifier → binary cross-entropy against the centre
frame's four planted flags. Adam, linear warm-up, cosine to 0, gradient clip; one CPU thread. Validation: F1 of each
foot point at p ≥ 0.5 on ``val_windows`` windows of a second pool (other windows, cameras and noise of the same clips)
and, with ``heldout`` set, of the set's "heldout" split (other people's motion; reported, never used to choose).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import torch

from core.fitting.contacts import TRUTH_CONTACTS
from core.model.config import config_from_dict
from core.model.contact_net import ContactNet, ContactNetConfig, save_contact_net, window_features
from training.data.detector_noise import DetectorNoise
from training.data.keypoint_batches import OcclusionSpec, simulate_detections
from training.data.keypoint_motion import MotionPool, motion_config
from training.keypoints.train import NOISE_PATH, resolve_noise
from training.loop import torch_threads, train_steps

__all__ = ["ContactTrainConfig", "ContactExperiment", "contact_batch", "f1_scores", "train_contacts"]


@dataclass
class ContactTrainConfig:
    """Steps, batch, Adam lr (warm-up then cosine to 0), seeds, the mocap set (``mocap``: its root; ``mocap_clips``
    windows of ``clip_len`` frames; ``pitch_max_deg`` the camera's up/down look; ``mocap_exclude`` CMU subjects left
    out), the noise model, occluder probability, yaw range (degrees), validation windows, ``heldout``: also report
    the set's held-out split; ``label_height`` (m above the point's own low level; a large value: any height) and
    ``label_speed`` (m/s): what counts as planted in the labels (the benchmarks' truth: 0.04 / 0.3), threads."""

    steps: int = 3000
    batch_size: int = 256
    lr: float = 1e-3
    warmup_steps: int = 100
    grad_clip: float = 1.0
    seed: int = 0
    pool_seed: int = 0
    mocap: str = "data/mocap"
    mocap_clips: int = 4000
    clip_len: int = 48
    mocap_exclude: list[int] = field(default_factory=list)
    pitch_max_deg: float = 25.0
    noise: str | None = NOISE_PATH
    occlusion_prob: float = 0.3
    yaw_max_deg: float = 180.0
    val_windows: int = 2048
    heldout: bool = True
    label_height: float = 0.04
    label_speed: float = 0.3
    threads: int = 1
    log_every: int = 100


@dataclass
class ContactExperiment:
    model: ContactNetConfig = field(default_factory=ContactNetConfig)
    train: ContactTrainConfig = field(default_factory=ContactTrainConfig)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "ContactExperiment":
        return config_from_dict(cls, d, "recipe")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def contact_batch(pool: MotionPool, batch: int, window: int, rng: np.random.Generator,
                  noise: DetectorNoise | None = None, occlusion: OcclusionSpec | None = None
                  ) -> tuple[torch.Tensor, torch.Tensor]:
    """``batch`` random windows of a labelled pool → features (B, window, 33, 6) and the centre frames' planted
    flags (B, 4) float32."""
    if pool.contacts is None:
        raise ValueError("the pool has no contact labels (make_mocap_pool(..., contacts=TRUTH_CONTACTS))")
    length = pool.landmarks.shape[1]
    if window > length:
        raise ValueError(f"window {window} is longer than the pool's clips ({length} frames)")
    clips = rng.integers(0, len(pool), batch)
    starts = rng.integers(0, length - window + 1, batch)
    frames = starts[:, None] + np.arange(window)
    lm = pool.landmarks[clips[:, None], frames].double().numpy()
    feats = window_features(*simulate_detections(pool, clips, frames, lm, rng, noise, occlusion))
    return torch.from_numpy(feats), pool.contacts[clips, starts + window // 2].float()


def f1_scores(prob: np.ndarray, truth: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """(N, K) probabilities and (N, K) bool truth → (K,) F1 of ``prob ≥ threshold`` per column (1 where both
    are empty)."""
    pred, truth = np.asarray(prob) >= threshold, np.asarray(truth, bool)
    tp, fp, fn = (pred & truth).sum(0), (pred & ~truth).sum(0), (~pred & truth).sum(0)
    return np.where(tp + fp + fn > 0, 2 * tp / np.maximum(2 * tp + fp + fn, 1), 1.0)


def _pool(body, t: ContactTrainConfig, seed: int, split: str = "train") -> MotionPool:
    from training.data.mocap.pool import make_mocap_pool

    cfg = motion_config(clip_len=t.clip_len, yaw_max=float(np.radians(t.yaw_max_deg)))
    return make_mocap_pool(body, t.mocap, t.mocap_clips if split == "train" else t.mocap_clips // 4, seed, cfg,
                           split=split, pitch_max=np.radians(t.pitch_max_deg), exclude=t.mocap_exclude,
                           contacts=replace(TRUTH_CONTACTS, height=t.label_height, speed=t.label_speed))


def _validate(model: ContactNet, batches) -> dict[str, float]:
    prob = np.concatenate([torch.sigmoid(model(x)).numpy() for x, _ in batches])
    truth = np.concatenate([y.numpy() for _, y in batches]) > 0.5
    f1 = f1_scores(prob, truth)
    return {"f1": float(f1.mean()), "f1_heels": float(f1[[0, 2]].mean()), "f1_toes": float(f1[[1, 3]].mean()),
            "accuracy": float(((prob >= 0.5) == truth).mean()), "planted": float(truth.mean())}


def train_contacts(exp: ContactExperiment, out: str | None = None, body=None, progress=print, note: str = ""):
    """Train; save to ``out`` (if given). Returns (model, log: step → {loss, val_f1, …})."""
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
        sizes = [256] * max(1, t.val_windows // 256)
        sets = {"val": [contact_batch(val_pool, k, window, vrng, noise, occ) for k in sizes]}
        if t.heldout:
            held = _pool(body, t, t.pool_seed + 2000, split="heldout")
            sets["heldout"] = [contact_batch(held, k, window, vrng, noise, occ) for k in sizes]
        torch.manual_seed(t.seed)
        model = ContactNet(exp.model)
        lossf = torch.nn.BCEWithLogitsLoss()
        rng = np.random.default_rng([t.seed, 7])

        def step_loss() -> torch.Tensor:
            x, y = contact_batch(pool, t.batch_size, window, rng, noise, occ)
            return lossf(model(x), y)

        def validate() -> dict[str, float]:
            return {f"{name}_{k}": v for name, batches in sets.items() for k, v in _validate(model, batches).items()}

        log, seconds = train_steps(model, step_loss, validate, t.steps, t.lr, t.warmup_steps, t.grad_clip,
                                   t.log_every, progress)
        if out:
            save_contact_net(out, model, meta={"recipe": exp.to_dict(), "note": note, "training": {
                "log": {str(k): v for k, v in log.items()}, "seconds": round(seconds, 1)}})
        return model, log
