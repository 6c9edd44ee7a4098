"""The 3D input alone: BlazePose's world landmarks vs the world lifter's, against the truth (no fit; seconds).

Videos as bench/bench_starts.py's (VIDEO.mp4 + VIDEO.npz truth; landmarks cached beside them). Each ``--pre``
variant (space-separated steps in one string, bench_starts' ``preprocess``) is scored on the 16 limb landmarks
(:data:`bench_starts.LIMB_POINTS`): hip-centred MPJPE and PA-MPJPE in mm, per clip and frame-weighted; and over
time (:func:`temporal_error`): the velocity error of those points (mm/frame) and how often the knees' and ankles'
front/back order is the wrong way round (% of frames where the truth's depth gap exceeds 10 cm).

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
from bench_starts import LIMB_POINTS, camera_truth, landmarks_for, preprocess, world_error  # noqa: E402

from core.body.discovery import OPEN_BODY_PATH  # noqa: E402
from core.body.landmark_points import landmark_points  # noqa: E402
from core.body.model import load_body_model  # noqa: E402


#: left/right pairs whose depth order (which one is nearer the camera) is checked: knees, ankles
DEPTH_PAIRS = ((25, 26), (27, 28))


def temporal_error(world: np.ndarray, truth_cam: np.ndarray, found: np.ndarray, gap: float = 0.1) -> dict[str, float]:
    """(F,33,3) 3D input (camera axes, metres), (F,33,3) truth, (F,) bool → "3D vel err" (mm/frame: mean distance
    of the hip-centred limb points' frame-to-frame steps, over consecutive found frames) and "leg order wrong %"
    (the knees' and ankles' depth order flipped against the truth, where the truth's |Δz| > ``gap`` m)."""
    idx = list(LIMB_POINTS)
    w = world - world[:, 23:25].mean(1, keepdims=True)
    t = truth_cam - truth_cam[:, 23:25].mean(1, keepdims=True)
    both = found[1:] & found[:-1]
    dv = np.diff(w[:, idx], axis=0) - np.diff(t[:, idx], axis=0)
    vel = float(1000 * np.linalg.norm(dv[both], axis=-1).mean()) if both.any() else float("nan")
    wrong, n = 0, 0
    for a, b in DEPTH_PAIRS:
        dz_t, dz_w = t[found, a, 2] - t[found, b, 2], w[found, a, 2] - w[found, b, 2]
        big = np.abs(dz_t) > gap
        wrong, n = wrong + int((np.sign(dz_t[big]) != np.sign(dz_w[big])).sum()), n + int(big.sum())
    return {"3D vel err": vel, "leg order wrong %": 100.0 * wrong / max(n, 1)}


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
            pre = preprocess(lm, v.split(), tp, truth_px, z["K"])
            e = {**world_error(pre, tp), **temporal_error(pre.world.astype(np.float64), tp, pre.found)}
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
