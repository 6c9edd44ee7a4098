"""``train`` / ``eval`` / ``prior`` / ``release`` subcommands (``python -m training …`` or ``hkmr train|eval``).

Each ``add_*_parser(subparsers)`` registers one subcommand with ``set_defaults(func=fn)``,
``fn(args) -> int`` (0 ok, 2 bad input, 3 non-finite loss).
"""
from __future__ import annotations

import argparse
import os
import sys

from hkmr_blender.base.options import check_output, nonnegative_int, positive_int

__all__ = ["add_train_parser", "add_eval_parser", "add_prior_parser", "add_release_parser", "main"]


def _config_args(p: argparse.ArgumentParser, required: bool) -> None:
    p.add_argument("--config", required=required, help="experiment config (.json, or .yaml with PyYAML)")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a config value, e.g. --set train.steps=10 (repeatable; JSON values)")


def _train(args: argparse.Namespace) -> int:
    from training.config import load_config
    from training.trainer import NonFiniteLossError, train

    overrides = list(args.overrides) + ([f"train.out_dir={args.out_dir}"] if args.out_dir else [])
    cfg = load_config(args.config, overrides)
    try:
        res = train(cfg, resume=not args.no_resume)
    except NonFiniteLossError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    if os.environ.get("RANK", "0") == "0":  # under torchrun only rank 0 reports
        print(f"trained to step {res.step}; checkpoint: {res.checkpoint}")
    return 0


def add_train_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser("train", help="train HKMR / the HMR baseline from a config",
                              description="Train from a config; resumes from OUT_DIR/checkpoints/last.pt if present.")
    _config_args(p, required=True)
    p.add_argument("--out-dir", help="run folder (overrides train.out_dir)")
    p.add_argument("--no-resume", action="store_true", help="ignore an existing checkpoint (it will be overwritten)")
    p.set_defaults(func=_train)
    return p


def _eval(args: argparse.Namespace) -> int:
    import torch

    from core.model.checkpoint import load_checkpoint
    from training.config import ExperimentConfig, apply_overrides, load_config
    from training.data import build_dataset
    from training.evaluate import evaluate, format_table, rows_to_csv

    model, ckpt = load_checkpoint(args.checkpoint)
    if args.config:
        cfg = load_config(args.config, args.overrides)
    else:
        stored = (ckpt.meta.get("training") or {}).get("experiment") or ckpt.meta.get("experiment")
        if stored is None:
            raise ValueError(f"{args.checkpoint}: a model-only checkpoint; give --config naming eval_data")
        cfg = ExperimentConfig.from_dict(apply_overrides(stored, args.overrides))
    if not cfg.eval_data.datasets:
        raise ValueError("config eval_data.datasets is empty: name the evaluation set (see docs/training.md)")
    device = "cuda" if torch.cuda.is_available() and cfg.train.device != "cpu" else "cpu"
    make = lambda kind: build_dataset(cfg.eval_data, train=False, occlusion=kind,  # noqa: E731
                                      occlusion_area=cfg.eval.occlusion_area)
    rows = evaluate(model.to(device), make, cfg.eval, device, progress=cfg.train.progress)
    print(format_table(rows))
    out = args.csv or os.path.join(os.path.dirname(os.path.abspath(args.checkpoint)), "eval.csv")
    check_output(out, [args.checkpoint, args.config], "--csv", (".csv",))
    rows_to_csv(rows, out)
    print(f"saved {out}")
    return 0


def add_eval_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser("eval", help="evaluate a checkpoint under the occlusion protocols",
                              description="MPJPE / PA-MPJPE / PCK / segmentation under none, bar, circle, "
                                          "rectangle occlusion; prints a markdown table and writes a CSV.")
    p.add_argument("--checkpoint", required=True, help="hkmr-model checkpoint (e.g. RUN/checkpoints/last.pt)")
    _config_args(p, required=False)
    p.add_argument("--csv", help="CSV output (default: eval.csv next to the checkpoint)")
    p.set_defaults(func=_eval)
    return p


def _prior(args: argparse.Namespace) -> int:
    import numpy as np

    from training.prior.train import poses_from_npz, save_pose_vae, train_pose_vae

    check_output(args.out, [args.poses], "--out", (".pt",))
    if args.poses == "synthetic":
        from core.body.poses import sample_body_pose

        poses = sample_body_pose(np.random.default_rng(args.seed), args.num).reshape(-1, 72)
    else:
        poses = poses_from_npz(args.poses)
    res = train_pose_vae(poses, steps=args.steps, hidden=args.hidden, latent=args.latent, seed=args.seed)
    save_pose_vae(res.vae, args.out, meta={"poses": args.poses, "steps": args.steps})
    print(f"pose VAE: loss {res.losses[0]:.4f} → {res.losses[-1]:.4f} over {args.steps} steps; saved {args.out}")
    return 0


def add_prior_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser("prior", help="train the pose VAE prior",
                              description="Fit the VPoser-style pose VAE; use the file as prior.weights.")
    p.add_argument("--poses", default="synthetic", help="'synthetic' or a SPIN/AMASS npz with pose/poses")
    p.add_argument("--num", type=positive_int, default=50000, help="synthetic poses to draw")
    p.add_argument("--steps", type=positive_int, default=3000)
    p.add_argument("--hidden", type=positive_int, default=512)
    p.add_argument("--latent", type=positive_int, default=32)
    p.add_argument("--seed", type=nonnegative_int, default=0)
    p.add_argument("--out", required=True, help="output .pt (hkmr-pose-vae)")
    p.set_defaults(func=_prior)
    return p


def _release(args: argparse.Namespace) -> int:
    from training.strip_checkpoint import strip_training_state

    check_output(args.out, [args.checkpoint], "--out", (".pt",))
    ckpt = strip_training_state(args.checkpoint, args.out)
    size = os.path.getsize(args.out)
    print(f"released step {ckpt.meta.get('step')} of {args.checkpoint} → {args.out} ({size / 1e6:.1f} MB, "
          f"{sum(v.numel() for v in ckpt.state_dict.values()):,} numbers)")
    return 0


def add_release_parser(subparsers) -> argparse.ArgumentParser:
    # "export" was this command's name before `hkmr export` (FBX) took the word; kept as an alias
    p = subparsers.add_parser("release", aliases=["export"],
                              help="write the model-only checkpoint that ships (no optimiser/RNG state)",
                              description="Strip the training state from a trainer checkpoint (weights stay "
                                          "float32); the experiment config is kept so eval still works.")
    p.add_argument("--checkpoint", required=True, help="trainer checkpoint (RUN/checkpoints/last.pt)")
    p.add_argument("--out", required=True, help="output .pt")
    p.set_defaults(func=_release)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training", description="HKMR training and evaluation")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in (add_train_parser, add_eval_parser, add_prior_parser, add_release_parser):
        add(sub)
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (ValueError, OSError, KeyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
