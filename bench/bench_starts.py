"""The fit's start and landmark preprocessing on real-detector footage with exact truth (issue 20).

Input: videos from bench/render_moving.py with ``--camera static`` (VIDEO.mp4 + VIDEO.npz truth: real mocap —
CMU 131 for evaluation only, or held-out subjects of the converted set — rendered over a textured room).
BlazePose runs once per video (video mode, the detect stage's own code) and its landmarks are cached beside it
(VIDEO.landmarks.npz); then the clip fit runs from each start in ``--starts``, with the render's focal length:

- ``none``: the fit's own start (a neutral pose turned like the detected torso; ``hkmr infer --init none``);
- ``keypoints``: the shipped keypoint model's rotations and median shape (``--init keypoints``);
- ``keypoints=PATH``: another keypoint checkpoint.

``--pre`` names landmark preprocessing steps applied before the start and fit (compared against none);
``--prior`` adds a pose VAE (``python -m training.prior``) to the fit at ``w_vae``.
Scores on frames with a person (bench/bench_fit.py's definitions, camera frame): MPJPE and PA-MPJPE on the
14 LSP joints, root orientation error, accel error (mm/frame²), foot skate while the truth's foot is planted,
PA per joint; frame-weighted means over all videos at the end.

    nice -n 10 .venv/bin/python bench/bench_starts.py /tmp/rs/*.mp4 --starts none keypoints
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from dataclasses import replace

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from bench_fit import LSP_NAMES, pa_per_joint, scores  # noqa: E402
from root_metrics import root_bias, root_body_axes, torso_error  # noqa: E402

from core.body.discovery import OPEN_BODY_PATH  # noqa: E402
from core.body.landmark_points import landmark_points  # noqa: E402
from core.body.model import load_body_model  # noqa: E402
from core.detect.blazepose import DetectorOptions  # noqa: E402
from core.detect.landmarks import Landmarks  # noqa: E402
from core.fitting import contacts as ct  # noqa: E402
from core.fitting.clip import ClipFitConfig, fit_clip  # noqa: E402
from core.fitting.full_camera import FullCamera  # noqa: E402
from core.fitting.terms import FOOT_POINTS  # noqa: E402
from core.inference.sources import open_source  # noqa: E402
from core.inference.workdir import WorkDir  # noqa: E402
from core.pipeline.detect import DetectStage, landmarks_from_arrays, landmarks_to_arrays, run_detect  # noqa: E402
from core.pipeline.start import StartStage, run_start  # noqa: E402


def landmarks_for(video: str, mirror: bool = DetectorOptions.mirror) -> Landmarks:
    """BlazePose landmarks of ``video`` (cached in VIDEO.landmarks.npz; with ``mirror``, DetectorOptions(mirror=True),
    in VIDEO.mirror.landmarks.npz)."""
    cache = os.path.splitext(video)[0] + (".mirror" if mirror else "") + ".landmarks.npz"
    if os.path.exists(cache):
        z = dict(np.load(cache))
        return landmarks_from_arrays(z, tuple(int(v) for v in z["image_size"]), float(z["fps"]))
    with tempfile.TemporaryDirectory() as tmp:
        stage = DetectStage(open_source(video), DetectorOptions(mirror=mirror))
        lm = run_detect(stage, WorkDir(os.path.join(tmp, "w"), {}).open(False))
    extra = {} if lm.time_ms is None else {"time_ms": lm.time_ms}
    np.savez_compressed(cache, **landmarks_to_arrays(lm), **extra, image_size=np.array(lm.image_size), fps=lm.fps)
    return lm


def camera_truth(body, z: dict):
    """The render's world truth → the fit's frame (static camera): (rotmats (F,24,3,3), betas, transl (F,3))."""
    R = torch.as_tensor(z["cam_R"][0], dtype=torch.float32)
    t = torch.as_tensor(z["cam_t"][0], dtype=torch.float32)
    if np.abs(z["cam_R"] - z["cam_R"][:1]).max() > 1e-6:
        raise ValueError("bench_starts scores static-camera renders (render_moving.py --camera static)")
    rot = torch.as_tensor(z["rotmats"], dtype=torch.float32).clone()
    betas = torch.as_tensor(z["betas"], dtype=torch.float32)
    j0 = body.rest_joints(betas[None])[0, 0]
    rot[:, 0] = R @ rot[:, 0]
    transl = (j0 + torch.as_tensor(z["transl"], dtype=torch.float32)) @ R.T + t - j0
    return rot, betas, transl


def truth_floor(z: dict, feet: np.ndarray) -> ct.Floor:
    """The render's own floor under the truth's foot points (F,4,3, camera frame): the mocap world's up (+Y) in
    the camera's axes (``z["cam_R"]``, world → camera; a static camera's), through the feet's low points. Not
    :func:`core.fitting.contacts.estimate_floor`, which guesses the plane from the feet and keeps the camera's −y
    when they do not spread in two directions (a walk along a line): on a camera looking down, "up" is then off by
    the camera's pitch (up to 20° on these renders), heights drift with the distance, and a walk along the viewing
    ray loses its true contacts (docs/experiments.md, issue 20 session 15)."""
    up = np.asarray(z["cam_R"], np.float64)[0] @ np.array([0.0, 1.0, 0.0])
    return ct.Floor(up, -float(np.percentile((np.asarray(feet, np.float64) @ up).min(1), 5)), True)


def truth_planted(z: dict, feet: np.ndarray, cfg: ct.ContactConfig = ct.TRUTH_CONTACTS) -> np.ndarray:
    """(F,4) the truth's planted foot points (``feet`` (F,4,3) camera frame) over the render's floor
    (:func:`truth_floor`), by ``cfg`` (default: 4 cm / 0.3 m/s)."""
    feet = np.asarray(feet, np.float64)
    return ct.point_contacts(feet, np.ones(len(feet), bool), float(z["fps"]), truth_floor(z, feet), cfg)


def true_swaps(lm: Landmarks, truth_px: np.ndarray) -> dict[str, float]:
    """Share of found frames whose limb group's labels are exchanged against the truth: the exchanged labelling
    lies nearer the truth's projected landmarks (truth_px (F,33,2)) than the detected one, by 5 % of a torso."""
    from core.detect.swaps import LIMB_GROUPS, limb_pairs
    torso = np.linalg.norm(truth_px[:, [11, 12]].mean(1) - truth_px[:, [23, 24]].mean(1), axis=-1)
    out = {}
    for g in LIMB_GROUPS:
        left, right = limb_pairs(g)
        p = lm.points2d[:, left + right]
        d0 = np.linalg.norm(p - truth_px[:, left + right], axis=-1).mean(1)
        d1 = np.linalg.norm(p - truth_px[:, right + left], axis=-1).mean(1)
        out[f"swap% {g}"] = float(100 * ((d1 + 0.05 * torso < d0) & lm.found).sum() / max(lm.found.sum(), 1))
    return out


#: the limb landmarks whose 3D error is scored: shoulders, elbows, wrists, hips, knees, ankles, heels, toes
LIMB_POINTS = (11, 12, 13, 14, 15, 16, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32)


#: left/right landmark pairs whose depth order ``oracle:order`` sets: shoulders … toes, elbows, wrists
ORDER_PAIRS = ((11, 12), (13, 14), (15, 16), (23, 24), (25, 26), (27, 28), (29, 30), (31, 32))


def _exchange_depth(world: np.ndarray, frames: np.ndarray, left: int, right: int) -> None:
    """In place: on ``frames`` (F,) bool, landmarks ``left`` and ``right`` of world (F,33,3) trade their depths (z)."""
    world[frames, left, 2], world[frames, right, 2] = world[frames, right, 2], world[frames, left, 2]


def world_error(lm: Landmarks, truth_cam: np.ndarray) -> dict[str, float]:
    """The 3D input's error against the truth's landmark points (mm, frames with a person, the 16
    :data:`LIMB_POINTS`): hip-centred ("3D in MPJPE") and after Procrustes alignment ("3D in PA")."""
    from core.fitting.terms import HIPS
    from core.geometry.metrics import procrustes_align
    f, idx = lm.found, list(LIMB_POINTS)
    gt = truth_cam[f] - truth_cam[f][:, list(HIPS)].mean(1, keepdims=True)
    w = lm.world[f].astype(np.float64)
    w = w - w[:, list(HIPS)].mean(1, keepdims=True)
    gt, w = torch.as_tensor(gt[:, idx]), torch.as_tensor(w[:, idx])
    al = procrustes_align(w, gt)
    return {"3D in MPJPE": float(1000 * (w - gt).norm(dim=-1).mean()),
            "3D in PA": float(1000 * (al - gt).norm(dim=-1).mean())}


def _torso_turn(world: np.ndarray, truth_world: np.ndarray) -> np.ndarray:
    """(F,3,3) per-frame rotations taking the detected torso frame (:func:`core.fitting.terms.root_from_torso`)
    onto the truth's."""
    from core.fitting.terms import root_from_torso
    return root_from_torso(truth_world) @ np.swapaxes(root_from_torso(world), -1, -2)


def oracle(lm: Landmarks, what: str, truth_cam: np.ndarray, truth_px: np.ndarray) -> Landmarks:
    """Swap one input for the truth (a diagnosis: which detector error costs most). truth_cam (F,33,3) the true
    body's landmark points in the camera frame, truth_px (F,33,2) their projection. ``what``: "2d" (true pixels),
    "3d" (true hip-centred 3D in place of the world landmarks), "torso" (the world landmarks turned per frame so
    that their torso frame is the truth's: their lean/facing error removed, their pose kept), "tilt" (only the
    component of that turn about the camera's x axis: the lean towards/away from the camera), "depth" (world
    x, y kept, z from the truth), "order" (each left/right pair's depths exchanged where their order is
    the truth's opposite), "vis" (visibility 1 everywhere), "farwrist" (2D and 3D of the arm points
    whose visibility is < 0.5 from the truth)."""
    from core.fitting.terms import HIPS
    tw = (truth_cam - truth_cam[:, list(HIPS)].mean(1, keepdims=True)).astype(np.float32)
    f = lm.found
    px, world, vis = lm.points2d.copy(), lm.world.copy(), lm.visibility.copy()
    if what == "2d":
        px[f] = truth_px[f]
    elif what == "3d":
        world[f] = tw[f]
    elif what in ("torso", "tilt"):
        R = _torso_turn(world[f], tw[f])
        if what == "tilt":
            from core.detect.world_lean import lean_matrix
            a = np.degrees(np.arctan2(R[:, 2, 1] - R[:, 1, 2], R[:, 1, 1] + R[:, 2, 2]))
            R = np.stack([lean_matrix(x) for x in a])
        world[f] = np.einsum("fij,fnj->fni", R, world[f].astype(np.float64))
    elif what == "depth":
        world[f, :, 2] = tw[f, :, 2]
    elif what == "order":  # each left/right limb pair's depth order made the truth's (BlazePose's depths kept)
        for l, r in ORDER_PAIRS:
            wrong = np.sign(world[:, l, 2] - world[:, r, 2]) != np.sign(tw[:, l, 2] - tw[:, r, 2])
            _exchange_depth(world, f & wrong, l, r)
    elif what == "vis":
        vis[f] = 1.0
    elif what == "farwrist":
        arm = np.zeros(33, bool)
        arm[13:23] = True
        m = arm[None] & (vis < 0.5) & f[:, None]
        px[m], world[m] = truth_px[m], tw[m]
    else:
        raise ValueError(f"--pre oracle:{what}: unknown")
    true3d = what in ("3d", "torso", "tilt", "depth")  # the truth's facing: no BlazePose bias left to undo in the fit
    return replace(lm, points2d=px.astype(np.float32), world=world.astype(np.float32), visibility=vis,
                   world_from="truth" if true3d else lm.world_from)


_LIFTERS: dict = {}


def preprocess(lm: Landmarks, steps: list[str], truth_cam: np.ndarray | None = None,
               truth_px: np.ndarray | None = None, K: np.ndarray | None = None) -> Landmarks:
    """Apply ``steps`` in order: "swap" (:func:`core.detect.swaps.fix_swaps`), "lean:DEG"
    (:func:`core.detect.world_lean.level_world`), "inject:GROUP:A:B" (exchange GROUP's left/right labels on
    frames A…B−1, as BlazePose does on side views: a robustness test), "oracle:WHAT" (:func:`oracle`) or
    "lift" / "lift:PATH" / "lift=BLEND[,SIGMA]:PATH" (the world lifter's 3D, :func:`core.model.world_lifter.lift_world`;
    "liftedge…" pads its windows with the clip's end frames; a suffix "@shoulder" / "@elbow" / "@mix" keeps BlazePose's
    arms below that point, hung on the lifted 3D, or half of them; "@depth" keeps BlazePose's hip-centred x, y and
    takes only the lifted z) or "visorder[:TH]" (an arm pair's depths exchanged
    where the less visible one, by more than TH, is the nearer). The default path applies swap and lean:12
    (``core/pipeline/run.py``); this bench applies only what ``--pre`` names."""
    for step in steps:
        if step.startswith("oracle:"):
            lm = oracle(lm, step.split(":")[1], truth_cam, truth_px)
        elif step.startswith("inject:"):
            from core.detect.swaps import limb_pairs
            _, group, a, b = step.split(":")
            left, right = limb_pairs(group)
            arrays = {k: getattr(lm, k).copy() for k in ("points2d", "visibility", "presence", "world")}
            for x in arrays.values():
                x[int(a):int(b), left + right] = x[int(a):int(b), right + left]
            lm = replace(lm, **arrays)
        elif step.startswith("lean:"):  # BlazePose's world landmarks turned towards the camera by DEG
            from core.detect.world_lean import level_world
            lm = level_world(lm, float(step.split(":")[1]))
        elif step.startswith(("lift", "liftedge")) and step.removeprefix("liftedge").removeprefix("lift")[:1] in "=:":
            # the world lifter's 3D in place of BlazePose's world landmarks: "lift", "lift:PATH", "lift=BLEND:PATH";
            # "liftedge…": its windows padded with the clip's first / last frame instead of zeros
            from core.model.world_lifter import PIPELINE_SMOOTHING, WORLD_LIFTER_PATH, load_world_lifter, lift_world
            from core.fitting.terms import HIPS
            arms_from = None
            if "@" in step:  # lift…@shoulder / lift…@elbow: the arms below that point from BlazePose
                step, _, arms_from = step.partition("@")
            pad = "edge" if step.startswith("liftedge") else "zeros"
            step = "lift" + step[len("liftedge"):] if pad == "edge" else step
            blend, path, smooth = 1.0, step[5:], PIPELINE_SMOOTHING  # as hkmr infer --world3d lifter
            if step.startswith("lift="):  # lift=BLEND[,SIGMA]:PATH
                b, _, path = step[5:].partition(":")
                blend, _, sg = b.partition(",")
                blend, smooth = float(blend), float(sg or 0)
            path = path or str(WORLD_LIFTER_PATH)
            if path not in _LIFTERS:
                _LIFTERS[path] = load_world_lifter(path)
            before = lm
            lm = lift_world(lm, _LIFTERS[path], blend, smooth, pad)
            if arms_from == "depth":  # experiment: only the lifted depth; x, y (hip-centred) BlazePose's
                w0 = before.world - before.world[:, list(HIPS)].mean(1, keepdims=True)
                w = np.concatenate([w0[..., :2], lm.world[..., 2:]], -1)
                lm = replace(lm, world=np.where(before.found[:, None, None], w, 0).astype(np.float32))
            elif arms_from:  # experiment: the arms' points from BlazePose, hung on the lifted shoulders
                from training.lifter.temporal import ARMS  # shoulder, (elbow, wrist, pinky, index, thumb) per side
                w0 = before.world - before.world[:, list(HIPS)].mean(1, keepdims=True)
                w = lm.world.copy()
                k = 0.5 if arms_from == "mix" else 1.0
                for side, pts in ARMS.values():
                    src = pts[0] if arms_from == "elbow" else side
                    for q in pts[(1 if arms_from == "elbow" else 0):]:
                        w[:, q] = k * (w[:, src] + (w0[:, q] - w0[:, src])) + (1 - k) * w[:, q]
                lm = replace(lm, world=np.where(before.found[:, None, None], w, 0).astype(np.float32))
        elif step.startswith("visorder"):  # experiment: a left/right arm pair's depths exchanged where the less
            # visible one (by more than TH, default 0.2) is the nearer in the world landmarks
            th = float(step.partition(":")[2] or 0.2)
            world, v = lm.world.copy(), lm.visibility
            for l, r in ORDER_PAIRS[:3]:
                d = v[:, l] - v[:, r]
                nearer = np.sign(world[:, l, 2] - world[:, r, 2]) == np.sign(d)  # the less visible one is nearer
                _exchange_depth(world, lm.found & (np.abs(d) > th) & nearer, l, r)
            lm = replace(lm, world=world)
        elif step == "swap":
            from core.detect.swaps import fix_swaps
            lm = fix_swaps(lm).landmarks
        else:
            raise ValueError(f"--pre {step!r}: unknown")
    return lm


def render_case(body, video: str, steps: list[str]) -> tuple[dict, torch.Tensor, torch.Tensor, torch.Tensor,
                                                          Landmarks, FullCamera]:
    """A render's truth and landmarks over their common frames, ``steps`` applied (:func:`preprocess`, no
    oracles): (VIDEO.npz arrays, rotmats, betas, transl in the camera frame, landmarks, the render's camera)."""
    z = dict(np.load(os.path.splitext(video)[0] + ".npz"))
    rot, betas, transl = camera_truth(body, z)
    lm = landmarks_for(video)
    n = min(lm.num_frames, len(rot))
    lm = preprocess(lm.select(np.arange(n)), steps)
    return z, rot[:n], betas, transl[:n], lm, FullCamera.for_image(*lm.image_size, focal=float(z["K"][0, 0]))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("videos", nargs="+")
    ap.add_argument("--starts", nargs="+", default=["none", "keypoints"])
    ap.add_argument("--pre", nargs="*", default=[], help="landmark preprocessing: swap, lean:DEG, inject:GROUP:A:B")
    ap.add_argument("--variants", nargs="+", default=None, metavar="PRE", help="several --pre settings scored in "
                    "one process, each a space-separated string (e.g. 'swap lean:12' 'swap lean:12 lift:X.pt'); "
                    "replaces --pre")
    ap.add_argument("--fit-pre", nargs="*", default=[], help="more preprocessing for the fit only (after the start "
                    "ran on --pre's landmarks), e.g. lift:PATH")
    ap.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE", help="ClipFitConfig overrides")
    ap.add_argument("--betas", choices=("start", "bones", "true"), default="start",
                    help="the fit's β: the start's (default path), from the world landmarks' bone lengths, or the "
                         "truth's (an oracle)")
    ap.add_argument("--post-smooth", type=float, default=0.0, help="experiment: Gaussian σ (frames) on the output")
    ap.add_argument("--json", help="write the per-video rows here")
    ap.add_argument("--mirror", action=argparse.BooleanOptionalAction, default=DetectorOptions.mirror,
                    help="BlazePose also on the mirror images, averaged (DetectorOptions.mirror; default: its default)")
    ap.add_argument("--prior", default=None, help="a pose-VAE file (hkmr-pose-vae) for the fit's prior term (w_vae)")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    body = load_body_model(OPEN_BODY_PATH)
    cfg = ClipFitConfig()
    for k, v in (kv.split("=", 1) for kv in args.set):  # KEY=VALUE, or contact.KEY=VALUE (ContactConfig)
        if k.startswith("contact."):
            k = k.split(".", 1)[1]
            cfg = replace(cfg, contact=replace(cfg.contact, **{k: float(v)}))
        else:
            cfg = replace(cfg, **{k: type(getattr(cfg, k))(v) if not isinstance(getattr(cfg, k), bool)
                                  else v.lower() in ("1", "true")})
    from core.fitting.prior import VAEPrior, load_pose_vae
    prior = VAEPrior(load_pose_vae(args.prior)) if args.prior else None
    rows, totals = [], {}
    for video in args.videos:
        z = dict(np.load(os.path.splitext(video)[0] + ".npz"))
        fps = float(z["fps"])
        rot, betas, transl = camera_truth(body, z)
        lm = landmarks_for(video, args.mirror)
        n = min(lm.num_frames, len(rot))
        lm, rot, transl = lm.select(np.arange(n)), rot[:n], transl[:n]
        with torch.no_grad():
            gt_feet = landmark_points(body, rot, betas.expand(n, -1), transl)[:, list(FOOT_POINTS)].double().numpy()
        floor = truth_floor(z, gt_feet)
        planted = truth_planted(z, gt_feet)
        cam = FullCamera.for_image(*lm.image_size, focal=float(z["K"][0, 0]))
        with torch.no_grad():
            tp = landmark_points(body, rot, betas.expand(n, -1), transl).double().numpy()
        truth_px = tp[..., :2] / tp[..., 2:] * z["K"][0, 0] + z["K"][:2, 2]
        raw = lm
        variants = [v.split() for v in args.variants] if args.variants else [args.pre]
        for pre, start in ((p, s) for p in variants for s in args.starts):
            lm = preprocess(raw, pre, tp, truth_px, z["K"])
            swaps = true_swaps(lm, truth_px)
            label = f"{start} | {' '.join(pre)}" if args.variants else start
            print(f"\n{os.path.basename(video)}: {n} frames, person in {int(lm.found.sum())}; pre {pre or '-'}; "
                  + " ".join(f"{k} {v:.1f}" for k, v in swaps.items()), flush=True)
            t0 = time.perf_counter()
            kw = {}
            if start != "none":
                model = start.partition("=")[2] or None
                st = run_start(StartStage(lm, model))
                kw = dict(init_rotmats=st.rotmats, init_betas=st.betas)
            if args.betas == "true":
                kw["init_betas"] = betas.numpy()
            elif args.betas == "bones":
                kw.pop("init_betas", None)
            lm_fit = preprocess(lm, args.fit_pre, tp, truth_px, z["K"])
            fit = fit_clip(body, lm_fit, cfg=cfg, camera=cam, prior=prior, **kw)
            dt = time.perf_counter() - t0
            if args.post_smooth > 0:  # experiment: a Gaussian over time on the output (6D rotations, translation)
                import roma
                from scipy.ndimage import gaussian_filter1d as g1
                r6 = fit.rotmats[..., :2].reshape(n, 24, 6).astype(np.float64)
                r6 = g1(r6, args.post_smooth, axis=0, mode="nearest").reshape(n, 24, 3, 2)
                fit.rotmats = roma.special_gramschmidt(torch.as_tensor(r6)).numpy().astype(np.float32)
                fit.transl = g1(fit.transl, args.post_smooth, axis=0, mode="nearest")
            s = scores(body, fit, rot, betas, transl, fps, planted, floor.normal)
            s.update({f"PA {j}": float(e) for j, e in zip(LSP_NAMES, pa_per_joint(body, fit, rot, betas))})
            s.update(root_bias(fit, rot))
            s.update(root_body_axes(fit, rot))
            s.update(torso_error(body, fit, rot, betas))
            s["frames/s"] = n / dt
            s.update(swaps)
            s.update(world_error(lm_fit, tp))
            print(f"  {label:24s} " + "  ".join(f"{k} {v:.1f}" for k, v in s.items() if not k.startswith("PA ")),
                  flush=True)
            print(" " * 26 + "PA per joint: " + " ".join(f"{j} {s['PA ' + j]:.0f}" for j in LSP_NAMES), flush=True)
            rows.append({"video": os.path.basename(video), "start": start, "pre": pre, "fit_pre": args.fit_pre,
                         "set": args.set, "betas": args.betas, "mirror": args.mirror,
                         "prior": args.prior,
                         "frames": int(fit.valid.sum()),
                         **s})
            tot = totals.setdefault(label, {})
            w = int(fit.valid.sum())
            for k, v in s.items():
                if np.isfinite(v):
                    sw, ww = tot.get(k, (0.0, 0))
                    tot[k] = (sw + v * w, ww + w)
    if len(args.videos) > 1:
        print("\nframe-weighted means over all videos:")
        for start, tot in totals.items():
            print(f"  {start:24s} " + "  ".join(f"{k} {sw / w:.1f}" for k, (sw, w) in tot.items()))
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(rows, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
