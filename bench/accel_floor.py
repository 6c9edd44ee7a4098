"""How much of a render's acceleration error is the truth's own high-frequency motion (issue 20).

For each static-camera render (bench/render_moving.py: VIDEO.npz truth) the mean acceleration of the truth's 24
joints (mm/frame²), and the acceleration error of the truth itself filtered over time by a Gaussian of σ frames
against the raw truth — what a fit that got the motion exactly right and then smoothed it like the fit's output
filter (σ 1 frame) would score. The truth's own mean |a| is also what a still (zero-acceleration) output scores:
the two bound the accel goal from both sides. Camera frame and pelvis-centred (bench_fit's two columns); the last
line is the frame-weighted mean over all files. No fit runs here.

    .venv/bin/python bench/accel_floor.py /work/assets/rs/*.npz /work/assets/eval6/*.npz
"""
from __future__ import annotations

import argparse
import os
import sys

import numpy as np
import torch
from scipy.ndimage import gaussian_filter1d

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from bench_starts import camera_truth  # noqa: E402

from core.body.discovery import OPEN_BODY_PATH  # noqa: E402
from core.body.model import load_body_model  # noqa: E402


def _acc(x: np.ndarray) -> np.ndarray:
    return x[2:] - 2 * x[1:-1] + x[:-2]


#: Gaussian σ (frames) of the filtered copies; the fit's output filter is σ 1 (ClipFitConfig.output_smoothing).
SIGMAS = (0.5, 1.0, 2.0)


def floor_row(j: np.ndarray) -> dict[str, float]:
    """j (F,24,3) truth joints (m): the truth's mean |a| and the error of its σ-filtered copy (mm/frame²), in the
    camera frame and pelvis-centred."""
    row = {}
    for frame, x in (("camera", j), ("pelvis", j - j[:, :1])):
        row[f"{frame} |a|"] = float(np.linalg.norm(_acc(x), axis=-1).mean() * 1000)
        for s in SIGMAS:
            xs = gaussian_filter1d(x, s, axis=0, mode="nearest")
            row[f"{frame} σ{s}"] = float(np.linalg.norm(_acc(xs) - _acc(x), axis=-1).mean() * 1000)
    return row


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("truth", nargs="+", help="render truth files (VIDEO.npz from bench/render_moving.py)")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    body = load_body_model(OPEN_BODY_PATH)
    rows, frames = [], []
    for path in args.truth:
        if not os.path.isfile(path):
            ap.error(f"{path}: no such truth file (pass the renders' VIDEO.npz)")
        rot, betas, transl = camera_truth(body, dict(np.load(path)))
        with torch.no_grad():
            j = body.joints(rot, betas.expand(len(rot), -1), transl).double().numpy()
        rows.append(floor_row(j))
        frames.append(len(j) - 2)
        print(f"{os.path.basename(path)}: " + "  ".join(f"{k} {v:.2f}" for k, v in rows[-1].items()), flush=True)
    w = np.asarray(frames, float) / sum(frames)
    print(f"all {len(rows)} files, {sum(frames)} frames (frame-weighted): "
          + "  ".join(f"{k} {sum(r[k] * x for r, x in zip(rows, w)):.2f}" for k in rows[0]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
