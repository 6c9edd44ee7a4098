"""How far the simulated BlazePose world landmarks are from the truth, per noise table and occluder rate (issue 20).

The lifter's and keypoint model's training input (``training.data.keypoint_batches.sample_batch``: windows of the
mocap train split + synthetic clips → the calibrated noise): mean distance of the centre frame's 33 hip-centred
world landmarks to the truth, raw and clamped to ±2 m as the lifter reads it. Seconds.

    nice -n 10 .venv/bin/python bench/bench_noise_world.py --mocap /work/wt/assets/full/mocap \\
        --tables old.json training/data/assets/blazepose_noise.json --occluders 0 0.2 0.5
"""
from __future__ import annotations

import argparse
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from core.body.model import load_body_model  # noqa: E402
from training.data.detector_noise import DetectorNoise  # noqa: E402
from training.data.keypoint_batches import OcclusionSpec, sample_batch  # noqa: E402
from training.lifter.train import LifterTrainConfig, _pool  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mocap", default=None, help="a converted mocap set's root (its train split); none: synthetic only")
    ap.add_argument("--tables", nargs="+", default=["training/data/assets/blazepose_noise.json"])
    ap.add_argument("--occluders", nargs="+", type=float, default=[0.0, 0.2, 0.5], help="share of occluded windows")
    ap.add_argument("--windows", type=int, default=2048)
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    pool = _pool(load_body_model(), LifterTrainConfig(mocap=args.mocap, mocap_clips=800, pool_clips=200), 1000)
    for path in args.tables:
        noise = DetectorNoise.load(path)
        for p in args.occluders:
            rng, raw, clamped = np.random.default_rng(7), [], []
            for _ in range(max(1, args.windows // 256)):
                b = sample_batch(pool, 256, 9, rng, noise, OcclusionSpec(prob=p))
                tgt, w0 = b.targets["landmarks_3d"], b.inputs[:, 4, :, 3:6]
                for w, acc in ((w0, raw), (w0.clamp(-2, 2), clamped)):
                    w = w - w[:, 23:25].mean(1, keepdim=True)
                    acc.append(float((w - tgt).norm(dim=-1).mean()))
            print(f"{path}  occluders {p:.2f}: {1000 * np.mean(raw):.1f} mm (clamped ±2 m: {1000 * np.mean(clamped):.1f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
