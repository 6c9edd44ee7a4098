"""The keypoint model as the clip fit's initialisation: error and time with and without it.

On detector-on-render clips with known truth (``training.keypoints.detect_renders``; BlazePose's own output on
held-out renders), for each clip: the regressor alone, then :func:`core.fitting.clip.fit_clip` from its default
start (neutral pose turned like the torso, shape from bone lengths) and from the keypoint model's rotations and
(median) betas, each at a few iteration budgets. Scores: MPJPE / PA-MPJPE (mm, LSP-14, hip-aligned) against the
rendered truth, wall seconds per clip (same process, interleaved, so both see the same machine load).

    .venv/bin/python bench/bench_fit_init.py --test data/kp/test/detections.npz --clips 6
    .venv/bin/python bench/bench_fit_init.py --video core/assets/walk.mp4 --frames 120   # real clip: no 3D truth,
                                                          # the fit's own 2D reprojection error and time only
"""
from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from core.body.model import load_body_model
from core.detect.landmarks import Landmarks
from core.fitting.clip import ClipFitConfig, fit_clip
from core.inference.keypoint_regressor import KEYPOINT_MODEL_PATH, load_keypoint_model, regress_landmarks
from core.model.keypoint_input import landmark_box
from training.keypoints.evaluate import frame_errors

#: (label, start_iterations, iterations, lock_iterations); the first is the fit's default
_D = ClipFitConfig()
BUDGETS = ((f"default {_D.start_iterations}/{_D.iterations}/{_D.lock_iterations}", _D.start_iterations, _D.iterations,
            _D.lock_iterations), ("30/30/15", 30, 30, 15), ("half 15/15/8", 15, 15, 8), ("quarter 8/8/4", 8, 8, 4),
           ("no start 0/15/8", 0, 15, 8))


def clip_landmarks(det: dict, rows: np.ndarray, protocol: str = "none") -> Landmarks:
    """Rows of a detections npz → :class:`Landmarks` (30 fps, the renders' square image)."""
    p = lambda k: det[f"{protocol}/{k}"][rows]  # noqa: E731
    size = tuple(int(v) for v in det["image_size"])
    return Landmarks(p("points2d"), p("visibility"), p("visibility"), p("world"), landmark_box(p("points2d")),
                     p("found"), size, np.arange(len(rows)), 30.0)


def real_clip(body, model, path: str, frames: int) -> None:
    """A real video: BlazePose, then each budget with and without the keypoint start; 2D error and time."""
    import itertools

    from core.detect.blazepose import detect_frames
    from core.inference.sources import open_source

    src = open_source(path)
    lm = detect_frames(itertools.islice(src.frames(), frames), fps=src.info.fps)
    t = time.perf_counter()
    est = regress_landmarks(model, lm)
    t_reg = time.perf_counter() - t
    print(f"{path}: {lm.num_frames} frames {src.info.width}×{src.info.height}, person found in {lm.found.sum()}\n")
    print("| method | 2D reprojection (% torso) | seconds |\n|---|---|---|")
    print(f"| regressor alone | — | {t_reg:.2f} |")
    for label, s, it, lk in BUDGETS:
        for init in (False, True):
            t = time.perf_counter()
            cfg = ClipFitConfig(start_iterations=s, network_start_iterations=s, iterations=it, lock_iterations=lk)
            fit = fit_clip(body, lm, cfg=cfg,
                           init_rotmats=est.rotmats if init else None,
                           init_betas=np.median(est.betas[lm.found], 0) if init else None)
            sec = time.perf_counter() - t + (t_reg if init else 0.0)
            print(f"| fit {label} {'from keypoint model' if init else 'default start'} | "
                  f"{100 * np.nanmean(fit.reprojection):.1f} | {sec:.2f} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--test", help="detections npz (training.keypoints.detect_renders)")
    ap.add_argument("--video", help="a real clip instead (no 3D truth)")
    ap.add_argument("--frames", type=int, default=120, help="frames of --video")
    ap.add_argument("--checkpoint", default=str(KEYPOINT_MODEL_PATH))
    ap.add_argument("--clips", type=int, default=6)
    ap.add_argument("--protocol", default="none")
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    body, model = load_body_model(), load_keypoint_model(a.checkpoint)
    if a.video:
        return real_clip(body, model, a.video, a.frames)
    if not a.test:
        ap.error("give --test (rendered clips with truth) or --video")
    det = dict(np.load(a.test))
    gt_all = torch.as_tensor(det["joints3d"])
    rows_table: dict[str, list] = {}
    for c in np.unique(det["clip_id"])[: a.clips]:
        rows = np.flatnonzero(det["clip_id"] == c)
        lm = clip_landmarks(det, rows, a.protocol)
        gt = gt_all[rows]
        t = time.perf_counter()
        est = regress_landmarks(model, lm)
        t_reg = time.perf_counter() - t
        rot0, betas0 = est.rotmats, np.median(est.betas[lm.found], 0)
        m, pa = frame_errors(body, torch.as_tensor(rot0), torch.as_tensor(est.betas), gt)
        rows_table.setdefault("regressor alone", []).append((m.mean(), pa.mean(), t_reg))
        for label, s, it, lk in BUDGETS:
            cfg = ClipFitConfig(start_iterations=s, network_start_iterations=s, iterations=it, lock_iterations=lk)
            for init in (False, True):
                t = time.perf_counter()
                fit = fit_clip(body, lm, cfg=cfg, init_rotmats=rot0 if init else None,
                               init_betas=betas0 if init else None)
                sec = time.perf_counter() - t
                n = len(rows)
                m, pa = frame_errors(body, torch.as_tensor(fit.rotmats, dtype=torch.float32),
                                     torch.as_tensor(fit.betas, dtype=torch.float32).expand(n, -1), gt)
                key = f"fit {label} {'from keypoint model' if init else 'default start'}"
                rows_table.setdefault(key, []).append((m.mean(), pa.mean(), sec + (t_reg if init else 0.0)))
        print(f"clip {c} done", flush=True)
    print(f"\n{a.clips} clips × {len(rows)} frames, protocol {a.protocol}, {a.threads} thread(s)\n")
    print("| method | MPJPE (mm) | PA-MPJPE (mm) | seconds / clip |\n|---|---|---|---|")
    for k, v in rows_table.items():
        v = np.array(v)
        print(f"| {k} | {v[:, 0].mean():.1f} | {v[:, 1].mean():.1f} | {v[:, 2].mean():.2f} |")


if __name__ == "__main__":
    main()
