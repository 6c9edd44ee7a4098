"""HKMR_MF clip fit against exact truth: CMU mocap → open body → simulated detector → fit → scores.

Each BVH clip (/work/shared/data/cmu_131, CMU subject 131; credit mocap.cs.cmu.edu, NSF EIA-0196217) is
resampled to 30 fps, retargeted onto the open body by a joint-position fit (bench/bvh_truth.py: that SMPL
motion is the ground truth), seen by a static camera (1280×720, CLIFF focal = diagonal, 3 m high… see
``--yaw``), turned into BlazePose-like landmarks with detector noise (core/detect/simulated.py: 2 % torso
2D noise, 1 % outliers, 5 % dropouts, ±8 % per-frame 3D scale, 2 cm 3D noise, 3 % of frames lost plus a
6-frame gap) and fitted. Variants: the fit from its own start; from the keypoint model's start (``kp``, the default path of
``hkmr infer``); without the foot lock; started from a stand-in network
(truth rotated by Gaussian noise of ``--init-noise`` rad per joint — the keypoint network of #15 plugs in
there). Scores on valid frames: MPJPE / PA-MPJPE (14 LSP joints, mm), median 2D reprojection (% torso),
jitter of the 24 joints (m/s², truth's alongside), foot skate (mm/frame) while the truth's foot is planted
and while the fit's is, contact F1 against the truth's contacts, fit speed.

    .venv/bin/python bench/bench_fit.py                       # both clips, 1 thread
    .venv/bin/python bench/bench_fit.py --threads 2 --clips 131_02
    .venv/bin/python bench/bench_fit.py --clips 131_03 --variants fit --set w_accel=0.3   # a tuning run
    .venv/bin/python bench/bench_fit.py --mocap data/mocap --variants fit --prior PRIOR.pt   # held-out mocap clips
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import replace

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
from bvh_truth import BVH_TO_SMPL, bvh_positions, read_bvh, retarget  # noqa: E402

from core.body.discovery import OPEN_BODY_PATH  # noqa: E402
from core.body.landmark_points import landmark_points  # noqa: E402
from core.body.model import load_body_model  # noqa: E402
from core.detect.simulated import DetectorNoise, simulate_landmarks  # noqa: E402
from core.fitting import contacts as ct  # noqa: E402
from core.fitting.clip import ClipFitConfig, fit_clip  # noqa: E402
from core.fitting.full_camera import FullCamera  # noqa: E402
from core.fitting.metrics import foot_skate, jitter  # noqa: E402
from core.fitting.terms import FOOT_POINTS  # noqa: E402
from core.geometry.metrics import SMPL_TO_LSP14, mpjpe, pa_mpjpe, procrustes_align  # noqa: E402
from core.fitting.prior import VAEPrior, load_pose_vae  # noqa: E402
from core.inference.keypoint_regressor import load_keypoint_model, regress_landmarks  # noqa: E402
from core.geometry.rotations import axis_angle_to_matrix  # noqa: E402
from training.data.mocap.build import load_clip, load_manifest  # noqa: E402

CMU_UNIT = 0.0254 / 0.45  # metres per cgspeed BVH unit (hip height ≈ 0.95 m checks it)
FLIP = np.diag([1.0, -1.0, -1.0])  # Y-up world → camera (y down, z forward)
LSP_NAMES = ("rank", "rkne", "rhip", "lhip", "lkne", "lank", "rwri", "relb", "rsho", "lsho", "lelb", "lwri", "neck",
             "head")


def truth(body, path: str, fps: float, yaw: float, distance: float):
    b = read_bvh(path)
    step = max(1, int(round(1.0 / (b.frame_time * fps))))
    pos = bvh_positions(b, CMU_UNIT)[::step]
    rot_w, betas, t_w = retarget(body, pos[:, [b.names.index(v) for v in BVH_TO_SMPL.values()]])
    return seen_from_camera(body, rot_w, betas, t_w, yaw, distance) + (1.0 / (b.frame_time * step),)


def mocap_truth(body, root: str, row: dict, yaw: float, distance: float):
    """A clip of a converted mocap set (training/data/mocap; held-out subjects only) as truth."""
    c = load_clip(root, row)
    rot_w = axis_angle_to_matrix(torch.as_tensor(c["poses"]).reshape(-1, 24, 3))
    return seen_from_camera(body, rot_w, torch.as_tensor(c["betas"]), torch.as_tensor(c["trans"]), yaw,
                            distance) + (float(c["mocap_framerate"]),)


def seen_from_camera(body, rot_w, betas, t_w, yaw: float, distance: float):
    """Y-up world motion → camera-frame (rotmats, betas, transl) for the bench's static camera."""
    with torch.no_grad():
        pos = body.joints(rot_w, betas.expand(len(rot_w), -1), t_w).double().numpy()
    # static camera: yaw about the vertical through the walk's centre, ``distance`` m away, 1.0 m high
    c = np.cos(yaw); s = np.sin(yaw)
    ry = np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])
    m = FLIP @ ry.T
    centre = pos[:, 0].mean(0)
    cam_pos = centre + ry @ np.array([0.0, 0.0, distance]); cam_pos[1] = 1.0
    mt = torch.as_tensor(m, dtype=torch.float32)
    j0 = body.rest_joints(betas[None])[0, 0]
    rot_c = rot_w.clone(); rot_c[:, 0] = mt @ rot_w[:, 0]
    t_c = (j0 + t_w) @ mt.T - torch.as_tensor(m @ cam_pos, dtype=torch.float32) - j0
    return rot_c, betas, t_c


def scores(body, fit, rot, betas, transl, fps, gt_planted, up):
    n = len(rot)
    with torch.no_grad():
        gt_j = body.joints(rot, betas.expand(n, -1), transl)
        pr_j = body.joints(torch.as_tensor(fit.rotmats, dtype=torch.float32),
                           torch.as_tensor(fit.betas, dtype=torch.float32).expand(n, -1),
                           torch.as_tensor(fit.transl, dtype=torch.float32))
        feet = (landmark_points(body, torch.as_tensor(fit.rotmats, dtype=torch.float32),
                                torch.as_tensor(fit.betas, dtype=torch.float32).expand(n, -1),
                                torch.as_tensor(fit.transl, dtype=torch.float32))[:, list(FOOT_POINTS)]).numpy()
    v = fit.valid
    lsp = list(SMPL_TO_LSP14)
    gtc, fc = ct.foot_contacts(gt_planted)[v], fit.contacts[v]
    tp = (gtc & fc).sum()
    fr = torch.as_tensor(fit.rotmats[:, 0], dtype=torch.float32)
    cos = ((fr.transpose(-1, -2) @ rot[:, 0]).diagonal(dim1=-2, dim2=-1).sum(-1) - 1) / 2
    root_deg = torch.rad2deg(torch.arccos(cos.clamp(-1, 1))).numpy()
    acc = lambda j: j[2:] - 2 * j[1:-1] + j[:-2]  # noqa: E731
    v3 = v[2:] & v[1:-1] & v[:-2]
    acc_err = lambda p, g: float(np.linalg.norm((acc(p) - acc(g)).numpy(), axis=-1)[v3].mean() * 1000)  # noqa: E731
    return {"MPJPE": float(mpjpe(pr_j[:, lsp], gt_j[:, lsp])[v].mean() * 1000),
            "PA-MPJPE": float(pa_mpjpe(pr_j[:, lsp], gt_j[:, lsp])[v].mean() * 1000),
            "reproj %": float(np.nanmedian(fit.reprojection) * 100),
            "jitter": jitter(pr_j.numpy(), fps, v), "jitter GT": jitter(gt_j.numpy(), fps, v),
            "skate@GT": foot_skate(feet, gt_planted & v[:, None], up),
            "skate@fit": foot_skate(feet, fit.point_contacts, up),
            "contact F1": float(2 * tp / max(gtc.sum() + fc.sum(), 1)),
            "root deg": float(root_deg[v].mean()),
            "accel err": acc_err(pr_j, gt_j),
            # the same on pelvis-centred joints (how VIBE and most papers report it): the body's own motion only
            "accel err pelvis": acc_err(pr_j - pr_j[:, :1], gt_j - gt_j[:, :1])}


def pa_per_joint(body, fit, rot, betas) -> np.ndarray:
    """PA-MPJPE per LSP-14 joint (mm) over valid frames."""
    n = len(rot)
    with torch.no_grad():
        gt = body.joints(rot, betas.expand(n, -1))[:, list(SMPL_TO_LSP14)]
        pr = body.joints(torch.as_tensor(fit.rotmats, dtype=torch.float32),
                         torch.as_tensor(fit.betas, dtype=torch.float32).expand(n, -1))[:, list(SMPL_TO_LSP14)]
        al = procrustes_align(pr, gt)
    return ((al - gt).norm(dim=-1)[torch.as_tensor(fit.valid)].mean(0) * 1000).numpy()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="/work/shared/data/cmu_131")
    ap.add_argument("--clips", nargs="+", default=["131_02", "131_03"])
    ap.add_argument("--fps", type=float, default=30.0)
    ap.add_argument("--yaw", type=float, default=0.6, help="camera yaw about the vertical (rad; 0 = frontal)")
    ap.add_argument("--distance", type=float, default=5.0)
    ap.add_argument("--init-noise", type=float, default=0.15)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE",
                    help="override ClipFitConfig fields, e.g. --set w_accel=0.3 iterations=40")
    ap.add_argument("--variants", nargs="*", default=["fit", "nolock", "init"])
    ap.add_argument("--keypoint-model", default=None, help="for variant kp (default: the shipped one)")
    ap.add_argument("--prior", default=None, help="a pose-VAE file (hkmr-pose-vae) for the fit's prior term")
    ap.add_argument("--mocap", default=None, help="a converted mocap set (training/data/mocap): score its "
                    "held-out clips instead of the BVH clips (--clips then filters by SUBJECT_TRIAL, e.g. 002_05)")
    ap.add_argument("--split", default="heldout", help="with --mocap: the split to score (a subject left out "
                    "of the prior's training, e.g. for choosing a weight, may sit in 'train')")
    ap.add_argument("--max-frames", type=int, default=None, help="first frames of each clip only")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    body = load_body_model(OPEN_BODY_PATH)
    size = (1280, 720)
    cam = FullCamera.for_image(*size)
    print(f"CPU threads {torch.get_num_threads()}, {os.cpu_count()} cores visible; camera f={cam.focal:.0f}px")
    prior = VAEPrior(load_pose_vae(args.prior)) if args.prior else None
    if args.mocap:
        rows = [c for c in load_manifest(args.mocap)["clips"] if c.get("accepted") and c["split"] == args.split]
        wanted = set(args.clips) - {"131_02", "131_03"}
        jobs = [(f"{c['subject']:03d}_{c['trial']:02d}", c) for c in rows
                if not wanted or f"{c['subject']:03d}_{c['trial']:02d}" in wanted]
    else:
        jobs = [(clip, None) for clip in args.clips]
    totals = {}
    for clip, row in jobs:
        rot, betas, transl, fps = (mocap_truth(body, args.mocap, row, args.yaw, args.distance) if row else
                                   truth(body, os.path.join(args.data, f"{clip}.bvh"), args.fps, args.yaw,
                                         args.distance))
        if args.max_frames:
            rot, transl = rot[:args.max_frames], transl[:args.max_frames]
        n = len(rot)
        g = np.random.default_rng(args.seed)
        lost = np.union1d(np.flatnonzero(g.random(n) < 0.03), np.arange(n // 2, n // 2 + 6))
        lm = simulate_landmarks(body, rot, betas, transl, cam, size, fps, DetectorNoise(), lost, seed=args.seed)
        with torch.no_grad():
            gt_feet = landmark_points(body, rot, betas.expand(n, -1), transl)[:, list(FOOT_POINTS)].double().numpy()
        floor = ct.estimate_floor(gt_feet, np.ones(n, bool), ct.TRUTH_CONTACTS)
        gt_planted = ct.point_contacts(gt_feet, np.ones(n, bool), fps, floor, ct.TRUTH_CONTACTS)
        noisy = rot @ axis_angle_to_matrix(torch.as_tensor(g.normal(0, args.init_noise, (n, 24, 3)),
                                                           dtype=torch.float32))
        base = replace(ClipFitConfig(), **{k: type(getattr(ClipFitConfig(), k))(v) for k, v in
                                           (kv.split("=", 1) for kv in args.set)})
        variants = {"fit": dict(cfg=base), "nolock": dict(cfg=replace(base, lock_feet=False)),
                    "init": dict(cfg=base, init_rotmats=noisy.numpy())}
        if "kp" in args.variants:  # the default path of `hkmr infer`: the keypoint model's start, then the fit
            est = regress_landmarks(load_keypoint_model(*([args.keypoint_model] if args.keypoint_model else [])), lm)
            variants["kp"] = dict(cfg=base, init_rotmats=est.rotmats, init_betas=np.median(est.betas[lm.found], 0))
        names = {"fit": "fit", "nolock": "fit, no foot lock", "init": f"init GT+{args.init_noise:g} rad noise + fit",
                 "kp": "keypoint-model start + fit"}
        print(f"\n{clip}: {n} frames at {fps:.0f} fps, {int((~lm.found).sum())} lost; truth β₀ {betas[0]:.2f}; "
              f"truth contacts L/R {ct.foot_contacts(gt_planted).mean(0).round(2)}")
        for key in args.variants:
            name, kw = names[key], variants[key]
            t = time.perf_counter()
            fit = fit_clip(body, lm, prior=prior, **kw)
            dt = time.perf_counter() - t
            s = scores(body, fit, rot, betas, transl, fps, gt_planted, floor.normal)
            pj = pa_per_joint(body, fit, rot, betas)
            s.update({f"PA {j}": float(e) for j, e in zip(LSP_NAMES, pj)})
            print(f"  {name:32s} {n / dt:6.1f} frames/s  " + "  ".join(f"{k} {v:.1f}" for k, v in s.items()
                                                                   if not k.startswith("PA ")), flush=True)
            print(" " * 34 + "PA per joint: " + " ".join(f"{j} {e:.0f}" for j, e in zip(LSP_NAMES, pj)), flush=True)
            tot = totals.setdefault(name, {})
            for k, v in s.items():
                if np.isfinite(v):  # a clip without contacts has no skate: leave it out of that mean
                    sw, w = tot.get(k, (0.0, 0))
                    tot[k] = (sw + v * n, w + n)
            tot["frames"] = (tot.get("frames", (0, 0))[0] + n, 1)
    if len(jobs) > 1:
        print("\nframe-weighted means over all clips:")
        for name, tot in totals.items():
            f = tot.pop("frames")[0]
            print(f"  {name:32s} {f:5d} frames  " + "  ".join(f"{k} {sw / w:.1f}" for k, (sw, w) in tot.items()))


if __name__ == "__main__":
    main()
