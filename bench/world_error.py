"""Where a fit's world error comes from (issue 22): split the pelvis error of a motion file against a render's truth.

Input: a render of bench/render_moving.py (VIDEO.npz: truth, true camera) and a motion file of it with the filming
camera (``view_*``, motion file v5 — e.g. ``bench/bench_moving.py --keep DIR``). Prints

- camera frame (the fit's own frame, no world building involved): mean signed and absolute pelvis error along
  x (right), y (down), z (depth along the optical axis); the depth ratio est/true (scale) and its spread;
- body size: the fitted body's rest height and leg length against the truth's (β vs distance ambiguity);
- world (after the 4-DoF alignment of bench/bench_moving.py): error along the true travel, across it and
  vertical; mean error over the first and last third (drift); net travel est / true;
- the chain root → path → path scaled: the mean error with the yaw from the root orientations (the bench's root
  error), from the path's first metre (its path error; the difference is the fitted heading on the first frames,
  ``heading_first_deg``), and with the path also scaled to the true travel (the rest: drift and noise).

    .venv/bin/python bench/world_error.py /tmp/mc/131_03_static.mp4 /tmp/mc/keep/131_03_static.static.npz
"""
from __future__ import annotations

import argparse
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from bench_moving import _rotmats, align_4dof, align_path  # noqa: E402

from core.body.discovery import OPEN_BODY_PATH  # noqa: E402
from core.body.model import load_body_model  # noqa: E402
from core.motion import read_motion  # noqa: E402


def _size(body, betas) -> tuple[float, float]:
    """Rest height head−ankle midpoint and leg length hip→knee→ankle (m) of the body with ``betas``."""
    j = body.rest_joints(torch.as_tensor(np.asarray(betas), dtype=torch.float32)[None])[0].double().numpy()
    leg = np.linalg.norm(j[1] - j[4]) + np.linalg.norm(j[4] - j[7])
    return float(j[15, 1] - (j[7, 1] + j[8, 1]) / 2), float(leg)


@torch.no_grad()
def split(body, motion, truth, align: int = 30) -> dict:
    n = min(len(motion.trans), len(truth["transl"]))
    v = np.asarray(motion.valid[:n], bool)
    f32 = lambda a: torch.as_tensor(np.asarray(a), dtype=torch.float32)  # noqa: E731
    je = body.joints(f32(_rotmats(motion)[:n]), f32(motion.betas)[None].expand(n, -1), f32(motion.trans[:n]))
    jg = body.joints(f32(truth["rotmats"][:n]), f32(truth["betas"])[None].expand(n, -1), f32(truth["transl"][:n]))
    je, jg = je.double().numpy()[:, 0], jg.double().numpy()[:, 0]
    ce = np.einsum("fij,fj->fi", motion.view.R[:n], je) + motion.view.t[:n]
    cg = np.einsum("fij,fj->fi", truth["cam_R"][:n], jg) + truth["cam_t"][:n]
    d = (ce - cg)[v]
    ratio = ce[v, 2] / cg[v, 2]
    he, le = _size(body, motion.betas)
    hg, lg = _size(body, truth["betas"])
    idx = np.flatnonzero(v)
    rot_e, rot_g = _rotmats(motion)[:n, 0].astype(np.float64), np.asarray(truth["rotmats"][:n, 0], np.float64)
    R, t = align_4dof(je[idx[:align]], jg[idx[:align]], rot_e[idx[:align]], rot_g[idx[:align]])
    pe = je @ R.T + t
    along = (jg[idx[-1]] - jg[idx[0]]) * [1, 0, 1]
    along = along / max(np.linalg.norm(along), 1e-9)
    across = np.cross([0.0, 1.0, 0.0], along)
    w = (pe - jg)[v]
    err = np.linalg.norm(w, axis=1)
    k = max(len(err) // 3, 1)
    travel = lambda p: float(np.linalg.norm((p[idx[-1]] - p[idx[0]])[[0, 2]]))  # noqa: E731
    mm = lambda x: round(float(x) * 1000, 1)  # noqa: E731
    yaw = lambda r: float(np.degrees(np.arctan2(r[0, 2], r[0, 0])))  # noqa: E731
    # the chain of alignments: root orientations' yaw → the path's own yaw (the heading error of the first frames)
    # → the path scaled to the true travel (scale) → what is left (drift, noise)
    Rp, tp = align_path(je[idx], jg[idx], align)
    path = np.linalg.norm((je @ Rp.T + tp - jg)[v], axis=1)
    scale = travel(jg) / max(travel(je), 1e-9)
    o = je[idx[:align]].mean(0)
    js = o + (je - o) * [scale, 1.0, scale]
    Rs, ts = align_path(js[idx], jg[idx], align)
    scaled = np.linalg.norm((js @ Rs.T + ts - jg)[v], axis=1)
    return {"cam_signed_mm": [mm(x) for x in d.mean(0)], "cam_abs_mm": [mm(x) for x in np.abs(d).mean(0)],
            "depth_ratio": round(float(ratio.mean()), 4), "depth_ratio_std": round(float(ratio.std()), 4),
            "height_est_true_m": [round(he, 3), round(hg, 3)], "leg_est_true_m": [round(le, 3), round(lg, 3)],
            "world_abs_mm": {"along": mm(np.abs(w @ along).mean()), "across": mm(np.abs(w @ across).mean()),
                             "vertical": mm(np.abs(w[:, 1]).mean())},
            "world_signed_mm": {"along": mm((w @ along).mean()), "across": mm((w @ across).mean()),
                                "vertical": mm(w[:, 1].mean())},
            "world_mean_mm": mm(err.mean()), "first_third_mm": mm(err[:k].mean()), "last_third_mm": mm(err[-k:].mean()),
            "travel_est_true_m": [round(travel(pe), 3), round(travel(jg), 3)],
            "yaw_align_deg": round(yaw(R), 2),
            "heading_first_deg": round(float((yaw(R) - yaw(Rp) + 180) % 360 - 180), 2),
            "chain_mm": {"root": mm(err.mean()), "path": mm(path.mean()), "path_scaled": mm(scaled.mean())},
            "travel_scale": round(scale, 4)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("video")
    ap.add_argument("motion")
    ap.add_argument("--align", type=int, default=30)
    args = ap.parse_args(argv)
    body = load_body_model(OPEN_BODY_PATH)
    truth = dict(np.load(os.path.splitext(args.video)[0] + ".npz"))
    for k, v in split(body, read_motion(args.motion), truth, args.align).items():
        print(f"{k:20s} {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
