"""The 3D input alone: BlazePose's world landmarks vs the world lifter's, against the truth (no fit; seconds).

Videos as bench/bench_starts.py's (VIDEO.mp4 + VIDEO.npz truth; landmarks cached beside them). Each ``--pre``
variant (space-separated steps in one string, bench_starts' ``preprocess``) is scored on the 16 limb landmarks
(:data:`bench_starts.LIMB_POINTS`): hip-centred MPJPE and PA-MPJPE in mm, per clip and frame-weighted.

    nice -n 10 .venv/bin/python bench/bench_lifter.py runs/choose/*.mp4 --variants "swap lean:12" \\
        "swap lean:12 lift:runs/lift/X.pt"
"""
from __future__ import annotations

import argparse
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from bench_starts import camera_truth, landmarks_for, preprocess, world_error  # noqa: E402

from core.body.discovery import OPEN_BODY_PATH  # noqa: E402
from core.body.landmark_points import landmark_points  # noqa: E402
from core.body.model import load_body_model  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("videos", nargs="+")
    ap.add_argument("--variants", nargs="+", default=["swap lean:12"], help="each: --pre steps in one string")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    body = load_body_model(OPEN_BODY_PATH)
    tot: dict[str, list] = {v: [] for v in args.variants}
    for video in args.videos:
        z = dict(np.load(os.path.splitext(video)[0] + ".npz"))
        rot, betas, transl = camera_truth(body, z)
        lm = landmarks_for(video)
        n = min(lm.num_frames, len(rot))
        lm, rot, transl = lm.select(np.arange(n)), rot[:n], transl[:n]
        with torch.no_grad():
            tp = landmark_points(body, rot, betas.expand(n, -1), transl).double().numpy()
        truth_px = tp[..., :2] / tp[..., 2:] * z["K"][0, 0] + z["K"][:2, 2]
        for v in args.variants:
            e = world_error(preprocess(lm, v.split(), tp, truth_px, z["K"]), tp)
            tot[v].append((int(lm.found.sum()), e))
            print(f"{os.path.basename(video):22s} {v:50s} " + "  ".join(f"{k} {x:.1f}" for k, x in e.items()))
    print("frame-weighted:")
    for v, rows in tot.items():
        w = np.array([r[0] for r in rows], float)
        print(f"  {v:50s} " + "  ".join(f"{k} {np.average([r[1][k] for r in rows], weights=w):.1f}"
                                        for k in rows[0][1]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
