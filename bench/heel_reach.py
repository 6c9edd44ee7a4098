"""Can a planted foot reach its anchor? One foot point's depth against its hip's, truth and fit, on one render.

For a video from bench/render_moving.py (``--camera static``; VIDEO.npz truth) the default fit is run twice — with the
foot lock (what ``hkmr infer`` does) and without (``lock_feet=False``) — and per frame the chosen foot point's depth
(camera z, metres) and the hip centre's are printed beside the truth's, with the point's contact flag, BlazePose's own
point-minus-hip depth, and the hip-to-point height. Where the lock pass cannot keep the point still the printout
shows why: the fitted hip travels less than the truth's, or the point would have to be farther from the hip than the
fitted leg reaches (docs/experiments.md, issue 20 session 11).

    .venv/bin/python bench/heel_reach.py VIDEO [--point right_heel] [--frames 0:22] [--plot reach.png]
"""
from __future__ import annotations

import argparse
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from bench_starts import camera_truth, landmarks_for, preprocess  # noqa: E402

from core.body.discovery import OPEN_BODY_PATH  # noqa: E402
from core.body.landmark_points import landmark_points  # noqa: E402
from core.body.model import load_body_model  # noqa: E402
from core.fitting.clip import ClipFitConfig, fit_clip  # noqa: E402
from core.fitting.full_camera import FullCamera  # noqa: E402
from core.detect.landmarks import BLAZEPOSE_NAMES  # noqa: E402
from core.fitting.terms import FOOT_POINTS, HIPS  # noqa: E402
from core.pipeline.start import StartStage, run_start  # noqa: E402

POINTS = ("left_heel", "left_foot_index", "right_heel", "right_foot_index")


def points_of(body, rotmats, betas, transl) -> np.ndarray:
    """(F,24,3,3), (B,), (F,3) → (F,33,3) BlazePose landmark points of the body, camera frame."""
    n = len(rotmats)
    with torch.no_grad():
        return landmark_points(body, torch.as_tensor(np.asarray(rotmats), dtype=torch.float32),
                               torch.as_tensor(np.asarray(betas), dtype=torch.float32).expand(n, -1),
                               torch.as_tensor(np.asarray(transl), dtype=torch.float32)).double().numpy()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("video")
    ap.add_argument("--point", choices=POINTS, default="right_heel")
    ap.add_argument("--frames", default="0:22", help="A:B, the frames to print and plot")
    ap.add_argument("--plot", help="write a PNG: the point's and the hip's depth over the frames")
    args = ap.parse_args(argv)
    a, b = (int(v) for v in args.frames.split(":"))
    body = load_body_model(OPEN_BODY_PATH)
    z = dict(np.load(os.path.splitext(args.video)[0] + ".npz"))
    lm = preprocess(landmarks_for(args.video), ["swap", "lean:12"], None, None, z["K"])  # the default path's
    cam = FullCamera.for_image(*lm.image_size, focal=float(z["K"][0, 0]))
    start = run_start(StartStage(lm, None))
    fits = {name: fit_clip(body, lm, cfg=cfg, camera=cam, init_rotmats=start.rotmats, init_betas=start.betas)
            for name, cfg in (("lock", ClipFitConfig()), ("no lock", ClipFitConfig(lock_feet=False)))}
    n = len(fits["lock"].rotmats)
    rot, betas, transl = camera_truth(body, z)
    truth = points_of(body, rot[:n].numpy(), betas.numpy(), transl[:n].numpy())
    fitted = {k: points_of(body, f.rotmats, f.betas, f.transl) for k, f in fits.items()}
    p = BLAZEPOSE_NAMES.index(args.point)
    k = FOOT_POINTS.index(p)
    hip = lambda pts: pts[:, list(HIPS)].mean(1)  # noqa: E731
    world = lm.world[:n].astype(np.float64)
    mm = lambda v: int(round(1000 * v))  # noqa: E731
    print(f"{os.path.basename(args.video)}, {args.point}: depth (camera z) and hip − point height, mm")
    print("frame | truth: hip z, point − hip z, height | lock: same, planted | no lock: hip z, point z | BlazePose: point − hip z")
    for i in range(a, min(b, n)):
        row = [f"{i:3d} |"]
        for name, pts in (("truth", truth), ("lock", fitted["lock"])):
            h = hip(pts)[i]
            row.append(f"{mm(h[2])} {mm(pts[i, p, 2] - h[2]):+d} {mm(pts[i, p, 1] - h[1])}")
            if name == "lock":
                row.append(f"{int(fits['lock'].point_contacts[i, k])} |")
            else:
                row.append("|")
        row.append(f"{mm(hip(fitted['no lock'])[i, 2])} {mm(fitted['no lock'][i, p, 2])} | {mm(world[i, p, 2] - world[i, list(HIPS), 2].mean()):+d}")
        print(" ".join(row))
    travel = {name: mm(hip(pts)[min(b, n) - 1, 2] - hip(pts)[a, 2]) for name, pts in (("truth", truth), *fitted.items())}
    print("hip depth travel over the frames, mm:", travel)
    if args.plot:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        f = np.arange(a, min(b, n))
        fig, ax = plt.subplots(figsize=(7.5, 4.2), dpi=110)
        for name, pts, style in (("truth", truth, "k"), ("fit, locked", fitted["lock"], "C0"),
                                 ("fit, no lock", fitted["no lock"], "C1")):
            ax.plot(f, pts[f, p, 2], style, lw=2, label=f"{args.point}: {name}")
            ax.plot(f, hip(pts)[f, 2], style, lw=1, ls="--", label=f"hip centre: {name}")
        planted = fits["lock"].point_contacts[f, k]
        ax.fill_between(f, *ax.get_ylim(), where=planted, color="C0", alpha=0.08, step="mid",
                        label="the fit's contact span")
        ax.set_xlabel("frame (30 fps)")
        ax.set_ylabel("depth from the camera, m")
        ax.set_title(f"{os.path.basename(args.video)}: a planted {args.point.replace('_', ' ')} and its hip")
        ax.legend(fontsize=7, loc="upper left")
        fig.tight_layout()
        fig.savefig(args.plot)
        print("wrote", args.plot)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
