"""Where a fit variant loses one joint: the frames of a render on which it is worst against the default fit (issue 20).

Fits a static-camera render (bench/render_moving.py) twice from the default path's start and preprocessing (keypoint
start, ``swap lean:12``): the default fit and a variant (``--prior`` pose VAE and/or ``--set`` overrides). Picks the
``--frames`` frames where the variant's error of ``--joint`` (camera frame, pelvis-aligned, mm) exceeds the default's
most, and draws each as two panels: the video frame with the three skeletons projected (truth green, default blue,
variant red) and the same skeletons pelvis-aligned, seen from the side (the camera's depth to the right).

    .venv/bin/python bench/plot_prior_frames.py runs/choose/003_02_diag.mp4 --prior runs/prior/full_v4.pt \\
        --joint left_ankle --out docs/img/prior_ankle.png
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
from bench_starts import render_case  # noqa: E402

from core.body.discovery import OPEN_BODY_PATH  # noqa: E402
from core.body.model import load_body_model  # noqa: E402
from core.fitting.clip import ClipFitConfig, fit_clip  # noqa: E402
from core.inference.sources import open_source  # noqa: E402
from core.pipeline.start import StartStage, run_start  # noqa: E402

COLOURS = {"truth": (60, 200, 60), "default": (230, 120, 40), "variant": (40, 40, 230)}  # BGR


def _set(cfg: ClipFitConfig, pairs: list[str]) -> ClipFitConfig:
    for k, v in (kv.split("=", 1) for kv in pairs):
        cfg = replace(cfg, **{k: type(getattr(cfg, k))(v)})
    return cfg


def _draw(img, pts2d, parents, colour, thick=2):
    for j, p in enumerate(parents):
        if p >= 0:
            a, b = tuple(int(v) for v in pts2d[j]), tuple(int(v) for v in pts2d[p])
            cv2.line(img, a, b, colour, thick, cv2.LINE_AA)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("video")
    ap.add_argument("--prior", default=None)
    ap.add_argument("--set", nargs="*", default=[])
    ap.add_argument("--joint", default="left_ankle")
    ap.add_argument("--frames", type=int, default=3)
    ap.add_argument("--out", required=True)
    a = ap.parse_args(argv)
    torch.set_num_threads(1)
    body = load_body_model(OPEN_BODY_PATH)
    z, rot, betas, transl, lm, cam = render_case(body, a.video, ["swap", "lean:12"])
    n = len(rot)
    st = run_start(StartStage(lm, None))
    kw = dict(camera=cam, init_rotmats=st.rotmats, init_betas=st.betas)
    prior = None
    if a.prior:
        from core.fitting.prior import VAEPrior, load_pose_vae
        prior = VAEPrior(load_pose_vae(a.prior))
    fits = {"default": fit_clip(body, lm, **kw), "variant": fit_clip(body, lm, prior=prior,
                                                                     cfg=_set(ClipFitConfig(), a.set), **kw)}
    with torch.no_grad():
        J = {"truth": body.joints(rot, betas.expand(n, -1), transl).double().numpy()}
        for k, f in fits.items():
            J[k] = body.joints(torch.as_tensor(f.rotmats), torch.as_tensor(f.betas, dtype=torch.float32).expand(n, -1),
                               torch.as_tensor(f.transl, dtype=torch.float32)).double().numpy()
    ji = body.joint_names.index(a.joint)
    rel = {k: v - v[:, :1] for k, v in J.items()}
    err = {k: np.linalg.norm(rel[k][:, ji] - rel["truth"][:, ji], axis=-1) * 1000 for k in fits}
    print(f"{a.joint} pelvis-aligned error, mean over frames: default {err['default'].mean():.1f} mm, variant "
          f"{err['variant'].mean():.1f} mm")
    picks = np.argsort(err["default"] - err["variant"])[: a.frames]
    parents = [int(p) for p in body.parents]
    frames = dict(open_source(a.video).frames())  # RGB
    K = z["K"]
    rows = []
    for f in sorted(picks):
        img = np.ascontiguousarray(frames[int(f)][..., ::-1])
        for k in ("truth", "default", "variant"):
            p = J[k][f]
            _draw(img, p[:, :2] / p[:, 2:] * K[0, 0] + K[:2, 2], parents, COLOURS[k])
        hip = J["truth"][f, 0, :2] / J["truth"][f, 0, 2:] * K[0, 0] + K[:2, 2]
        x0, y0 = int(np.clip(hip[0] - 200, 0, img.shape[1] - 400)), int(np.clip(hip[1] - 250, 0, img.shape[0] - 450))
        crop = img[y0:y0 + 450, x0:x0 + 400].copy()
        side = np.full((450, 400, 3), 255, np.uint8)
        for k in ("truth", "default", "variant"):
            q = rel[k][f]
            _draw(side, np.stack([200 + q[:, 2] * 220, 200 + q[:, 1] * 220], -1), parents, COLOURS[k])
        cv2.putText(crop, f"frame {f}: {a.joint} default {err['default'][f]:.0f} mm, variant {err['variant'][f]:.0f} mm",
                    (5, 20), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (0, 0, 0), 1, cv2.LINE_AA)
        cv2.putText(side, "side view (depth to the right)", (5, 20), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (0, 0, 0), 1)
        rows.append(np.hstack([crop, side]))
        print(f"frame {f}: {a.joint} default {err['default'][f]:.0f} mm, variant {err['variant'][f]:.0f} mm")
    cv2.imwrite(a.out, np.vstack(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
