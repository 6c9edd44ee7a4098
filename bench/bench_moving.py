"""World path from moving-camera footage against exact truth (issue 22).

Input: videos from bench/render_moving.py (VIDEO.mp4 + VIDEO.npz truth). Each runs through the default path
(`hkmr infer`: BlazePose → keypoint start → clip fit → motion file) with the render's focal length, once with
``--camera static`` (the path before issue 22) and once with ``--camera auto``. Scores on valid frames:

- world root error: pelvis joint, after a 4-DoF alignment on the first ``--align`` valid frames (yaw about up
  from the root orientations — positions fix no heading while the person stands — and the least-squares
  shift), mean and at the last frame (mm);
- net travel: horizontal pelvis distance first → last frame (m), truth alongside;
- foot skate: horizontal slide of the fitted heel/toe points in the world between consecutive frames where
  the truth's point is planted (mm/frame; the truth's contacts: 4 cm, 0.3 m/s over the world's floor, their share
  of points ``truth_planted``), and the slide within the fit's own contacts (``skate_own_mm``, what a user's
  pinned feet show);
- PA-MPJPE (14 LSP joints, mm); seconds per stage.

    nice -n 10 .venv/bin/python bench/bench_moving.py /tmp/mc/131_03_follow.mp4 /tmp/mc/131_03_static.mp4
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from core.body.discovery import OPEN_BODY_PATH  # noqa: E402
from core.body.landmark_points import landmark_points  # noqa: E402
from core.body.model import load_body_model  # noqa: E402
from core.fitting import contacts as ct  # noqa: E402
from core.fitting.shape import stature  # noqa: E402
from core.fitting.terms import FOOT_POINTS  # noqa: E402
from core.geometry.metrics import SMPL_TO_LSP14, pa_mpjpe  # noqa: E402
from core.inference.workdir import work_dir_for  # noqa: E402
from core.inference.world import CAMERA_TO_WORLD  # noqa: E402
from core.motion import read_motion  # noqa: E402
from core.pipeline.run import RealOptions, run_real  # noqa: E402


def align_4dof(est: np.ndarray, gt: np.ndarray, est_root: np.ndarray, gt_root: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Yaw R (about +Y) and t with R·est + t ≈ gt over the given frames. The yaw comes from the root
    orientations (est_root, gt_root (N,3,3) world): the pelvis's positions alone fix no heading while the
    person stands still, as most clips begin; t is then the least-squares shift."""
    d = np.einsum("nij,nkj->ik", gt_root, est_root)                     # Σ R_gt R_estᵀ
    yaw = np.arctan2(d[0, 2] - d[2, 0], d[0, 0] + d[2, 2])
    c, s = np.cos(yaw), np.sin(yaw)
    R = np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])
    return R, (gt - est @ R.T).mean(0)


def align_path(est: np.ndarray, gt: np.ndarray, first: int, span: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Yaw R (about +Y) and t with R·est + t ≈ gt (pelvis (N,3), valid frames) from positions only: the yaw from
    the horizontal Procrustes over the first frames that cover ``span`` m of the true path (all when it never
    does; at least ``first`` frames), t the least-squares shift over the first ``first`` frames. Unlike
    :func:`align_4dof` it does not take the fitted root orientation's heading for the path's."""
    d = np.linalg.norm((gt - gt[0])[:, [0, 2]], axis=1)
    k = max(first, int(np.argmax(d >= span)) + 1 if (d >= span).any() else len(gt))
    e, g = est[:k, [0, 2]] - est[:k, [0, 2]].mean(0), gt[:k, [0, 2]] - gt[:k, [0, 2]].mean(0)
    h = g.T @ e                                                          # Σ g eᵀ (x, z)
    yaw = np.arctan2(h[0, 1] - h[1, 0], h[0, 0] + h[1, 1])
    c, s = np.cos(yaw), np.sin(yaw)
    R = np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])
    return R, (gt[:first] - est[:first] @ R.T).mean(0)


@torch.no_grad()
def score(body, motion, truth, align: int) -> dict:
    n = min(len(motion.trans), len(truth["transl"]))
    v = np.asarray(motion.valid[:n], bool)
    rot_e = torch.as_tensor(_rotmats(motion)[:n],
                            dtype=torch.float32)
    be = torch.as_tensor(motion.betas, dtype=torch.float32)[None].expand(n, -1)
    je = body.joints(rot_e, be, torch.as_tensor(motion.trans[:n], dtype=torch.float32)).double().numpy()
    fe = landmark_points(body, rot_e, be, torch.as_tensor(motion.trans[:n], dtype=torch.float32))
    fe = fe[:, list(FOOT_POINTS)].double().numpy()
    rot_g = torch.as_tensor(truth["rotmats"][:n], dtype=torch.float32)
    bg = torch.as_tensor(truth["betas"], dtype=torch.float32)[None].expand(n, -1)
    tg = torch.as_tensor(truth["transl"][:n], dtype=torch.float32)
    jg = body.joints(rot_g, bg, tg).double().numpy()
    fg = landmark_points(body, rot_g, bg, tg)[:, list(FOOT_POINTS)].double().numpy()
    # truth_contacts reads a camera-like frame (y down): the Y-up world flipped (the flip is its own inverse); until
    # session 15 the world's feet went in as they were, upside down, and few true contacts were found
    planted = ct.truth_contacts(fg @ CAMERA_TO_WORLD, truth["fps"])
    idx = np.flatnonzero(v)
    first = idx[:align]
    R, t = align_4dof(je[first, 0], jg[first, 0], rot_e[first, 0].double().numpy(), rot_g[first, 0].double().numpy())
    pe = je[:, 0] @ R.T + t
    err = np.linalg.norm(pe - jg[:, 0], axis=1)[v] * 1000
    Rp, tp = align_path(je[idx, 0], jg[idx, 0], align)
    err_path = np.linalg.norm(je[:, 0] @ Rp.T + tp - jg[:, 0], axis=1)[v] * 1000
    travel = lambda p: float(np.linalg.norm((p[idx[-1]] - p[idx[0]])[[0, 2]]))  # noqa: E731
    both = planted[1:] & planted[:-1] & v[1:, None] & v[:-1, None]
    slide = np.linalg.norm(np.diff(fe, axis=0)[..., [0, 2]], axis=-1)
    own = np.repeat(np.asarray(motion.contacts[:n], bool), 2, axis=1) if motion.contacts is not None else \
        np.zeros_like(planted)                             # [L, R] foot → heel, toe points
    own = own[1:] & own[:-1]
    lsp = list(SMPL_TO_LSP14)
    return {"root_mm": float(err.mean()), "root_end_mm": float(err[-1]), "path_mm": float(err_path.mean()),
            "path_end_mm": float(err_path[-1]), "travel_m": travel(pe),
            "travel_truth_m": travel(jg[:, 0]), "skate_mm": float(slide[both].mean() * 1000),
            "truth_planted": float(planted.mean()), "skate_own_mm": float(slide[own].mean() * 1000) if own.any() else
            float("nan"),
            "pa_mm": float(pa_mpjpe(torch.as_tensor(je[:, lsp]), torch.as_tensor(jg[:, lsp]))[v].mean() * 1000),
            "valid": int(v.sum())}


def _rotmats(motion) -> np.ndarray:
    from core.geometry.rotations import axis_angle_to_matrix
    return axis_angle_to_matrix(torch.as_tensor(np.asarray(motion.poses).reshape(len(motion.poses), 24, 3))).numpy()


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _set_config(**changes) -> None:
    """Every clip fit of this process with these ClipFitConfig fields changed (run_fit imports fit_clip when it
    runs)."""
    from dataclasses import replace

    import core.fitting.clip as clip
    fit = clip.fit_clip

    def fit_clip(*a, cfg=None, **k):
        return fit(*a, cfg=replace(cfg or clip.ClipFitConfig(), **changes), **k)
    clip.fit_clip = fit_clip


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("videos", nargs="+")
    ap.add_argument("--modes", nargs="+", default=["static", "auto"])
    ap.add_argument("--align", type=int, default=30, help="frames of the 4-DoF alignment")
    ap.add_argument("--height", action="store_true", help="give the path the truth's height (hkmr infer --height)")
    ap.add_argument("--facing", type=float, help="the fit's facing turn (ClipFitConfig.facing_deg) instead of the "
                    "default: for choosing it")
    ap.add_argument("--fit", nargs="+", default=[], metavar="FIELD=VALUE",
                    help="other ClipFitConfig fields instead of the defaults (numbers, true/false): for choosing them")
    ap.add_argument("--world3d", default="blazepose", help="hkmr infer --world3d (the 3D the fit follows)")
    ap.add_argument("--json", help="write the rows here")
    ap.add_argument("--keep", help="keep motion files in this folder, and the detections (reused by a rerun)")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    changes = {} if args.facing is None else {"facing_deg": args.facing}
    for item in args.fit:
        key, _, value = item.partition("=")
        changes[key] = value.lower() == "true" if value.lower() in ("true", "false") else \
            int(value) if value.lstrip("-").isdigit() else float(value) if _is_number(value) else value
    if changes:
        _set_config(**changes)
    body = load_body_model(OPEN_BODY_PATH)
    rows = []
    out_dir = args.keep or tempfile.mkdtemp(prefix="bench-moving-")
    os.makedirs(out_dir, exist_ok=True)
    for video in args.videos:
        truth = dict(np.load(os.path.splitext(video)[0] + ".npz"))
        truth["fps"] = float(truth["fps"])
        for mode in args.modes:
            out = os.path.join(out_dir, f"{os.path.basename(video)[:-4]}.{mode}.npz")
            name = os.path.basename(video)[:-4]
            work, first = work_dir_for(out), work_dir_for(os.path.join(out_dir, f"{name}.{args.modes[0]}.npz"))
            if args.keep and first.is_dir() and not work.is_dir():
                shutil.copytree(first, work)                # the same detections: detect once per video
            res = run_real(video, out, body, RealOptions(focal_length=float(truth["K"][0, 0]), camera=mode, world3d=args.world3d,
                                                         include_mesh=False, keep_work=bool(args.keep),
                                                         height=stature(body, truth["betas"]) if args.height else None),
                           resume=bool(args.keep))
            s = score(body, read_motion(out), truth, args.align)
            total = sum(v for k, v in res.seconds.items() if k != "overlay")
            s.update(video=os.path.basename(video), mode=mode, seconds={k: round(v, 2) for k, v in res.seconds.items()},
                     camera_share=res.seconds.get("camera", 0.0) / max(total - res.seconds.get("camera", 0.0), 1e-9))
            rows.append(s)
            print(f"{s['video']:28s} {mode:7s} root {s['root_mm']:7.0f} mm (end {s['root_end_mm']:6.0f})  path {s['path_mm']:5.0f} (end "
                  f"{s['path_end_mm']:5.0f})  travel "
                  f"{s['travel_m']:.2f}/{s['travel_truth_m']:.2f} m  skate {s['skate_mm']:5.1f} (own {s['skate_own_mm']:.1f}) mm/f  PA "
                  f"{s['pa_mm']:5.1f} mm  camera +{100 * s['camera_share']:.0f} %  {s['seconds']}", flush=True)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(rows, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
