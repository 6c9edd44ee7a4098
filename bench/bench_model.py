"""Throughput of the HKMR head vs the HMR/SPIN head on the same backbone (issue 3).

CPU (always): for each batch size, one loop interleaves backbone, HKMR head and HMR head
calls, so all three see the same machine load; medians and head/backbone ratios come from that
one run. GPU (when CUDA exists): the full model (backbone + head + SMPL forward) under bf16
autocast at --gpu-batch, img/s, optionally with torch.compile.

    .venv/bin/python bench/bench_model.py                      # CPU, batches 1 16 64
    .venv/bin/python bench/bench_model.py --batches 1 16 64 --repeats 7 --channels-last --threads 1
"""
from __future__ import annotations

import argparse
import statistics
import time
from typing import Callable

import torch

from core.body.model import load_body_model
from core.model.backbones import build_backbone
from core.model.builder import build_head, build_model, count_parameters
from core.model.config import BackboneConfig, BodyConfig, ModelConfig
from core.model.mesh_regressor import predict


def _timed(fn: Callable[[], object], sync: Callable[[], None]) -> float:
    sync()
    t = time.perf_counter()
    fn()
    sync()
    return time.perf_counter() - t


def bench_cpu(args: argparse.Namespace) -> None:
    torch.manual_seed(0)
    backbone = build_backbone(args.backbone).eval()
    if args.channels_last:
        backbone.to(memory_format=torch.channels_last)
    cfg = ModelConfig(backbone=BackboneConfig(args.backbone))
    heads = {h: build_head(ModelConfig(head=h), backbone.feature_dim).eval() for h in ("hkmr", "hmr")}
    body = None if args.no_body else load_body_model(args.body)
    print(f"CPU, {torch.get_num_threads()} threads, {args.backbone} "
          f"({count_parameters(backbone):,} params), channels_last={args.channels_last}, "
          f"img {cfg.img_res}px, repeats {args.repeats} (median), one interleaved run per batch")
    print(f"heads: hkmr {count_parameters(heads['hkmr']):,} params, hmr {count_parameters(heads['hmr']):,}")
    print(f"SMPL forward: {'off' if body is None else body.identity}")
    print("| batch | backbone ms | HKMR head ms | HMR head ms | SMPL fwd ms | HKMR head / backbone "
          "| HMR head / backbone | HKMR model img/s | HMR model img/s |")
    print("|---|---|---|---|---|---|---|---|---|")
    none = lambda: None  # noqa: E731 — CPU needs no synchronisation
    with torch.inference_mode():
        for b in args.batches:
            x = torch.randn(b, 3, cfg.img_res, cfg.img_res)
            if args.channels_last:
                x = x.contiguous(memory_format=torch.channels_last)
            phi = backbone(x)
            for h in heads.values():  # warm-up
                h(phi)
            est = heads["hkmr"](phi)[-1]
            times: dict[str, list[float]] = {"backbone": [], "hkmr": [], "hmr": [], "smpl": []}
            for _ in range(args.repeats):
                times["backbone"].append(_timed(lambda: backbone(x), none))
                for name, head in heads.items():  # heads are fast: take the best of a few calls
                    times[name].append(min(_timed(lambda: head(phi), none) for _ in range(3)))
                if body is not None:
                    times["smpl"].append(min(_timed(lambda: body(est.rotmats, est.betas), none) for _ in range(3)))
            med = {k: statistics.median(v) if v else 0.0 for k, v in times.items()}
            r_hkmr, r_hmr = med["hkmr"] / med["backbone"], med["hmr"] / med["backbone"]
            full = med["backbone"] + med["smpl"]
            print(f"| {b} | {med['backbone'] * 1e3:.1f} | {med['hkmr'] * 1e3:.2f} | {med['hmr'] * 1e3:.2f} "
                  f"| {med['smpl'] * 1e3:.2f} | {r_hkmr:.2%} | {r_hmr:.2%} | {b / (full + med['hkmr']):.1f} "
                  f"| {b / (full + med['hmr']):.1f} |", flush=True)


def bench_gpu(args: argparse.Namespace) -> None:
    dev = torch.device("cuda")
    print(f"GPU {torch.cuda.get_device_name(dev)}, bf16 autocast, batch {args.gpu_batch}, "
          f"channels_last, compile={args.compile}, SMPL forward {'on' if not args.no_body else 'off'}")
    print("| head | img/s (full model) | ms / batch |")
    print("|---|---|---|")
    for head in ("hkmr", "hmr"):
        cfg = ModelConfig(backbone=BackboneConfig(args.backbone), head=head, channels_last=True,
                          compile=args.compile, body=BodyConfig(enabled=not args.no_body, path=args.body))
        model = build_model(cfg).to(dev)
        x = torch.randn(args.gpu_batch, 3, cfg.img_res, cfg.img_res, device=dev)
        for _ in range(5):  # warm-up (and compilation)
            predict(model, x, amp=True)
        ts = [_timed(lambda: predict(model, x, amp=True), torch.cuda.synchronize) for _ in range(args.repeats * 4)]
        med = statistics.median(ts)
        print(f"| {head} | {args.gpu_batch / med:,.0f} | {med * 1e3:.1f} |", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--backbone", default="resnet50", choices=["resnet18", "resnet34", "resnet50"])
    ap.add_argument("--batches", type=int, nargs="+", default=[1, 16, 64])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--threads", type=int, default=None, help="CPU threads (default: torch's)")
    ap.add_argument("--channels-last", action="store_true")
    ap.add_argument("--gpu-batch", type=int, default=256)
    ap.add_argument("--compile", action="store_true", help="GPU: torch.compile backbone and head")
    ap.add_argument("--body", default=None, help="body model file (default: discovered/shipped body)")
    ap.add_argument("--no-body", action="store_true", help="skip the SMPL forward")
    ap.add_argument("--skip-cpu", action="store_true")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    if not args.skip_cpu:
        bench_cpu(args)
    if torch.cuda.is_available():
        bench_gpu(args)
    else:
        print("no CUDA device: GPU section skipped")


if __name__ == "__main__":
    main()
