"""Body model cost inside a training step: the skinned forward (smplx LBS over every vertex) vs
``BodyModel.joints`` (forward kinematics of the folded rest joints), forward + backward.

One interleaved loop per batch size, so both paths see the same machine load; medians and the ratio
come from that one run. Batch 96 = the trainer's T · B (3 outer iterations × batch 32).

    .venv/bin/python bench/bench_body.py                 # open default body, batches 32 96
    .venv/bin/python bench/bench_body.py --body SMPL_NEUTRAL.pkl --threads 1
"""
from __future__ import annotations

import argparse
import statistics
import time

import torch

from core.body.model import load_body_model
from core.geometry.rotations import axis_angle_to_matrix


def _step(fn, rot: torch.Tensor, betas: torch.Tensor) -> float:
    rot.grad = betas.grad = None
    t = time.perf_counter()
    fn(rot, betas).square().sum().backward()
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--body", default=None, help="body model file (default: discovered/shipped body)")
    ap.add_argument("--batches", type=int, nargs="+", default=[32, 96])
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--threads", type=int, default=None, help="CPU threads (default: torch's)")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    body = load_body_model(args.body)
    paths = {"skinned forward().joints": lambda r, b: body(r, b).joints, "joints()": body.joints}
    print(f"{body.identity}, {body.num_vertices:,} vertices, CPU {torch.get_num_threads()} threads, "
          f"forward + backward, median of {args.repeats} (interleaved)")
    print("| batch | skinned ms | joints-only ms | speed-up |")
    print("|---|---|---|---|")
    g = torch.Generator().manual_seed(0)
    for n in args.batches:
        rot = axis_angle_to_matrix(torch.randn(n, 24, 3, generator=g) * 0.4).requires_grad_(True)
        betas = torch.randn(n, body.num_betas, generator=g).requires_grad_(True)
        times: dict[str, list[float]] = {k: [] for k in paths}
        for fn in paths.values():  # warm-up
            _step(fn, rot, betas)
        for _ in range(args.repeats):
            for name, fn in paths.items():
                times[name].append(_step(fn, rot, betas))
        full, fk = (statistics.median(times[k]) for k in paths)
        print(f"| {n} | {full * 1e3:.1f} | {fk * 1e3:.2f} | {full / fk:.0f}× |", flush=True)


if __name__ == "__main__":
    main()
