"""The vendored real walk's legs in the image: the detector's landmarks and two clip fits (issue 20).

The default path's landmarks and keypoint start (as tests/core/fitting/test_priors_real.py builds them), the clip
fit with ``--set`` A and B (ClipFitConfig fields), their leg landmarks projected on frames ``--frames`` (cropped
around the person): detector white, A blue, B red. Prints per fit the right/left knee angle on those frames and the
mean 2D error of the knee and ankle landmarks (% of the clip's 2D torso length).

    python bench/plot_walk_legs.py --b pose_prior=shipped --frames 9 11 13 15 --out docs/img/vae_walk_knee.jpg
"""
from __future__ import annotations

import argparse
import os
import sys
from dataclasses import replace

import cv2
import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from core.assets import REAL_DEMO_CLIP  # noqa: E402
from core.body.discovery import OPEN_BODY_PATH  # noqa: E402
from core.body.landmark_points import landmark_points  # noqa: E402
from core.body.model import load_body_model  # noqa: E402
from core.detect.blazepose import DetectorOptions, detect_frames  # noqa: E402
from core.detect.swaps import fix_swaps  # noqa: E402
from core.detect.world_lean import level_world  # noqa: E402
from core.fitting.clip import ClipFitConfig, fit_clip  # noqa: E402
from core.inference.sources import open_source  # noqa: E402
from core.pipeline.start import StartStage, run_start  # noqa: E402

#: BlazePose leg segments: hip–knee–ankle–heel–toe–ankle per side
LEGS = [(24, 26), (26, 28), (28, 30), (30, 32), (28, 32), (23, 25), (25, 27), (27, 29), (29, 31), (27, 31)]
COLOURS = {"detector": (255, 255, 255), "A": (255, 120, 0), "B": (0, 0, 255)}


def _cfg(pairs: list[str]) -> ClipFitConfig:
    base = ClipFitConfig()
    kv = dict(p.split("=", 1) for p in pairs)
    return replace(base, **{k: (v.lower() in ("1", "true")) if isinstance(getattr(base, k), bool)
                            else type(getattr(base, k))(v) for k, v in kv.items()})


def _knee_angle(j: np.ndarray, hip: int, knee: int, ankle: int) -> np.ndarray:
    a, b = j[:, knee] - j[:, hip], j[:, ankle] - j[:, knee]
    cos = (a * b).sum(-1) / np.linalg.norm(a, axis=-1) / np.linalg.norm(b, axis=-1)
    return np.degrees(np.arccos(cos.clip(-1, 1)))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--a", nargs="*", default=[], help="fit A's ClipFitConfig overrides (default: the default fit)")
    ap.add_argument("--b", nargs="*", default=["pose_prior=shipped"], help="fit B's overrides")
    ap.add_argument("--frames", type=int, nargs="+", default=[9, 11, 13, 15])
    ap.add_argument("--out", required=True)
    a = ap.parse_args(argv)
    torch.set_num_threads(1)
    src = open_source(str(REAL_DEMO_CLIP))
    lm = level_world(fix_swaps(detect_frames(src.frames(), DetectorOptions(), fps=src.info.fps)).landmarks)
    st = run_start(StartStage(lm, None))
    body = load_body_model(OPEN_BODY_PATH)
    px = {}
    for name, pairs in (("A", a.a), ("B", a.b)):
        fit = fit_clip(body, lm, cfg=_cfg(pairs), init_rotmats=st.rotmats, init_betas=st.betas)
        rot = torch.as_tensor(fit.rotmats)
        betas = torch.as_tensor(fit.betas, dtype=torch.float32)[None].expand(len(rot), -1)
        with torch.no_grad():
            j = body.joints(rot, betas).numpy()
            pts = landmark_points(body, rot, betas) + torch.as_tensor(fit.transl, dtype=torch.float32)[:, None]
            px[name] = fit.camera.project(pts).numpy()
        err = np.linalg.norm(px[name] - lm.points2d, axis=-1) / fit.torso_px * 100
        ok = lm.found
        print(f"{name} {' '.join(pairs) or 'default'}: knee angle R/L on frames {a.frames}: "
              f"{np.round(_knee_angle(j, 2, 5, 8)[a.frames]).astype(int).tolist()} / "
              f"{np.round(_knee_angle(j, 1, 4, 7)[a.frames]).astype(int).tolist()} °; 2D error knee R/L "
              f"{err[ok, 26].mean():.1f}/{err[ok, 25].mean():.1f}, ankle R/L {err[ok, 28].mean():.1f}/"
              f"{err[ok, 27].mean():.1f} % torso")
    frames = {i: rgb for i, rgb in open_source(str(REAL_DEMO_CLIP)).frames() if i in a.frames}
    tiles = []
    for fr in a.frames:
        img = np.ascontiguousarray(frames[fr][..., ::-1])                 # RGB → BGR for OpenCV
        for name, p in (("detector", lm.points2d), ("A", px["A"]), ("B", px["B"])):
            for i, k in LEGS:
                cv2.line(img, tuple(np.round(p[fr, i]).astype(int)), tuple(np.round(p[fr, k]).astype(int)),
                         COLOURS[name], 1, cv2.LINE_AA)
        cx, cy = lm.points2d[fr, [23, 24]].mean(0).astype(int)
        tile = cv2.resize(img[max(cy - 40, 0):cy + 150, max(cx - 70, 0):cx + 70], None, fx=2, fy=2,
                          interpolation=cv2.INTER_CUBIC)
        tiles.append(cv2.putText(tile, f"frame {fr}", (5, 25), 0, 0.7, (0, 255, 255), 2))
    h = min(t.shape[0] for t in tiles)
    cv2.imwrite(a.out, np.hstack([t[:h] for t in tiles]), [cv2.IMWRITE_JPEG_QUALITY, 85])
    return 0


if __name__ == "__main__":
    sys.exit(main())
