"""Top view of the world path, truth vs estimate (issue 22): PNG from bench_moving's kept motion files.

    .venv/bin/python bench/plot_world_path.py /tmp/mc/131_03_follow.npz OUT/131_03_follow.static.npz \\
        OUT/131_03_follow.auto.npz --out docs/img/moving_camera_131_03.png

Pelvis of the truth (black), each estimate (colours) after the same 4-DoF alignment on the first 30 valid
frames as bench/bench_moving.py (``--yaw path``: its path error's alignment); the camera's centre per frame (thin, truth grey / estimate dotted) where known.
"""
from __future__ import annotations

import argparse
import os
import sys

import cv2
import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_moving import _rotmats, align_4dof, align_path  # noqa: E402

from core.body.discovery import OPEN_BODY_PATH  # noqa: E402
from core.body.model import load_body_model  # noqa: E402
from core.motion import read_motion  # noqa: E402

COLOURS = [(40, 40, 220), (30, 160, 30), (200, 120, 20), (160, 40, 160)]


@torch.no_grad()
def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("truth")
    ap.add_argument("motions", nargs="+")
    ap.add_argument("--align", type=int, default=30)
    ap.add_argument("--out", required=True)
    ap.add_argument("--title", default="")
    ap.add_argument("--labels", nargs="+", help="legend names of the motion files (default: their mode)")
    ap.add_argument("--yaw", choices=("root", "path"), default="root",
                    help="alignment yaw: from the root orientations (bench_moving's root error) or the path's "
                    "first metre (its path error)")
    args = ap.parse_args(argv)
    body = load_body_model(OPEN_BODY_PATH)
    z = np.load(args.truth)
    n = len(z["transl"])
    jg = body.joints(torch.as_tensor(z["rotmats"], dtype=torch.float32),
                     torch.as_tensor(z["betas"], dtype=torch.float32)[None].expand(n, -1),
                     torch.as_tensor(z["transl"], dtype=torch.float32))[:, 0].double().numpy()
    cams = np.einsum("fji,fj->fi", z["cam_R"], -z["cam_t"])
    paths = [("truth", jg, None)]
    for j, p in enumerate(args.motions):
        m = read_motion(p)
        k = min(n, m.num_frames)
        je = body.joints(torch.as_tensor(_rotmats(m)[:k], dtype=torch.float32),
                         torch.as_tensor(m.betas, dtype=torch.float32)[None].expand(k, -1),
                         torch.as_tensor(m.trans[:k], dtype=torch.float32))[:, 0].double().numpy()
        idx = np.flatnonzero(m.valid[:k])[:args.align]
        if args.yaw == "root":
            R, t = align_4dof(je[idx], jg[idx], _rotmats(m)[idx, 0], z["rotmats"][idx, 0])
        else:
            ok = np.flatnonzero(m.valid[:k])
            R, t = align_path(je[ok], jg[ok], args.align)
        cam = None
        if m.view is not None and np.ptp(m.view.t, axis=0).max() > 1e-9:
            cam = np.einsum("fji,fj->fi", m.view.R[:k], -m.view.t[:k]) @ R.T + t
        name = args.labels[j] if args.labels and j < len(args.labels) else os.path.basename(p).split(".")[-2]
        paths.append((name, je @ R.T + t, cam))
    pts = np.concatenate([jg, cams] + [q for _, q, _ in paths[1:]] + [c for _, _, c in paths[1:] if c is not None])[:, [0, 2]]
    lo, hi = pts.min(0) - 0.5, pts.max(0) + 0.5
    size = 900
    scale = (size - 80) / float(max(hi - lo))
    img = np.full((size, size, 3), 255, np.uint8)
    to_px = lambda q: np.round((q[:, [0, 2]] - lo) * scale + 40).astype(np.int32)  # noqa: E731
    for g in np.arange(np.floor(lo[0]), hi[0] + 1):                              # 1 m grid
        x = int((g - lo[0]) * scale + 40)
        cv2.line(img, (x, 0), (x, size), (235, 235, 235), 1)
    for g in np.arange(np.floor(lo[1]), hi[1] + 1):
        y = int((g - lo[1]) * scale + 40)
        cv2.line(img, (0, y), (size, y), (235, 235, 235), 1)
    cv2.polylines(img, [to_px(cams)], False, (170, 170, 170), 2, cv2.LINE_AA)
    for i, (name, q, cam) in enumerate(paths):
        col = (0, 0, 0) if i == 0 else COLOURS[(i - 1) % len(COLOURS)]
        cv2.polylines(img, [to_px(q)], False, col, 3 if i == 0 else 2, cv2.LINE_AA)
        if cam is not None:
            for p in to_px(cam)[::4]:
                cv2.circle(img, tuple(int(v) for v in p), 2, col, -1)
        cv2.putText(img, name, (20, 30 + 28 * i), cv2.FONT_HERSHEY_SIMPLEX, 0.8, col, 2, cv2.LINE_AA)
    cv2.putText(img, "camera truth (grey) / estimate (dots); grid 1 m; top view", (20, size - 20),
                cv2.FONT_HERSHEY_SIMPLEX, 0.6, (90, 90, 90), 1, cv2.LINE_AA)
    if args.title:
        cv2.putText(img, args.title, (20, size - 50), cv2.FONT_HERSHEY_SIMPLEX, 0.7, (0, 0, 0), 2, cv2.LINE_AA)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    cv2.imwrite(args.out, img, [cv2.IMWRITE_PNG_COMPRESSION, 9])
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
