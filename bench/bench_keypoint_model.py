"""Speed of the keypoint regressor alone (no detection): frames per second over a clip, CPU.

Features of one clip (random landmarks: the cost does not depend on the values) → every frame's window →
encoder → head (3 outer iterations) → rotations/betas, through :func:`core.inference.keypoint_regressor.
regress_features` exactly as inference runs it. Medians of ``--repeats`` runs per thread count and head.

    .venv/bin/python bench/bench_keypoint_model.py                        # shipped model, 300 frames, 1 and 2 threads
    .venv/bin/python bench/bench_keypoint_model.py --checkpoint runs/x.pt --frames 1000
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch

from core.inference.keypoint_regressor import KEYPOINT_MODEL_PATH, load_keypoint_model, regress_features
from core.model.builder import build_model


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint", default=str(KEYPOINT_MODEL_PATH))
    ap.add_argument("--frames", type=int, default=300)
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    args = ap.parse_args()
    shipped = load_keypoint_model(args.checkpoint)
    models = {f"{shipped.config.head} (checkpoint)": shipped}
    other = "hmr" if shipped.config.head == "hkmr" else "hkmr"
    cfg = shipped.config.to_dict()
    cfg.update(head=other, body={"enabled": False})
    models[f"{other} (same encoder, untrained)"] = build_model(cfg).eval()
    feats = np.random.default_rng(0).normal(size=(args.frames, 33, 6)).astype(np.float32)
    print(f"{args.frames} frames, window {shipped.config.keypoints.window} ({shipped.config.keypoints.output}), "
          f"torch {torch.__version__}")
    for threads in args.threads:
        torch.set_num_threads(threads)
        for name, model in models.items():
            regress_features(model, feats)  # warm-up
            times = []
            for _ in range(args.repeats):
                t = time.perf_counter()
                regress_features(model, feats)
                times.append(time.perf_counter() - t)
            med = statistics.median(times)
            print(f"threads {threads}  {name:32s} {1000 * med:7.1f} ms / clip  {args.frames / med:8.0f} frames/s")


if __name__ == "__main__":
    main()
