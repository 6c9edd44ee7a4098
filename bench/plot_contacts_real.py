"""Picture for docs/experiments.md (issue 20): a planted foot on real-detector footage, before and after.

A render of real mocap with truth (bench/render_moving.py --camera static), BlazePose's landmarks (cached by
bench/bench_starts.py), the default path's preprocessing (swaps, lean), and two fits: "before" (contact speed
counted in full along the camera ray, no output filter: main before issue 20's third session) and "after" (the
defaults). The frame where the before-fit's planted foot has drifted furthest from where the truth's stands:
left, the frame with the skeletons drawn over it (truth green, before red, after blue); right, seen from above
(x right, depth up), that foot's heel over its contact span: truth (a still point), before and after.
Drawn with OpenCV.

    .venv/bin/python bench/plot_contacts_real.py /tmp/rs/VIDEO.mp4 --out docs/img/contacts_real.png
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
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from bench_starts import render_case, truth_planted  # noqa: E402

from core.body.discovery import OPEN_BODY_PATH  # noqa: E402
from core.body.landmark_points import landmark_points  # noqa: E402
from core.body.model import load_body_model  # noqa: E402
from core.fitting import contacts as ct  # noqa: E402
from core.fitting.clip import ClipFitConfig, fit_clip  # noqa: E402
from core.fitting.terms import FOOT_POINTS  # noqa: E402
from core.pipeline.start import StartStage, run_start  # noqa: E402

BONES = ((11, 13), (13, 15), (12, 14), (14, 16), (11, 12), (23, 24), (11, 23), (12, 24), (23, 25), (25, 27),
         (27, 29), (29, 31), (24, 26), (26, 28), (28, 30), (30, 32))
COLOURS = {"truth": (60, 200, 60), "before": (60, 60, 230), "after": (230, 120, 40)}  # BGR


def _points(body, rot, betas, transl) -> np.ndarray:
    n = len(rot)
    with torch.no_grad():
        return landmark_points(body, torch.as_tensor(rot, dtype=torch.float32),
                               torch.as_tensor(betas, dtype=torch.float32).reshape(1, -1).expand(n, -1),
                               torch.as_tensor(transl, dtype=torch.float32)).double().numpy()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("video")
    ap.add_argument("--out", default="docs/img/contacts_real.png")
    args = ap.parse_args()
    torch.set_num_threads(1)
    body = load_body_model(OPEN_BODY_PATH)
    z, rot, betas, transl, lm, cam = render_case(body, args.video, ["swap", "lean:12"])
    n = len(rot)
    st = run_start(StartStage(lm, None))
    after_cfg = ClipFitConfig()
    before_cfg = replace(after_cfg, output_smoothing=0.0, contact=replace(after_cfg.contact, ray_weight=1.0))
    pts = {"truth": _points(body, rot, betas, transl)}
    for name, cfg in (("before", before_cfg), ("after", after_cfg)):
        fit = fit_clip(body, lm, camera=cam, init_rotmats=st.rotmats, init_betas=st.betas, cfg=cfg)
        pts[name] = _points(body, fit.rotmats, fit.betas, fit.transl)
    feet = pts["truth"][:, list(FOOT_POINTS)]
    planted = truth_planted(z, feet)
    # the heel (points 0: left, 2: right) whose before-fit position has left the truth's span start furthest
    best = (0.0, 0, 0, 0, 0)
    for k in (0, 2):
        for a, b in ct.contact_spans(planted[:, k]):
            drift = np.linalg.norm(pts["before"][a:b + 1, FOOT_POINTS[k]] - pts["before"][a, FOOT_POINTS[k]], axis=-1)
            i = int(np.argmax(drift))
            if drift[i] > best[0]:
                best = (float(drift[i]), k, a, b, a + i)
    drift, k, a, b, frame = best
    cap = cv2.VideoCapture(args.video)
    cap.set(cv2.CAP_PROP_POS_FRAMES, frame)
    ok, img = cap.read()
    if not ok:
        raise SystemExit(f"{args.video}: cannot read frame {frame}")
    for name, p in pts.items():
        px = p[frame, :, :2] / p[frame, :, 2:] * cam.focal + (cam.cx, cam.cy)
        for i, j in BONES:
            cv2.line(img, tuple(int(v) for v in px[i]), tuple(int(v) for v in px[j]), COLOURS[name], 2, cv2.LINE_AA)
    cv2.putText(img, f"{os.path.basename(args.video)} frame {frame}: truth / before / after", (10, 26),
                cv2.FONT_HERSHEY_SIMPLEX, 0.7, (255, 255, 255), 2, cv2.LINE_AA)
    # top view of the heel over its contact span: x right, depth (z) up, scaled to show every track
    h = img.shape[0]
    top = np.full((h, h, 3), 255, np.uint8)
    heel = FOOT_POINTS[k]
    every = np.concatenate([p[a:b + 1, heel][:, [0, 2]] for p in pts.values()])
    centre = (every.min(0) + every.max(0)) / 2
    scale = min(500.0, 0.7 * h / max(float((every.max(0) - every.min(0)).max()), 1e-3))  # px per metre
    for name, p in pts.items():
        xz = (p[a:b + 1, heel][:, [0, 2]] - centre) * scale
        uv = np.stack([h / 2 + xz[:, 0], h / 2 - xz[:, 1]], 1).astype(int)
        for q0, q1 in zip(uv[:-1], uv[1:]):
            cv2.line(top, tuple(q0), tuple(q1), COLOURS[name], 2, cv2.LINE_AA)
        cv2.circle(top, tuple(uv[frame - a]), 5, COLOURS[name], -1, cv2.LINE_AA)
        step = np.linalg.norm(np.diff(p[a:b + 1, heel], axis=0), axis=-1).mean() * 1000
        cv2.putText(top, f"{name}: {step:.1f} mm/frame", (10, 26 + 26 * list(pts).index(name)),
                    cv2.FONT_HERSHEY_SIMPLEX, 0.6, COLOURS[name], 2, cv2.LINE_AA)
    side = "left" if k == 0 else "right"
    cv2.putText(top, f"{side} heel from above, frames {a}-{b} (planted)", (10, h - 36), cv2.FONT_HERSHEY_SIMPLEX,
                0.5, (0, 0, 0), 1, cv2.LINE_AA)
    cv2.putText(top, "x right, depth up; bar = 10 cm", (10, h - 14), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 0), 1,
                cv2.LINE_AA)
    cv2.line(top, (h - 20 - int(0.1 * scale), h - 20), (h - 20, h - 20), (0, 0, 0), 2)
    cv2.imwrite(args.out, np.hstack([img, top]))
    print(f"wrote {args.out}: frame {frame}, {side} heel, span {a}-{b}, before drifted {drift * 1000:.0f} mm")


if __name__ == "__main__":
    main()
