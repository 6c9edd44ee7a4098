"""BlazePose's lean away from the camera, per render: what :data:`core.detect.world_lean.WORLD_LEAN_DEG` corrects.

For each video from bench/render_moving.py (``--camera static``; VIDEO.npz truth) the landmarks of the default
detector (bench_starts' cache, so the mirror pass is included) are compared with the truth's landmark points in the
camera frame: the torso's up direction (mid-hip → mid-shoulder) as a pitch about the camera's x axis (+: its top
away from the camera), BlazePose's world landmarks (before any correction) minus the truth's, median and
interquartile range over the frames with a person; beside it the camera's height above the pelvis and its elevation
seen from the pelvis (+: looking down on the person).

    .venv/bin/python bench/lean_bias.py CHOOSE/*.mp4 [--plot lean.png]
"""
from __future__ import annotations

import argparse
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from bench_starts import camera_truth, landmarks_for  # noqa: E402

from core.body.discovery import OPEN_BODY_PATH  # noqa: E402
from core.body.landmark_points import landmark_points  # noqa: E402
from core.body.model import load_body_model  # noqa: E402
from core.detect.world_lean import torso_lean  # noqa: E402
from core.fitting.terms import HIPS  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("videos", nargs="+")
    ap.add_argument("--plot", help="write a PNG: each video's median lean against the camera's elevation")
    args = ap.parse_args(argv)
    body = load_body_model(OPEN_BODY_PATH)
    biases, elevations = [], []
    for video in args.videos:
        z = dict(np.load(os.path.splitext(video)[0] + ".npz"))
        rot, betas, transl = camera_truth(body, z)
        lm = landmarks_for(video)
        n = min(lm.num_frames, len(rot))
        found = np.asarray(lm.found[:n], bool)
        with torch.no_grad():
            truth = landmark_points(body, rot[:n], betas.expand(n, -1), transl[:n]).double().numpy()
        bias = (torso_lean(lm.world[:n].astype(np.float64)) - torso_lean(truth))[found]
        R, t = z["cam_R"][0], z["cam_t"][0]                      # world (Y up) → camera
        centre = -R.T @ t
        pelvis = (truth[:, list(HIPS)].mean(1) - t) @ R           # camera → world
        above = centre[1] - pelvis[:, 1]
        elevation = np.degrees(np.arctan2(above, np.linalg.norm((centre - pelvis)[:, [0, 2]], axis=1)))
        biases.append(float(np.median(bias)))
        elevations.append(float(np.median(elevation)))
        print(f"{os.path.basename(video):22s} camera {centre[1]:.2f} m, {np.median(above):+.2f} m above the pelvis, "
              f"elevation {np.median(elevation):+5.1f}° | lean bias median {biases[-1]:+5.1f}°, "
              f"IQR {np.subtract(*np.percentile(bias, [75, 25])):.1f}°")
    if len(biases) > 1:
        print(f"over {len(biases)} videos: median {np.median(biases):+.1f}°, mean {np.mean(biases):+.1f}°")
    if args.plot:
        _plot(args.videos, elevations, biases, args.plot)
    return 0


def _plot(videos: list[str], elevations: list[float], biases: list[float], path: str) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(7, 4.2), dpi=110)
    ax.scatter(elevations, biases, color="tab:blue")
    for v, x, y in zip(videos, elevations, biases):
        ax.annotate(os.path.splitext(os.path.basename(v))[0], (x, y), fontsize=6, xytext=(3, 2),
                    textcoords="offset points")
    ax.axhline(12.0, color="tab:red", ls="--", lw=1, label="the correction the default path applies (12°)")
    ax.axhline(float(np.median(biases)), color="tab:gray", ls=":", lw=1, label="median over these renders")
    ax.set_ylim(min(biases) - 2.0, max(max(biases), 12.0) + 2.0)
    ax.set_xlabel("camera elevation seen from the pelvis (°; + looking down)")
    ax.set_ylabel("BlazePose's lean away from the camera (°)")
    ax.legend(fontsize=7, loc="lower right")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)


if __name__ == "__main__":
    sys.exit(main())
