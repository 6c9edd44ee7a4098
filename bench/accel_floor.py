"""How much of a render's acceleration error is the truth's own high-frequency motion (issue 20).

For each static-camera render (bench/render_moving.py: VIDEO.npz truth) the mean acceleration of the truth's 24
joints (mm/frame²), and the acceleration error of the truth itself filtered over time by a Gaussian of σ frames
against the raw truth — what a fit that got the motion exactly right and then smoothed it like the fit's output
filter (σ 1 frame) would score. No fit runs here.

    .venv/bin/python bench/accel_floor.py runs/choose/003_01.npz runs/rs/131_02_side.npz …
"""
from __future__ import annotations

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


def main(argv: list[str] | None = None) -> int:
    paths = sys.argv[1:] if argv is None else argv
    torch.set_num_threads(1)
    body = load_body_model(OPEN_BODY_PATH)
    for path in paths:
        rot, betas, transl = camera_truth(body, dict(np.load(path)))
        with torch.no_grad():
            j = body.joints(rot, betas.expand(len(rot), -1), transl).double().numpy()
        row = [f"{os.path.basename(path)}: truth |a| {np.linalg.norm(_acc(j), axis=-1).mean() * 1000:.2f} mm/frame²"]
        for s in (0.5, 1.0, 2.0):
            js = gaussian_filter1d(j, s, axis=0, mode="nearest")
            err = np.linalg.norm(_acc(js) - _acc(j), axis=-1).mean() * 1000
            row.append(f"σ {s}: |a| {np.linalg.norm(_acc(js), axis=-1).mean() * 1000:.2f}, err vs raw {err:.2f}")
        print("  ".join(row), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
