"""Train the fit's motion prior (:mod:`core.fitting.motion_prior`) on real mocap; score it on held-out subjects.

    python -m training.prior.motion --mocap data/mocap --out core/model/assets/motion_prior.npz [--span 2]

Motion: every accepted "train" clip of a converted mocap set (:mod:`training.data.mocap`) posed on the open body
with its own β and root translation; the 33 landmark points' accelerations at the set's frame rate (30 fps). The
precision is the inverse covariance of windows of ``--span`` consecutive accelerations. Printed: the mean
Mahalanobis distance per dimension (≈ 1 on the training motion) on the train and held-out splits, and on the
held-out motion with 1 cm of white noise on every point (what a jittery fit looks like to it).
"""
from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np
import torch

from core.body.discovery import OPEN_BODY_PATH
from core.body.landmark_points import landmark_points
from core.body.model import load_body_model
from core.detect.landmarks import NUM_LANDMARKS
from core.fitting.motion_prior import MOTION_PRIOR_FORMAT, MotionPrior, motion_precision
from core.geometry.rotations import axis_angle_to_matrix


def clip_points(body, clip: dict[str, np.ndarray]) -> np.ndarray:
    """(F,33,3) landmark points (metres) of a converted mocap clip (poses (F,72), betas, trans)."""
    poses = torch.as_tensor(clip["poses"], dtype=torch.float32)
    rot = axis_angle_to_matrix(poses.reshape(len(poses), 24, 3))
    betas = torch.as_tensor(clip["betas"], dtype=torch.float32).reshape(1, -1).expand(len(poses), -1)
    with torch.no_grad():
        return landmark_points(body, rot, betas, torch.as_tensor(clip["trans"], dtype=torch.float32)).double().numpy()


def accelerations(points: np.ndarray) -> np.ndarray:
    return points[2:] - 2 * points[1:-1] + points[:-2]


def mahalanobis_per_dim(prior: MotionPrior, points: list[np.ndarray]) -> float:
    """Mean xᵀPx per window and dimension over clips of (F,33,3) points (≈ 1 on the training motion)."""
    e, dims = 0.0, 0
    for p in points:
        n = len(p) - 1 - prior.span
        if n < 1:
            continue
        e += float(prior.energy(torch.as_tensor(p, dtype=torch.float32)))
        dims += n * 3 * len(prior.precision)
    return e / max(dims, 1)


def main(argv: list[str] | None = None) -> int:
    from training.data.mocap.build import load_clip, load_manifest

    ap = argparse.ArgumentParser(prog="python -m training.prior.motion", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mocap", required=True, help="a converted mocap set (python -m training.data.mocap build)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--span", type=int, default=1, help="consecutive accelerations per window")
    ap.add_argument("--ridge", type=float, default=1e-2)
    a = ap.parse_args(argv)
    if a.span < 1:
        ap.error(f"--span must be ≥ 1, got {a.span}")
    torch.set_num_threads(1)
    t = time.perf_counter()
    body = load_body_model(OPEN_BODY_PATH)
    m = load_manifest(a.mocap)
    ok = [c for c in m["clips"] if c.get("accepted")]
    fps = {round(float(load_clip(a.mocap, c)["mocap_framerate"])) for c in ok}
    if fps != {30}:
        raise SystemExit(f"{a.mocap}: the motion prior is in 30-fps frames; this set has clips at {sorted(fps)} fps")
    pts = {s: [clip_points(body, load_clip(a.mocap, c)) for c in ok if c["split"] == s] for s in ("train", "heldout")}
    if not pts["train"]:
        raise SystemExit(f"{a.mocap}: no accepted train clips")
    prec, stats = motion_precision([accelerations(p) for p in pts["train"]], a.span, a.ridge)
    prior = MotionPrior(torch.as_tensor(prec), a.span, tuple(range(NUM_LANDMARKS)), {})
    rng = np.random.default_rng(0)
    noisy = [p + rng.normal(0, 0.01, p.shape) for p in pts["heldout"]]
    scores = {k: round(mahalanobis_per_dim(prior, v), 3) for k, v in
              (("train", pts["train"]), ("heldout", pts["heldout"]), ("heldout + 1 cm noise", noisy)) if v}
    meta = {"data": a.mocap, "span": a.span, "ridge": a.ridge, "train_subjects": sorted({c["subject"] for c in ok
            if c["split"] == "train"}), "train_frames": int(sum(len(p) for p in pts["train"])),
            "sources": {k: {"repo": v["repo"], "commit": v["commit"]} for k, v in m["sources"].items()},
            "mahalanobis_per_dim": scores, **stats, "seconds": round(time.perf_counter() - t, 1)}
    np.savez(a.out, format=np.array(MOTION_PRIOR_FORMAT), precision=prec, span=np.array(a.span),
             points=np.arange(NUM_LANDMARKS), meta=np.array(json.dumps(meta)))
    print(json.dumps({k: v for k, v in meta.items() if k != "accel_sd_mm"}, indent=1))
    print("accel sd per point (mm/frame²):", meta["accel_sd_mm"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
