"""One training step on the CPU: float32 vs bf16 autocast + channels_last (the demo model by default).

A step = model forward (backbone + head, under autocast when bf16) → HKMRLoss (body joints in float32)
→ backward → Adam step, on one fixed batch of rendered crops; data loading is timed apart (one batch
read through the training reader, augmentation on). Variants are interleaved in one loop so they see
the same machine load; medians and ratios come from that run. bf16 pays off on CPUs with AMX or
AVX-512 BF16 (``lscpu | grep -o 'amx_bf16\\|avx512_bf16'``); elsewhere it can be slower.

    .venv/bin/python bench/bench_train_step.py                                   # demo_front.json model
    .venv/bin/python bench/bench_train_step.py --config training/configs/exp_hkmr.json --threads 1
"""
from __future__ import annotations

import argparse
import dataclasses
import statistics
import tempfile
import time

import torch

from core.geometry.rotations import axis_angle_to_matrix
from core.model.builder import build_model
from training.config import load_config
from training.data import build_dataset
from training.data.synthetic import SynthConfig, generate
from training.losses.total import HKMRLoss, SmplTargets


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", default="training/configs/demo_front.json")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--repeats", type=int, default=9)
    ap.add_argument("--threads", type=int, default=None, help="CPU threads (default: torch's)")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    cfg = load_config(args.config)
    res = cfg.model.img_res
    with tempfile.TemporaryDirectory() as tmp:
        npz = generate(tmp, args.batch, seed=7, cfg=SynthConfig(res=2 * res))
        ds = build_dataset({"datasets": [{"name": "synthetic", "npz": str(npz)}], "img_res": res,
                            "occlusion": {"prob": 0.5}})
        t = time.perf_counter()
        items = [ds[i] for i in range(args.batch)]
        load_s = time.perf_counter() - t
    batch = torch.utils.data.default_collate(items)
    smpl = SmplTargets(axis_angle_to_matrix(batch["pose"].reshape(-1, 24, 3)), batch["betas"], batch["has_smpl"])
    variants = {}
    for name, bf16 in (("float32", False), ("bf16 + channels_last", True)):
        torch.manual_seed(0)
        model = build_model(dataclasses.replace(cfg.model, channels_last=bf16)).train()  # own config copy
        variants[name] = (model, HKMRLoss(model.body, cfg.loss), torch.optim.Adam(model.parameters(), 1e-5), bf16)

    def step(model, loss_fn, opt, bf16) -> float:
        t0 = time.perf_counter()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            out = model(batch["img"], run_body=False)
        loss = loss_fn(out.iterations, batch, smpl)
        opt.zero_grad(set_to_none=True)
        loss.total.backward()
        opt.step()
        return time.perf_counter() - t0

    for v in variants.values():  # warm-up (oneDNN picks its kernels on the first calls)
        step(*v), step(*v)
    times: dict[str, list[float]] = {k: [] for k in variants}
    for _ in range(args.repeats):
        for name, v in variants.items():
            times[name].append(step(*v))
    med = {k: statistics.median(v) for k, v in times.items()}
    base = med["float32"]
    print(f"{args.config}: {cfg.model.backbone.name} width {cfg.model.backbone.width}, {res} px, batch {args.batch}, "
          f"CPU {torch.get_num_threads()} threads, median of {args.repeats} (interleaved)")
    print(f"data loading (main process, augmentation on): {load_s * 1e3:.0f} ms per batch")
    print("| variant | ms / step | steps/s | speed-up |")
    print("|---|---|---|---|")
    for k, m in med.items():
        print(f"| {k} | {m * 1e3:.0f} | {1 / m:.2f} | {base / m:.2f}× |")


if __name__ == "__main__":
    main()
