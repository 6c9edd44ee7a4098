"""The training loop: HKMR (or the HMR baseline head) on SPIN-format or synthetic data.

One step: crops → model (bf16 autocast on CUDA) → :class:`training.losses.HKMRLoss` summed over
all outer iterations → one backward → Adam. Optional: SMPLify in the loop (SPIN-style fit store),
the discriminator prior's own update. Exactly resumable: the checkpoint (an ``hkmr-model`` file,
:mod:`core.model.checkpoint`, whose ``meta["training"]`` holds optimiser, scheduler,
discriminator, RNG states and the data position) plus per-step reseeding make a resumed run
compute the same losses as an uninterrupted one. A non-finite loss stops the run before the
update with :class:`NonFiniteLossError`; the last checkpoint on disk is the last good one.
Multi-GPU / multi-node: launch with torchrun (DDP; gloo on CPU). See docs/training.md.
"""
from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field

import numpy as np
import torch
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, Dataset
from tqdm import tqdm

from core.fitting.smplify import estimate_translation, fit_smplify, fitting_loss
from core.geometry.rotations import axis_angle_to_matrix
from core.model.builder import build_model
from core.model.checkpoint import load_state_strict, read_checkpoint, save_checkpoint
from core.model.config import config_diff
from core.runtime import DistEnv, pick_device, use_bf16
from hkmr_blender.base.skeleton import NUM_JOINTS
from training.config import ExperimentConfig
from training.fit_store import FitStore
from training.logging_csv import CsvLog
from training.losses.total import HKMRLoss, SmplTargets
from training.prior import DiscriminatorPrior, VAEPrior, build_prior
from training.prior.train import poses_from_npz
from training.runtime import (ResumableSampler, all_reduce_min, cleanup_distributed,
                              rng_state, seed_step, set_rng_state, setup_distributed)
from training.schedule import warmup_cosine

__all__ = ["NonFiniteLossError", "TrainResult", "Trainer", "train", "RESUMABLE_FIELDS"]

log = logging.getLogger(__name__)
#: Config fields a resumed run may change (everything else must match the checkpoint).
RESUMABLE_FIELDS = ("train.steps", "train.amp", "train.num_workers", "train.progress", "train.log_every",
                    "train.checkpoint_every", "train.tensorboard", "train.out_dir", "train.device", "train.threads",
                    "eval", "eval_data", "model.backbone.weights", "model.compile", "model.channels_last")


class NonFiniteLossError(RuntimeError):
    """The loss became NaN/inf; the message names the step, the terms and the last good checkpoint."""


@dataclass
class TrainResult:
    step: int
    checkpoint: str | None
    losses: dict[int, float] = field(default_factory=dict)  # step → total loss of that step


def _collate_targets(batch: dict, device: torch.device) -> dict:
    return {k: (v.to(device, non_blocking=True) if isinstance(v, torch.Tensor) else v) for k, v in batch.items()}


class Trainer:
    """Builds everything from an :class:`ExperimentConfig`; :meth:`run` trains to ``train.steps``."""

    def __init__(self, cfg: ExperimentConfig, resume: bool = True, dataset: Dataset | None = None):
        """``dataset``: use this instead of ``training.data.build_dataset(cfg.data)``."""
        self.cfg = cfg.validate()
        t = cfg.train
        if t.threads > 0:
            torch.set_num_threads(t.threads)
        self.dist: DistEnv = setup_distributed(t.device)
        self.device = pick_device(t.device, self.dist.local_rank)
        self.amp = use_bf16(t.amp, self.device)
        self.out_dir = t.out_dir
        self.ckpt_path = os.path.join(self.out_dir, "checkpoints", "last.pt")
        os.makedirs(os.path.dirname(self.ckpt_path), exist_ok=True)
        torch.manual_seed(t.seed)  # model initialisation
        if dataset is None:
            from training.data import build_dataset

            dataset = build_dataset(cfg.data)
        self.dataset = dataset
        self.model = build_model(cfg.model).to(self.device)
        if self.model.body is None:
            raise ValueError("config model.body.enabled is false: training needs the body model for its losses")
        self.prior = build_prior(cfg.prior, cfg.model.num_betas, poses=self._prior_poses,
                                 save_to=os.path.join(self.out_dir, "prior_vae.pt"), seed=t.seed)
        if self.prior is not None:
            self.prior.to(self.device)
        self.loss_fn = HKMRLoss(self.model.body, cfg.loss, self.prior)
        self.opt = torch.optim.Adam(self.model.parameters(), lr=cfg.optim.lr, weight_decay=cfg.optim.weight_decay)
        self.sched = torch.optim.lr_scheduler.LambdaLR(self.opt, self._lr_factor)
        self.disc_opt = (torch.optim.Adam(self.prior.parameters(), lr=cfg.prior.disc_lr)
                         if isinstance(self.prior, DiscriminatorPrior) else None)
        parts = list(getattr(self.dataset, "datasets", [self.dataset]))  # a mix, or one dataset
        self._fit_offset = dict(zip((getattr(p, "name", "") for p in parts), np.cumsum([0] + [len(p) for p in parts])))
        self._fit_size = sum(len(p) for p in parts)
        self.fits = FitStore(self._fit_size, cfg.model.num_betas) if cfg.smplify.enabled else None
        self.step, self.epoch, self.pos = 0, 0, 0
        if resume and os.path.isfile(self.ckpt_path):
            self._load(self.ckpt_path)
        elif t.init_from:
            self._init_weights(t.init_from)
        self.ddp = (DistributedDataParallel(self.model, device_ids=[self.device.index] if self.device.type == "cuda"
                                            else None, forward_sync_buffers=False) if self.dist.enabled else self.model)
        self.sampler = ResumableSampler(self.dataset, self.dist, t.seed)
        if len(self.dataset) // self.dist.world_size < t.batch_size:
            raise ValueError(f"data: {len(self.dataset)} samples over {self.dist.world_size} process(es) cannot fill "
                             f"one batch of {t.batch_size}; lower train.batch_size or use more data")

    # ---- pieces ---------------------------------------------------------------------------------------
    def _prior_poses(self) -> np.ndarray:
        src = self.cfg.prior.poses
        if src == "synthetic":
            from core.body.poses import sample_body_pose

            return sample_body_pose(np.random.default_rng(self.cfg.train.seed), 20000).reshape(-1, 72)
        return poses_from_npz(src)

    def _lr_factor(self, step: int) -> float:
        o = self.cfg.optim
        if o.schedule == "cosine":
            return warmup_cosine(step, o.warmup_steps, self.cfg.train.steps)
        if o.warmup_steps and step < o.warmup_steps:
            return (step + 1) / o.warmup_steps
        return 1.0

    def _loader(self) -> DataLoader:
        self.sampler.set_epoch(self.epoch)
        if hasattr(self.dataset, "set_epoch"):  # per-epoch augmentation draws
            self.dataset.set_epoch(self.epoch)
        self.sampler.set_start(self.pos * self.cfg.train.batch_size)
        gen = torch.Generator().manual_seed(self.cfg.train.seed * 1_000_003 + self.epoch)  # keeps global RNG untouched
        return DataLoader(self.dataset, batch_size=self.cfg.train.batch_size, sampler=self.sampler,
                          num_workers=self.cfg.train.num_workers, drop_last=True, generator=gen,
                          pin_memory=self.device.type == "cuda", persistent_workers=False)

    def _smpl_targets(self, batch: dict, final) -> SmplTargets:
        """Ground truth where has_smpl; elsewhere (SMPLify on) the better of the stored and a new fit."""
        b = batch["img"].shape[0]
        rot = axis_angle_to_matrix(batch["pose"].float().reshape(b, NUM_JOINTS, 3))
        betas = batch["betas"].float().clone()
        mask = batch["has_smpl"].float().clone()
        if self.fits is None or bool(mask.all()):
            return SmplTargets(rot, betas, mask)
        need = mask == 0
        names = batch.get("dataset", [""] * b)
        offset = torch.tensor([int(self._fit_offset[n]) for n in names], device=self.device)
        idx, kp = (batch["index"] + offset)[need], batch["keypoints_2d"][need].float()
        body, s = self.model.body, self.cfg.smplify
        focal, res = self.cfg.model.focal_length, self.cfg.model.img_res
        vae = self.prior if isinstance(self.prior, VAEPrior) else None
        new = fit_smplify(body, final.rotmats[need], final.betas[need], final.cam[need], kp, vae, s, focal, res)
        old_rot, old_betas, has_fit = self.fits.get(idx.cpu())
        old_rot, old_betas, has_fit = old_rot.to(self.device), old_betas.to(self.device), has_fit.to(self.device)
        with torch.no_grad():
            t = estimate_translation(body.joints(old_rot, old_betas), kp, focal, res)
        old_e, old_px = fitting_loss(body, old_rot, old_betas, t, kp, vae, s, focal, res)
        old_e = torch.where(has_fit, old_e, torch.full_like(old_e, float("inf")))
        better = new.loss < old_e
        self._update_fits(idx, new.rotmats, new.betas, better)
        fit_rot = torch.where(better[:, None, None, None], new.rotmats, old_rot)
        fit_betas = torch.where(better[:, None], new.betas, old_betas)
        px = torch.where(better, new.reprojection_px, old_px)
        rot[need], betas[need] = fit_rot, fit_betas
        mask[need] = (px < s.threshold).float()
        return SmplTargets(rot, betas, mask)

    def _update_fits(self, idx: torch.Tensor, rot: torch.Tensor, betas: torch.Tensor, better: torch.Tensor) -> None:
        """Apply every rank's accepted fits to every rank's store (stores stay identical)."""
        if self.dist.enabled:
            import torch.distributed as dist

            payload = [torch.cat([idx.float()[:, None], rot.reshape(len(idx), -1), betas, better.float()[:, None]], 1)]
            gathered = [None] * self.dist.world_size
            dist.all_gather_object(gathered, payload[0].cpu())
            cat = torch.cat(gathered)
            idx, rot = cat[:, 0].long(), cat[:, 1:1 + 9 * NUM_JOINTS].reshape(-1, NUM_JOINTS, 3, 3)
            betas, better = cat[:, 1 + 9 * NUM_JOINTS:-1], cat[:, -1] > 0
        self.fits.update(idx.cpu(), rot.cpu(), betas.cpu(), better.cpu())

    def _step(self, batch: dict) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        batch = _collate_targets(batch, self.device)
        self.ddp.train()
        with torch.autocast(device_type=self.device.type, dtype=torch.bfloat16, enabled=self.amp):
            out = self.ddp(batch["img"], run_body=False)
        targets = self._smpl_targets(batch, out.final)
        loss = self.loss_fn(out.iterations, batch, targets)
        finite = all_reduce_min(torch.isfinite(loss.total.detach()).float().reshape(1), self.dist)
        if finite.item() < 1:
            terms = {k: float(v) for k, v in loss.terms.items()}
            where = f"{self.ckpt_path} (step {self._ckpt_step})" if self._ckpt_step else "none written yet"
            raise NonFiniteLossError(
                f"non-finite loss {float(loss.total.detach()):.4g} at step {self.step + 1} (terms {terms}); stopped before the "
                f"update. Last good checkpoint: {where}. Lower optim.lr, set optim.grad_clip, or check the data "
                f"(samples {batch['index'].tolist()[:16]}).")
        self.opt.zero_grad(set_to_none=True)
        loss.total.backward()
        if self.cfg.optim.grad_clip > 0:
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.cfg.optim.grad_clip)
        self.opt.step()
        self.sched.step()
        terms = dict(loss.terms)
        if self.disc_opt is not None and bool(batch["has_smpl"].any()):
            real = batch["has_smpl"] > 0
            d_loss = self.prior.discriminator_loss(targets.rotmats[real], targets.betas[real],
                                                   out.final.rotmats.float(), out.final.betas.float())
            self.disc_opt.zero_grad(set_to_none=True)
            d_loss.backward()
            self.disc_opt.step()
            terms["discriminator"] = d_loss.detach()
        return loss.total.detach(), terms

    # ---- checkpoints ----------------------------------------------------------------------------------
    _ckpt_step = 0

    def _save(self) -> None:
        if not self.dist.is_main:
            return
        fits_file = None
        if self.fits is not None:
            fits_file = f"fits-{self.step:08d}.npz"
            self.fits.save(os.path.join(os.path.dirname(self.ckpt_path), fits_file))
        state = {"step": self.step, "epoch": self.epoch, "pos": self.pos, "rng": rng_state(),
                 "optimizer": self.opt.state_dict(), "scheduler": self.sched.state_dict(),
                 "prior": self.prior.state_dict() if isinstance(self.prior, DiscriminatorPrior) else None,
                 "disc_optimizer": self.disc_opt.state_dict() if self.disc_opt else None,
                 "fits": fits_file, "experiment": self.cfg.to_dict()}
        save_checkpoint(self.ckpt_path, self.model, meta={"training": state, "step": self.step})
        self._ckpt_step = self.step
        folder = os.path.dirname(self.ckpt_path)
        for name in os.listdir(folder):  # older fit stores are no longer referenced
            if name.startswith("fits-") and name.endswith(".npz") and name != fits_file:
                os.unlink(os.path.join(folder, name))

    def _init_weights(self, path: str) -> None:
        """Fine-tuning: the model's weights from ``path``; optimiser, schedule and data start afresh."""
        if not os.path.isfile(path):
            raise FileNotFoundError(f"train.init_from: checkpoint {path} does not exist")
        load_state_strict(self.model, read_checkpoint(path).state_dict, path)
        log.info("initialised the model from %s", path)

    def _load(self, path: str) -> None:
        ckpt = read_checkpoint(path)
        state = ckpt.meta.get("training")
        if not isinstance(state, dict):
            raise ValueError(f"{path}: a model-only checkpoint (no training state); start a new out_dir "
                             f"or set model.backbone.weights to initialise from it")
        diff = [d for d in config_diff(state["experiment"], self.cfg.to_dict())
                if not d.split(":")[0].startswith(RESUMABLE_FIELDS)]
        if diff:
            raise ValueError(f"{path}: cannot resume, the config differs from the checkpoint's: {diff}; use the "
                             f"same config (or another train.out_dir for a new run)")
        load_state_strict(self.model, ckpt.state_dict, path)
        self.opt.load_state_dict(state["optimizer"])
        self.sched.load_state_dict(state["scheduler"])
        if state["prior"] is not None:
            self.prior.load_state_dict(state["prior"])
            self.disc_opt.load_state_dict(state["disc_optimizer"])
        if state["fits"] is not None:
            self.fits = FitStore.load(os.path.join(os.path.dirname(path), state["fits"]), self._fit_size,
                                      self.cfg.model.num_betas)
        set_rng_state(state["rng"])
        self.step, self.epoch, self.pos = state["step"], state["epoch"], state["pos"]
        self._ckpt_step = self.step
        log.info("resumed %s at step %d (epoch %d, batch %d)", path, self.step, self.epoch, self.pos)

    # ---- loop -----------------------------------------------------------------------------------------
    def run(self) -> TrainResult:
        t = self.cfg.train
        main = self.dist.is_main
        csv_log = CsvLog(os.path.join(self.out_dir, "log.csv"), self.step,
                         os.path.join(self.out_dir, "tb") if t.tensorboard else None) if main else None
        result = TrainResult(self.step, self.ckpt_path if self._ckpt_step else None)
        bar = tqdm(total=t.steps, initial=self.step, disable=not (main and t.progress), desc=self.cfg.name,
                   dynamic_ncols=True)
        try:
            while self.step < t.steps:
                it = iter(self._loader())
                while self.step < t.steps:
                    seed_step(t.seed, self.step, self.dist.rank)
                    tic = time.perf_counter()
                    try:
                        batch = next(it)
                    except StopIteration:
                        break
                    total, terms = self._step(batch)
                    self.step, self.pos = self.step + 1, self.pos + 1
                    result.losses[self.step] = float(total)
                    bar.update(1)
                    bar.set_postfix(loss=f"{float(total):.4f}")
                    if main and (self.step % t.log_every == 0 or self.step == t.steps):
                        dt = time.perf_counter() - tic
                        csv_log.write(self.step, {"epoch": self.epoch, "lr": self.sched.get_last_lr()[0],
                                                  "loss": float(total), **{k: float(v) for k, v in terms.items()},
                                                  "sec_per_step": dt,
                                                  "img_per_sec": t.batch_size * self.dist.world_size / dt})
                    if self.step % t.checkpoint_every == 0 or self.step == t.steps:
                        self._save()
                else:
                    break
                self.epoch, self.pos = self.epoch + 1, 0
        finally:
            bar.close()
            if csv_log is not None:
                csv_log.close()
            cleanup_distributed(self.dist)
        result.step = self.step
        result.checkpoint = self.ckpt_path if self._ckpt_step else None
        return result


def train(cfg: ExperimentConfig, resume: bool = True, dataset: Dataset | None = None) -> TrainResult:
    """Build a :class:`Trainer` and run it."""
    return Trainer(cfg, resume=resume, dataset=dataset).run()
