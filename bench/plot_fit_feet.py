"""Picture for docs/fitting.md: the left heel of CMU 131_02 — truth, fit with the foot lock, fit without.

Two panels over time (30 fps): the heel's height above the floor (cm) and its horizontal speed (cm/frame);
grey bands = the truth's left-foot contacts. Drawn with OpenCV (no plotting dependency).

    .venv/bin/python bench/plot_fit_feet.py --out docs/img/fit_feet.png
"""
from __future__ import annotations

import argparse
import os
import sys
from dataclasses import replace

import cv2
import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
from bench_fit import truth  # noqa: E402

from core.body.discovery import OPEN_BODY_PATH  # noqa: E402
from core.body.landmark_points import landmark_points  # noqa: E402
from core.body.model import load_body_model  # noqa: E402
from core.detect.simulated import DetectorNoise, simulate_landmarks  # noqa: E402
from core.fitting import contacts as ct  # noqa: E402
from core.fitting.clip import ClipFitConfig, fit_clip  # noqa: E402
from core.fitting.full_camera import FullCamera  # noqa: E402
from core.fitting.terms import FOOT_POINTS  # noqa: E402
from hkmr_blender.base.spans import contact_spans  # noqa: E402

W, H, PAD = 960, 200, 40
COLOURS = {"truth": (30, 30, 30), "fit + lock": (200, 90, 20), "fit, no lock": (40, 40, 220)}


def _heel(body, rot, betas, transl):
    n = len(rot)
    with torch.no_grad():
        pts = landmark_points(body, torch.as_tensor(rot, dtype=torch.float32),
                              torch.as_tensor(betas, dtype=torch.float32).reshape(1, -1).expand(n, -1),
                              torch.as_tensor(transl, dtype=torch.float32))
    return pts[:, FOOT_POINTS[0]].double().numpy()


def _panel(series: dict[str, np.ndarray], bands: np.ndarray, title: str, lo: float, hi: float) -> np.ndarray:
    img = np.full((H + 2 * PAD, W + 2 * PAD, 3), 255, np.uint8)
    n = len(next(iter(series.values())))
    x = PAD + np.arange(n) * W / (n - 1)
    for a, b in contact_spans(bands):
        cv2.rectangle(img, (int(x[a]), PAD), (int(x[b]), PAD + H), (225, 225, 225), -1)
    cv2.rectangle(img, (PAD, PAD), (PAD + W, PAD + H), (120, 120, 120), 1)
    for k, (name, y) in enumerate(series.items()):
        yy = PAD + H - (np.clip(y, lo, hi) - lo) / (hi - lo) * H
        ok = np.isfinite(yy)
        pts = np.stack([x, np.where(ok, yy, 0)], 1).astype(np.int32)
        for i in range(n - 1):
            if ok[i] and ok[i + 1]:
                cv2.line(img, tuple(pts[i]), tuple(pts[i + 1]), COLOURS[name], 2, cv2.LINE_AA)
        cv2.putText(img, name, (PAD + W - 380 + 130 * k, PAD - 10), cv2.FONT_HERSHEY_SIMPLEX, 0.5, COLOURS[name], 1,
                    cv2.LINE_AA)
    cv2.putText(img, title, (PAD, PAD - 10), cv2.FONT_HERSHEY_SIMPLEX, 0.55, (0, 0, 0), 1, cv2.LINE_AA)
    cv2.putText(img, f"{hi:g}", (4, PAD + 5), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (0, 0, 0), 1)
    cv2.putText(img, f"{lo:g}", (4, PAD + H), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (0, 0, 0), 1)
    return img


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clip", default="/work/shared/data/cmu_131/131_02.bvh")
    ap.add_argument("--frames", type=int, default=150)
    ap.add_argument("--out", default="docs/img/fit_feet.png")
    args = ap.parse_args()
    torch.set_num_threads(1)
    body = load_body_model(OPEN_BODY_PATH)
    size = (1280, 720)
    cam = FullCamera.for_image(*size)
    rot, betas, transl, fps = truth(body, args.clip, 30.0, 0.6, 5.0)
    rot, transl = rot[:args.frames], transl[:args.frames]
    n = len(rot)
    lm = simulate_landmarks(body, rot, betas, transl, cam, size, fps, DetectorNoise(), seed=0)
    heels = {"truth": _heel(body, rot, betas, transl)}
    for name, cfg in (("fit + lock", ClipFitConfig()), ("fit, no lock", replace(ClipFitConfig(), lock_feet=False))):
        fit = fit_clip(body, lm, cfg=cfg)
        heels[name] = _heel(body, fit.rotmats, fit.betas, fit.transl)
    gt_feet = landmark_points(body, rot, betas.expand(n, -1), transl)[:, list(FOOT_POINTS)].detach().double().numpy()
    floor = ct.estimate_floor(gt_feet, np.ones(n, bool), ct.TRUTH_CONTACTS)
    bands = ct.foot_contacts(ct.point_contacts(gt_feet, np.ones(n, bool), fps, floor, ct.TRUTH_CONTACTS))[:, 0]
    up = floor.normal
    height = {k: (floor.height(v) - floor.height(heels["truth"]).min()) * 100 for k, v in heels.items()}
    speed = {}
    for k, v in heels.items():
        step = np.diff(v, axis=0)
        step -= (step @ up)[:, None] * up
        speed[k] = np.r_[np.nan, np.linalg.norm(step, axis=1) * 100]
    img = np.concatenate([_panel(height, bands, "left heel height above the floor, cm (grey: truth's contacts)", -2, 20),
                          _panel(speed, bands, "left heel horizontal speed, cm/frame at 30 fps", 0, 6)])
    cv2.imwrite(args.out, img, [cv2.IMWRITE_PNG_COMPRESSION, 9])
    print(f"wrote {args.out} ({os.path.getsize(args.out) / 1024:.0f} KB)")


if __name__ == "__main__":
    main()
