"""Split a moving-camera world error into its parts (issue 22): the same clip fitted with the estimated camera, the
true rotations, and the true rotations plus true centres.

Input: renders of bench/render_moving.py (VIDEO.mp4 + VIDEO.npz truth). Detection is cached in DIR (``--keep``
of bench/bench_moving.py uses the same work folders). Per variant it prints the scores of bench/bench_moving.py:

- ``est``: the default path (rotations from the background, centres from the feet, kept where the background
  shows the camera stood);
- ``trueR``: the true camera rotations, centres from the feet (what the rotation estimate costs);
- ``trueRC``: the true rotations and centres (what is left: the fit's own camera-frame error — depth, heading);
- also the estimated camera's rotation error (degrees, mean and at the end) and centre error (m) against truth.

    nice -n 10 .venv/bin/python bench/camera_split.py /tmp/mc/walk_follow.mp4 --keep /tmp/mc/keep
"""
from __future__ import annotations

import argparse
import os
import sys

import cv2
import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from bench_moving import score  # noqa: E402

import core.camera.path as cpath  # noqa: E402
from core.body.discovery import OPEN_BODY_PATH  # noqa: E402
from core.body.model import load_body_model  # noqa: E402
from core.detect.swaps import fix_swaps  # noqa: E402
from core.detect.world_lean import level_world  # noqa: E402
from core.fitting import contacts as ct  # noqa: E402
from core.inference.sources import open_source, source_fingerprint  # noqa: E402
from core.inference.workdir import WorkDir, work_dir_for  # noqa: E402
from core.motion import read_motion  # noqa: E402
from core.pipeline.camera import CameraStage, run_camera  # noqa: E402
from core.pipeline.detect import DetectStage, detector_fingerprint, run_detect  # noqa: E402
from core.pipeline.fit import FitStage, run_fit  # noqa: E402
from core.pipeline.motion import MotionStage, run_motion  # noqa: E402
from core.pipeline.run import RealOptions  # noqa: E402
from core.pipeline.start import StartStage, run_start  # noqa: E402


def true_camera(truth: dict) -> tuple[np.ndarray, np.ndarray]:
    """→ rotations (F,3,3) first camera → camera t, centres (F,3) in the first camera's frame (metres)."""
    R, t = np.asarray(truth["cam_R"], np.float64), np.asarray(truth["cam_t"], np.float64)
    c = np.einsum("fji,fj->fi", R, -t)
    return np.einsum("fij,kj->fik", R, R[0]), (c - c[0]) @ R[0].T


def rotation_error_deg(est: np.ndarray, true: np.ndarray) -> np.ndarray:
    d = np.einsum("fij,fkj->fik", est, true)
    return np.degrees(np.arccos(np.clip((np.trace(d, axis1=1, axis2=2) - 1) / 2, -1, 1)))


def landmarks_of(video: str, keep: str, opts: RealOptions):
    src = open_source(video, opts.fps)
    fp = {**source_fingerprint(src), "path": "detect+fit", "chunk_size": opts.chunk_size,
          **detector_fingerprint(opts.detector)}
    out = os.path.join(keep, os.path.basename(video)[:-4] + ".split.npz")
    with WorkDir(work_dir_for(out), fp).open(True) as work:
        lm = run_detect(DetectStage(src, opts.detector, opts.chunk_size), work, None, None)
    return src, level_world(fix_swaps(lm).landmarks)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("videos", nargs="+")
    ap.add_argument("--keep", required=True)
    ap.add_argument("--variants", nargs="+", default=["est", "trueR", "trueRC"])
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    body = load_body_model(OPEN_BODY_PATH)
    os.makedirs(args.keep, exist_ok=True)
    orig = cpath.camera_path_from_feet
    for video in args.videos:
        truth = dict(np.load(os.path.splitext(video)[0] + ".npz"))
        truth["fps"] = float(truth["fps"])
        focal = float(truth["K"][0, 0])
        src, lm = landmarks_of(video, args.keep, RealOptions(focal_length=focal))
        n = lm.num_frames
        tR, tC = true_camera(truth)
        est, cam = run_camera(CameraStage(src, lm, focal))
        rot = np.repeat(np.eye(3)[None], n, 0) if cam is None else cam.rotations
        if cam is None:
            print(f"{os.path.basename(video)}: camera found static")
        else:
            print(f"{os.path.basename(video)}: camera stood on {100 * cam.still.mean():.0f} % of the frames")
        re = rotation_error_deg(rot, tR[:n])
        start = run_start(StartStage(lm))
        for var in args.variants:
            rotations = (cam if cam is not None else rot) if var == "est" else tR[:n]
            centres = {}

            def patched(feet, rotations_, valid, fps, hips=None, **kw):
                path, planted, floor = orig(feet, rotations_, valid, fps, hips, **kw)
                centres["est"] = path.centres.copy()
                centres["rot"] = path.rotations.copy()
                if var == "trueRC":
                    path.centres = tC[:n].copy()
                    f = cpath.to_reference(feet, path)
                    floor = ct.estimate_floor(f, valid, cpath.MOVING_CONTACTS)
                    planted = ct.point_contacts(f, valid, fps, floor, cpath.MOVING_CONTACTS)
                return path, planted, floor
            cpath.camera_path_from_feet = patched
            try:
                fit = run_fit(body, FitStage(lm, focal, start.rotmats, start.betas, camera_rotations=rotations))
            finally:
                cpath.camera_path_from_feet = orig
            out = os.path.join(args.keep, f"{os.path.basename(video)[:-4]}.{var}.npz")
            run_motion(body, MotionStage(fit, lm, out, include_mesh=False))
            s = score(body, read_motion(out), truth, 30)
            ce = np.linalg.norm(centres["est"] - tC[:n], axis=1) if "est" in centres else np.full(n, np.nan)
            pe = rotation_error_deg(centres["rot"], tR[:n]) if "rot" in centres else np.full(n, np.nan)
            print(f"{os.path.basename(video):28s} {var:7s} root {s['root_mm']:6.0f} path {s['path_mm']:5.0f} (end "
                  f"{s['path_end_mm']:5.0f}) travel {s['travel_m']:.2f}/{s['travel_truth_m']:.2f} skate "
                  f"{s['skate_mm']:4.1f}/{s['skate_own_mm']:4.1f} PA {s['pa_mm']:5.1f} | rot err "
                  f"{re.mean():.2f}° (end {re[-1]:.2f}), path's {pe.mean():.2f}° (end {pe[-1]:.2f}) | centre err {ce.mean():.3f} m (end {ce[-1]:.3f}), "
                  f"true cam travel {np.linalg.norm(tC[n - 1]):.2f} m est {np.linalg.norm(centres.get('est', tC)[n - 1]):.2f}",
                  flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
