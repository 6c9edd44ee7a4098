"""Hands on rendered hands with known finger poses: detection share, 2D landmark error, finger angle error.

The open body with its SMPL-H fingers (hkmr_open_hands.npz: finger joints and skin weights) is posed with named
hand poses (flat, fist, point, peace, thumbs-up, three, pinch, relaxed; both hands), rendered by the project's
CPU rasterizer over procedural backgrounds from three view directions (back of the hand, palm, side) at three
distances (hand ≈ 40 / 80 / 160 px long in a 640×480 image). The hand detector gets the crop the body's wrists
would give (the true wrist/elbow/finger points projected; the body detector is measured elsewhere), so this
measures MediaPipe Hands + the finger fit on their own. Truth 2D points: the skeleton's joints and fingertip
vertices projected (MediaPipe's points sit on its own joint definitions: a few % of the palm is definition).

    python bench/bench_hands.py [--out docs/img/hands_rendered.jpg] [--json out.json] [--cache r.npz]
    python bench/bench_hands.py --tune --cache tune.npz --set pose_prior=1   # choose weights on other poses
"""
from __future__ import annotations

import argparse
import json
import os
import time

import cv2
import numpy as np
import torch
from smplx.lbs import lbs

from core.body.model import load_body_model
from core.detect.hand_landmarks import HandLandmarks
from core.detect.hands import HandDetector, HandOptions
from core.detect.landmarks import BLAZEPOSE_NAMES
from core.fitting import hands as fh
from core.geometry.rotations import axis_angle_to_matrix, matrix_to_axis_angle
from core.pipeline.hands import body_hand_skeleton
from core.render.appearance import random_background
from core.render.rasterizer import PinholeCamera, project, rasterize
from core.render.shading import Light, shade
from hkmr_blender.base.hands import load_open_hands
from hkmr_blender.base.skeleton import BODY_HAND_PARENTS, NUM_JOINTS, SMPL_JOINT_NAMES

# per pose: flexion (radians) of the 2nd/3rd joints of index, middle, pinky, ring, thumb and MCP flexion
POSES = {
    "flat": ((0, 0, 0, 0, 0), (0, 0, 0, 0, 0)),
    "relaxed": ((0.4, 0.4, 0.5, 0.45, 0.2), (0.3, 0.35, 0.4, 0.35, 0.1)),
    "fist": ((1.6, 1.6, 1.6, 1.6, 0.8), (1.4, 1.4, 1.4, 1.4, 0.5)),
    "point": ((0.05, 1.6, 1.6, 1.6, 0.8), (0.0, 1.4, 1.4, 1.4, 0.5)),
    "peace": ((0.05, 0.05, 1.6, 1.6, 0.8), (0.0, 0.0, 1.4, 1.4, 0.5)),
    "thumbs_up": ((1.6, 1.6, 1.6, 1.6, 0.0), (1.4, 1.4, 1.4, 1.4, -0.3)),
    "three": ((0.05, 0.05, 1.6, 0.05, 0.8), (0.0, 0.0, 1.4, 0.0, 0.5)),
    "pinch": ((0.7, 0.2, 0.2, 0.2, 0.5), (0.6, 0.1, 0.1, 0.1, 0.4)),
}
VIEWS = {"back": np.array([0.0, 1.0, 0.25]), "palm": np.array([0.0, -1.0, 0.25]), "side": np.array([0.0, 0.3, 1.0])}
HAND_PX = (40, 80, 160)
SKIN = np.array([0.80, 0.62, 0.50])


def pose_angles(name: str, poses: dict | None = None) -> torch.Tensor:
    """(1, 20) angles in :data:`core.fitting.hands.LIMITS` order for a named pose."""
    distal, mcp = (poses or POSES)[name]
    out = []
    for f in range(5):
        for k in range(3):
            a = np.zeros(len(fh.LIMITS[3 * f + k]))
            a[0] = mcp[f] if k == 0 else distal[f] * (0.8 if k == 2 else 1.0)
            if f == 4 and k == 0:
                a[1] = 0.3  # thumb CMC abducted a little
            out.extend(a)
    return torch.tensor(np.array(out)[None], dtype=torch.float64)


def look_at(eye: np.ndarray, target: np.ndarray) -> np.ndarray:
    """(3,3) world → camera rotation (camera x right, y down, z forward)."""
    z = (target - eye) / np.linalg.norm(target - eye)
    up = np.array([0.0, 1.0, 0.0]) if abs(z[1]) < 0.95 else np.array([0.0, 0.0, 1.0])
    x = np.cross(up, z)
    x /= np.linalg.norm(x)
    return np.stack([x, np.cross(z, x), z])


TUNE_POSES = {  # for choosing the fit's weights; the table in docs/hands.md reports POSES only
    "claw": ((1.2, 1.2, 1.2, 1.2, 0.6), (0.0, 0.0, 0.0, 0.0, 0.2)),
    "ok": ((1.0, 0.1, 0.2, 0.15, 0.6), (0.9, 0.1, 0.2, 0.15, 0.4)),
    "rock": ((0.05, 1.6, 0.05, 1.6, 0.8), (0.0, 1.4, 0.0, 1.4, 0.5)),
    "half": ((0.8, 0.8, 0.8, 0.8, 0.4), (0.7, 0.7, 0.7, 0.7, 0.2)),
    "grip": ((0.6, 0.7, 0.9, 0.8, 0.3), (1.0, 1.0, 1.1, 1.0, 0.3)),
    "call": ((1.6, 1.6, 0.05, 1.6, 0.0), (1.4, 1.4, 0.0, 1.4, -0.3)),
}
GROUPS = {"MCP": [0, 3, 6, 9], "PIP": [1, 4, 7, 10], "DIP": [2, 5, 8, 11], "thumb": [12, 13, 14]}


def _angle_deg(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per joint the angle (degrees) between rotation matrices (...,3,3)."""
    rel = np.swapaxes(a, -1, -2) @ b
    return np.degrees(np.arccos(np.clip((np.trace(rel, axis1=-2, axis2=-1) - 1) / 2, -1, 1)))


def render_and_detect(poses: dict, seed: int, sheet: list | None = None, side: int = 0) -> dict:
    """Render every pose × view × distance, run the hand detector on the body-wrist crop. Returns arrays (N,...)
    ready for :func:`evaluate` (and for ``--cache``): truth local rotations, detections, truth 2D points.
    ``side`` 0 poses and looks at the left hand, 1 the right (the other hand stays flat)."""
    sn = ("left", "right")[side]
    rng = np.random.default_rng(seed)
    body = load_body_model(None)
    arrays = body.layer
    hands = load_open_hands()
    betas = torch.zeros(1, body.num_betas)
    skel = body_hand_skeleton(body, np.zeros(body.num_betas))
    weights = np.asarray(body.skin_weights, np.float64).copy()
    weights[:, [22, 23]] = 0.0
    weights = np.concatenate([weights, hands.weights], axis=1)
    j_reg = np.concatenate([arrays.J_regressor.double().numpy(), hands.regressor])
    nv = weights.shape[0]
    tips = {str(n): int(i) for n, i in zip(body.surface_names, body.surface_vertex_ids)}
    tip_ids = [tips[f"{sn[0]}{f}"] for f in ("index", "middle", "pinky", "ring", "thumb")]
    detector = HandDetector(HandOptions())
    out = {k: [] for k in ("side", "pose", "view", "hand_px", "truth", "points2d", "world", "score", "found", "crops",
                           "uv", "palm_px", "detect_s")}
    for pname in poses:
        local = fh.finger_rotations(pose_angles(pname, poses), fh.joint_axes(skel, side))[0]
        pose = np.zeros((54, 3))
        pose[SMPL_JOINT_NAMES.index(f"{sn}_elbow")] = [0, -0.3 if side == 0 else 0.3, 0]
        pose[NUM_JOINTS + 15 * side:NUM_JOINTS + 15 * side + 15] = matrix_to_axis_angle(local).numpy()
        t = lambda a: torch.as_tensor(np.asarray(a), dtype=torch.float64)  # noqa: E731
        verts, joints = lbs(t(betas.double()), t(pose.reshape(1, -1)), t(arrays.v_template.double()),
                            t(arrays.shapedirs.double()), torch.zeros(53 * 9, nv * 3, dtype=torch.float64), t(j_reg),
                            torch.as_tensor(BODY_HAND_PARENTS), t(weights))
        verts, joints = verts[0].numpy(), joints[0].numpy()
        # the 21 truth points: the posed skeleton's wrist and finger joints, the fingertip vertices
        pts3d = np.array([joints[SMPL_JOINT_NAMES.index(f"{sn}_wrist")] if kind == "joint" and i == 0 else
                          joints[NUM_JOINTS + 15 * side + i - 1] if kind == "joint" else verts[tip_ids[i]]
                          for kind, i in fh.LANDMARK_TO_SKELETON])
        centre = pts3d.mean(0)
        length = np.linalg.norm(pts3d[12] - pts3d[0]) + 0.02
        for vname, vdir in VIEWS.items():
            for px in HAND_PX:
                cam = PinholeCamera.from_fov(50.0, 640, 480)
                dist = cam.fx * length / px
                eye = centre + dist * vdir / np.linalg.norm(vdir)
                rot = look_at(eye, centre)
                to_cam = lambda p: (np.asarray(p) - eye) @ rot.T  # noqa: E731
                frags = rasterize(to_cam(verts), body.faces, cam)
                rgb = shade(frags, to_cam(verts), body.faces, SKIN, Light(direction=(0.2, 0.6, 1.0)))
                bg = random_background(rng, 480, 640)
                img = np.where(frags.mask[..., None], (rgb * 255).astype(np.uint8), bg)
                uv, _ = project(to_cam(pts3d), cam)
                bp = np.zeros((33, 2), np.float32)
                j2 = lambda n: project(to_cam(joints[[SMPL_JOINT_NAMES.index(n)]]), cam)[0][0]  # noqa: E731
                bp[BLAZEPOSE_NAMES.index(f"{sn}_wrist")] = j2(f"{sn}_wrist")
                bp[BLAZEPOSE_NAMES.index(f"{sn}_elbow")] = j2(f"{sn}_elbow")
                bp[BLAZEPOSE_NAMES.index(f"{sn}_index")] = uv[8]
                bp[BLAZEPOSE_NAMES.index(f"{sn}_pinky")] = uv[20]
                t0 = time.perf_counter()
                p2, world, score, found, crops = detector.process(img, bp, (side == 0, side == 1))
                for k, v in (("side", side), ("pose", pname), ("view", vname), ("hand_px", px),
                             ("truth", local.numpy()), ("points2d", p2), ("world", world), ("score", score), ("found", found),
                             ("crops", crops), ("uv", uv), ("palm_px", float(np.linalg.norm(uv[9] - uv[0]))),
                             ("detect_s", time.perf_counter() - t0)):
                    out[k].append(v)
                if sheet is not None and px == 160 and len(sheet) < 8 and vname != "side":
                    vis = img.copy()
                    for q in uv:
                        cv2.circle(vis, (int(q[0]), int(q[1])), 3, (0, 255, 0), -1)
                    if found[side]:
                        for a, b in fh.HAND_BONES:
                            cv2.line(vis, tuple(int(v) for v in p2[side, a]), tuple(int(v) for v in p2[side, b]),
                                     (255, 0, 0), 2)
                    c = np.mean(uv, 0).astype(int)
                    x0, y0 = np.clip(c - 150, 0, [640 - 300, 480 - 300])
                    tile = vis[y0:y0 + 300, x0:x0 + 300]
                    cv2.putText(tile, f"{pname}/{vname}", (6, 20), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (255, 255, 255), 2)
                    sheet.append(tile)
    detector.close()
    return {k: np.asarray(v) for k, v in out.items()}


def evaluate(data: dict, skel, fit_kwargs: dict) -> tuple[list[dict], dict]:
    """Fit every found hand (one image = one frame, no smoothness) and compare with the truth. Returns per-image
    records (per joint errors included) and a summary by pose, distance, view and joint group."""
    relaxed = [fh.finger_rotations(torch.as_tensor(fh.RELAXED)[None], fh.joint_axes(skel, s))[0].numpy()
               for s in (0, 1)]
    results, t_fit = [], 0.0
    for n in range(len(data["pose"])):
        side = int(data["side"][n]) if "side" in data else 0
        rec = {"pose": str(data["pose"][n]), "view": str(data["view"][n]), "hand_px": int(data["hand_px"][n]),
               "side": side, "found": bool(data["found"][n][side])}
        truth, uv = data["truth"][n], data["uv"][n]
        base = _angle_deg(truth, relaxed[side])
        rec.update(relaxed_baseline_deg=float(base.mean()), relaxed_joints=base.tolist())
        if rec["found"]:
            p2, world = data["points2d"][n], data["world"][n]
            err = np.linalg.norm(p2[side] - uv, axis=1)
            rec.update(err_px=float(err.mean()), err_palm=float(err.mean() / max(float(data["palm_px"][n]), 1e-6)))
            hl = HandLandmarks(p2[None], world[None], data["score"][n][None], data["found"][n][None],
                               data["crops"][n][None], np.zeros(1))
            t0 = time.perf_counter()
            fit = fh.fit_hands(skel, hl, smooth=0.0, **fit_kwargs)
            t_fit += time.perf_counter() - t0
            est = axis_angle_to_matrix(torch.as_tensor(fit.hand_pose[0, 45 * side:45 * side + 45].reshape(15, 3)))
            deg = _angle_deg(truth, est.numpy())
            rec.update(angle_deg=float(deg.mean()), reproj_px=float(fit.reprojection_px[0, side]),
                       angle_fingers_deg=float(deg[:12].mean()), angle_thumb_deg=float(deg[12:].mean()),
                       joints=deg.tolist())
        results.append(rec)
    return results, summarize(results, t_fit, float(np.sum(data["detect_s"])))


def summarize(results: list[dict], t_fit: float, t_det: float) -> dict:
    found = [r for r in results if r["found"]]
    med = lambda rs, k: float(np.median([r[k] for r in rs])) if rs else None  # noqa: E731
    summary = {"images": len(results), "found_share": float(np.mean([r["found"] for r in results])),
               "err_px_median": med(found, "err_px"), "err_palm_median": med(found, "err_palm"),
               "reproj_px_median": med(found, "reproj_px"),
               "angle_deg_median": med(found, "angle_deg"),
               "relaxed_deg_median_found": med(found, "relaxed_baseline_deg"),
               "angle_deg_mean": float(np.mean([r["angle_deg"] for r in found])),
               "relaxed_deg_mean_found": float(np.mean([r["relaxed_baseline_deg"] for r in found]))}
    for g, idx in GROUPS.items():
        summary[f"group_{g}"] = [float(np.mean([np.mean(np.array(r["joints"])[idx]) for r in found])),
                                 float(np.mean([np.mean(np.array(r["relaxed_joints"])[idx]) for r in found]))]
    for key, vals in (("pose", sorted({r["pose"] for r in results}, key=[r["pose"] for r in results].index)),
                      ("hand_px", HAND_PX), ("view", tuple(VIEWS))):
        for v in vals:
            sub = [r for r in results if r[key] == v]
            f = [r for r in sub if r["found"]]
            summary[f"{key}_{v}"] = {"found": f"{len(f)}/{len(sub)}", "fit": med(f, "angle_deg"),
                                     "relaxed": med(f, "relaxed_baseline_deg"), "err_palm": med(f, "err_palm")}
    summary["detect_ms_per_crop"] = 1e3 * t_det / len(results)
    summary["fit_ms_per_hand"] = 1e3 * t_fit / max(1, len(found))
    return summary


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=None, help="PNG contact sheet of some renders with detections")
    ap.add_argument("--json", default=None)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--tune", action="store_true", help="the tuning poses (TUNE_POSES) instead of the reported ones")
    ap.add_argument("--side", choices=("left", "right"), default="left", help="which hand to pose and render")
    ap.add_argument("--cache", default=None, help="npz of renders' detections: written if absent, else reused")
    ap.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                    help="a fit_hands keyword (float), e.g. --set pose_prior=1")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    poses = TUNE_POSES if args.tune else POSES
    sheet = [] if args.out else None
    if args.cache and os.path.exists(args.cache):
        data = dict(np.load(args.cache))
    else:
        data = render_and_detect(poses, args.seed + (1 if args.tune else 0), sheet, ("left", "right").index(args.side))
        if args.cache:
            np.savez_compressed(args.cache, **data)
    body = load_body_model(None)
    skel = body_hand_skeleton(body, np.zeros(body.num_betas))
    kwargs = {k: float(v) for k, v in (s.split("=", 1) for s in args.set)}
    results, summary = evaluate(data, skel, kwargs)
    print(json.dumps(summary, indent=1))
    if args.json:
        with open(args.json, "w") as fh_:
            json.dump({"summary": summary, "images": results}, fh_, indent=1)
    if args.out and sheet:
        rows = [np.concatenate(sheet[i:i + 4], axis=1) for i in range(0, len(sheet) - len(sheet) % 4, 4)]
        cv2.imwrite(args.out, cv2.cvtColor(np.concatenate(rows, axis=0), cv2.COLOR_RGB2BGR))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
