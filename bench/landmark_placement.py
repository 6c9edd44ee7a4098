"""Where BlazePose puts its 12 limb landmarks on a body, measured on renders with truth (issue 20).

For renders with truth (``VIDEO.npz`` beside ``VIDEO.mp4``, bench/render_moving.py ``--camera static``) BlazePose
runs once per video (cached in ``VIDEO.landmarks.npz``, bench/bench_starts.py). Per landmark (shoulders, elbows,
wrists, hips, knees, ankles) and frame where it is seen (found, visibility ≥ 0.5): the 2D residual r = BlazePose −
the truth body's projected landmark point (:func:`core.body.landmark_points.landmark_points`, the SMPL joint), and the
linearised projection A of an offset o in the parent bone's rest frame in torso lengths
(:mod:`core.body.landmark_offsets`): r ≈ A·o, A = J_π(X) · R_parent · torso_length. Many views and poses make o
observable in all three axes; o is solved by robust least squares (Huber IRLS), left and right mirrored into one
(x flips sign), in the frame of the landmark joint's parent bone or its own (whichever, solved without a render,
lowers the median 2D error on more of the renders left out; an offset is kept only where that is 2/3 of them),
pooled over all renders and per view (the body facing the camera within 60°, side-on, facing away) and per clip,
to see whether it is one consistent offset or noise. Also: the 2D spread of the 12 landmarks
(RMS about their centroid) BlazePose / truth, with the joints and with the offset points.

    nice -n 10 .venv/bin/python bench/landmark_placement.py RENDER.mp4 ... [--json J] [--write] [--plot PNG]

``--write``: store the pooled mirrored offsets as core/body/assets/landmark_offsets.json (with this recipe).
Never run it on evaluation footage (CMU 01, 55, 131, subject 2/3) or the choosing set (subjects 3, 5, 6, 7's
renders in /work/wt/assets/choose): the offsets are calibrated on other training subjects' renders.
"""
from __future__ import annotations

import argparse
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench_starts import camera_truth, landmarks_for  # noqa: E402

from core.body.discovery import OPEN_BODY_PATH  # noqa: E402
from core.body.landmark_offsets import (FORMAT, LANDMARK_OFFSETS_PATH, MIRROR_X, OFFSET_LANDMARKS,  # noqa: E402
                                        LandmarkOffsets, fit_points, global_rotations, offset_frames, torso_length)
from core.body.landmark_points import landmark_points  # noqa: E402
from core.body.model import load_body_model  # noqa: E402
from core.detect.landmarks import BLAZEPOSE_NAMES  # noqa: E402

VIEWS = {"front": (0.0, 60.0), "side": (60.0, 120.0), "back": (120.0, 180.01)}
BONES = ("parent", "own")
LEFT = [i for i in OFFSET_LANDMARKS if BLAZEPOSE_NAMES[i].startswith("left")]


def case(body, video: str) -> dict:
    """One render of bench/render_moving.py (static camera): :func:`arrays` of its truth and BlazePose's landmarks."""
    z = dict(np.load(os.path.splitext(video)[0] + ".npz"))
    rot, betas, transl = camera_truth(body, z)
    lm = landmarks_for(video)
    n = min(lm.num_frames, len(rot))
    seen = lm.found[:n, None] & (lm.visibility[:n] >= 0.5)
    return arrays(body, os.path.basename(video), rot[:n], betas, transl[:n], np.full(n, float(z["K"][0, 0])),
                  np.repeat(z["K"][None, :2, 2], n, 0), lm.points2d[:n], seen, lm.world[:n])


def synthetic_cases(body, folder: str) -> list[dict]:
    """The detector-noise calibration renders (``python -m training.data.synthetic --clip``, docs/keypoint-model.md):
    BlazePose (video mode, one tracker per clip, no occluder) on each clip, cached in FOLDER/detections_none.npz;
    one :func:`arrays` per clip."""
    from core.geometry.rotations import axis_angle_to_matrix
    z = dict(np.load(os.path.join(folder, "synthetic.npz")))
    cache = os.path.join(folder, "detections_none.npz")
    if not os.path.exists(cache):
        from training.keypoints.detect_renders import detect_renders
        np.savez_compressed(cache, **detect_renders(folder, body, protocols=("none",)))
    det = dict(np.load(cache))
    rot = axis_angle_to_matrix(torch.as_tensor(z["pose"], dtype=torch.float32).reshape(-1, 24, 3))
    out = []
    for cid in np.unique(z["clip_id"]):
        i = np.flatnonzero(z["clip_id"] == cid)
        seen = det["none/found"][i, None] & (det["none/visibility"][i] >= 0.5)
        out.append(arrays(body, f"synthetic clip {int(cid)}", rot[i],
                          torch.as_tensor(z["shape"][i[0]], dtype=torch.float32),
                          torch.as_tensor(z["transl"][i], dtype=torch.float32), z["cam_K"][i, 0, 0],
                          z["cam_K"][i, :2, 2], det["none/points2d"][i], seen, det["none/world"][i]))
    return out


def arrays(body, name: str, rot, betas, transl, f: np.ndarray, c: np.ndarray, points2d: np.ndarray,
           seen: np.ndarray, world: np.ndarray | None = None) -> dict:
    """Truth (n,24,3,3) camera-frame rotations, (NB,) β, (n,3) translation; per frame focal f (n,) and principal point
    c (n,2) px; the detector's (n,33,2) px and seen (n,33) → per frame and limb landmark the residual (px), its
    Jacobian A per bone (px per torso length of offset, the bone's rest frame), a seen mask, the body's facing angle
    to the camera (deg), px per metre at the point, and the 2D points (BlazePose, truth joints) for the spread; with
    BlazePose's ``world`` (n,33,3): ``world_r`` (n,12,3) its limb landmarks scaled per frame onto the truth's (least
    squares), both hip-centred, minus the truth's (camera axes, metres), and ``G`` (n,24,3,3) the truth's rotations."""
    n = len(rot)
    with torch.no_grad():
        X = landmark_points(body, rot, betas.expand(n, -1), transl).double().numpy()     # (n,33,3) camera
        G = global_rotations(body, rot).double().numpy()                                 # (n,24,3,3) camera
        s = float(torso_length(body, betas[None])[0])
    ix = list(OFFSET_LANDMARKS)
    x, y, d = X[:, ix, 0], X[:, ix, 1], X[:, ix, 2]
    fk = np.asarray(f, np.float64)[:, None]
    J = np.zeros((n, len(ix), 2, 3))
    J[..., 0, 0] = J[..., 1, 1] = fk / d
    J[..., 0, 2], J[..., 1, 2] = -fk * x / d ** 2, -fk * y / d ** 2
    own = np.zeros(len(BLAZEPOSE_NAMES), bool)
    own[ix] = True
    A = {bone: np.einsum("nkab,nkbc->nkac", J, G[:, offset_frames(body, own if bone == "own" else None)[ix]]) * s
         for bone in BONES}
    truth_px = X[..., :2] / X[..., 2:] * fk[..., None] + np.asarray(c, np.float64)[:, None]
    r = np.asarray(points2d, np.float64) - truth_px
    fwd = G[:, 0, :, 2]                                             # the body's forward (+z) in the camera frame
    to_cam = -X[:, list(ix[6:8])].mean(1)
    facing = np.degrees(np.arccos(np.clip((fwd * to_cam).sum(-1) / np.linalg.norm(to_cam, axis=-1), -1, 1)))
    return dict(name=name, r=r[:, ix], A=A, seen=np.asarray(seen)[:, ix], facing=facing,
                px_per_m=fk / d, torso=s, bp=np.asarray(points2d, np.float64)[:, ix], truth=truth_px[:, ix],
                rot=rot, betas=betas, transl=transl, f=fk, c=np.asarray(c, np.float64), n=n, G=G,
                world_r=None if world is None else _world_residual(np.asarray(world, np.float64), X))


def _world_residual(world: np.ndarray, X: np.ndarray) -> np.ndarray:
    """(n,33,3) BlazePose world, (n,33,3) truth landmark points → (n,12,3) scaled world − truth, both hip-centred."""
    ix = list(OFFSET_LANDMARKS)
    T = X[:, ix] - X[:, [23, 24]].mean(1, keepdims=True)
    W = world[:, ix] - world[:, [23, 24]].mean(1, keepdims=True)
    s = (W * T).sum((1, 2)) / np.maximum((W * W).sum((1, 2)), 1e-9)
    return s[:, None, None] * W - T


def world_placement(body, cases: list[dict], own: np.ndarray) -> None:
    """Print where BlazePose's *world* landmarks sit (scaled per frame, hip-centred) against the joints: the median
    residual in each landmark's bone frame (the bones :func:`main` chose), cm, left and right mirrored."""
    ix = list(OFFSET_LANDMARKS)
    fr = offset_frames(body, own)[ix]
    print("BlazePose's world landmarks (scaled onto the truth per frame, hip-centred) − the joints, median, cm:")
    for k in range(0, len(ix), 2):
        rows = [np.einsum("nji,nj->ni", cs["G"][:, fr[j]], cs["world_r"][:, j])[cs["seen"][:, j]] * m
                for cs in cases if cs["world_r"] is not None for j, m in ((k, 1.0), (k + 1, MIRROR_X))]
        a = 100 * np.median(np.concatenate(rows), 0)
        print(f"  {BLAZEPOSE_NAMES[ix[k]].replace('left_', ''):9s} ({a[0]:+5.1f}, {a[1]:+5.1f}, {a[2]:+5.1f})  "
              f"{body.joint_names[fr[k]].replace('left_', '')} frame")


def solve(A: np.ndarray, r: np.ndarray, delta: float = 0.15, iters: int = 20) -> tuple[np.ndarray, float]:
    """Huber IRLS of r (N,2) ≈ A (N,2,3) · o; ``delta`` in residual units (torso lengths). → o (3,), condition
    number of the normal matrix."""
    w = np.ones(len(r))
    o = np.zeros(3)
    for _ in range(iters):
        M = np.einsum("n,nai,naj->ij", w, A, A)
        o = np.linalg.solve(M + 1e-9 * np.eye(3), np.einsum("n,nai,na->i", w, A, r))
        e = np.linalg.norm(r - A @ o, axis=-1)
        w = np.where(e <= delta, 1.0, delta / np.maximum(e, 1e-12))
    return o, float(np.linalg.cond(M))


def stacked(cases: list[dict], k_left: int, frames=None, bone: str = "parent") -> tuple[np.ndarray, np.ndarray]:
    """Rows of the left landmark ``k_left`` (index into OFFSET_LANDMARKS) and its right mirror (A·diag(MIRROR_X)),
    residuals in torso lengths (divided by px per torso length at the point) so that every frame weighs the same;
    the offset in ``bone``'s frame (the landmark joint's parent or its own)."""
    As, rs = [], []
    for cs in cases:
        sel = np.ones(cs["n"], bool) if frames is None else frames(cs)
        for k, m in ((k_left, np.ones(3)), (k_left + 1, MIRROR_X)):
            ok = cs["seen"][:, k] & sel
            unit = cs["px_per_m"][ok, k] * cs["torso"]                                     # px per torso length
            As.append(cs["A"][bone][ok, k] * m / unit[:, None, None])
            rs.append(cs["r"][ok, k] / unit[:, None])
    return np.concatenate(As), np.concatenate(rs)


def held_out(cases: list[dict], k: int, bone: str) -> tuple[int, int]:
    """Leave one render out: the offset solved on the others; on how many held-out renders (of those with ≥ 20
    rows) it lowers the median 2D error, and of how many."""
    better = total = 0
    for i, cs in enumerate(cases):
        A, r = stacked([cs], k, bone=bone)
        if len(r) < 20:
            continue
        o = solve(*stacked(cases[:i] + cases[i + 1:], k, bone=bone))[0]
        better += int(np.median(np.linalg.norm(r - A @ o, axis=-1)) < np.median(np.linalg.norm(r, axis=-1)))
        total += 1
    return better, total


def spread(p: np.ndarray) -> np.ndarray:
    """(n,K,2) → (n,) RMS distance from the centroid."""
    return np.sqrt(((p - p.mean(1, keepdims=True)) ** 2).sum(-1).mean(-1))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("videos", nargs="*")
    ap.add_argument("--synthetic", help="a calibration render folder (training.data.synthetic --clip) to measure too")
    ap.add_argument("--json", help="write the measurements here")
    ap.add_argument("--write", action="store_true", help=f"store the pooled offsets in {LANDMARK_OFFSETS_PATH}")
    ap.add_argument("--plot", help="a PNG: BlazePose's landmarks, SMPL's joints and the offset points on a frame")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    body = load_body_model(OPEN_BODY_PATH)
    cases = [case(body, v) for v in args.videos] + (synthetic_cases(body, args.synthetic) if args.synthetic else [])
    torso_cm = 100 * float(np.mean([cs["torso"] for cs in cases]))
    out: dict = {"videos": [cs["name"] for cs in cases], "torso_cm": torso_cm, "landmarks": {}}
    pooled, own = np.zeros((len(BLAZEPOSE_NAMES), 3)), np.zeros(len(BLAZEPOSE_NAMES), bool)
    print(f"{len(cases)} renders, {sum(cs['n'] for cs in cases)} frames; mean torso {torso_cm:.1f} cm. Offsets in the "
          "named bone's rest frame (x the body's left for the left side, y up, z forward), cm at that torso")
    print(f"{'landmark':10s} {'all views':>22s} {'cond':>6s} " + " ".join(f"{v:>22s}" for v in VIEWS)
          + "  2D err median before → after (% torso)")
    for j, k in enumerate(range(0, len(OFFSET_LANDMARKS), 2)):
        name = BLAZEPOSE_NAMES[OFFSET_LANDMARKS[k]].replace("left_", "")
        loco = {b: held_out(cases, k, b) for b in BONES}
        bone = max(BONES, key=lambda b: loco[b][0])
        A, r = stacked(cases, k, bone=bone)
        o, cond = solve(A, r)
        per_view = {}
        for v, (lo, hi) in VIEWS.items():
            Av, rv = stacked(cases, k, lambda cs, lo=lo, hi=hi: (cs["facing"] >= lo) & (cs["facing"] < hi), bone)
            per_view[v] = (solve(Av, rv)[0].tolist(), int(len(rv) // 1)) if len(rv) > 30 else (None, len(rv))
        per_clip = {cs["name"]: solve(*stacked([cs], k, bone=bone))[0].tolist() for cs in cases}
        before = float(np.median(np.linalg.norm(r, axis=-1)))
        after = float(np.median(np.linalg.norm(r - A @ o, axis=-1)))
        keep = 3 * loco[bone][0] >= 2 * loco[bone][1]   # consistent: it helps on 2/3 of the renders it never saw
        pooled[OFFSET_LANDMARKS[k]], pooled[OFFSET_LANDMARKS[k + 1]] = (o, o * MIRROR_X) if keep else (0 * o, 0 * o)
        own[OFFSET_LANDMARKS[k]] = own[OFFSET_LANDMARKS[k + 1]] = bone == "own"
        fmt = lambda v: "—" if v is None else "(" + ", ".join(f"{torso_cm * c:+5.1f}" for c in v) + ")"  # noqa: E731
        print(f"{name:10s} {fmt(o):>22s} {cond:6.0f} " + " ".join(f"{fmt(per_view[v][0]):>22s}" for v in VIEWS)
              + f"  {100 * before:.1f} → {100 * after:.1f}  (n {len(r)}); {bone} bone; held out "
              + ", ".join(f"{b} {v[0]}/{v[1]}" for b, v in loco.items()) + ("" if keep else "  NOT KEPT"))
        clip_cm = np.array([v for v in per_clip.values()]) * torso_cm
        print(f"{'':10s} per clip, cm: x {clip_cm[:, 0].min():+.1f}…{clip_cm[:, 0].max():+.1f}  "
              f"y {clip_cm[:, 1].min():+.1f}…{clip_cm[:, 1].max():+.1f}  z {clip_cm[:, 2].min():+.1f}…"
              f"{clip_cm[:, 2].max():+.1f}")
        out["landmarks"][name] = {"offset": o.tolist(), "cond": cond, "n": len(r), "per_view": per_view,
                                  "per_clip": per_clip, "err_before": before, "err_after": after, "kept": bool(keep),
                                  "bone": bone, "held_out_better": loco}
    # the 2D spread of the 12 landmarks, BlazePose / truth, with the joints and with the offset points
    off = LandmarkOffsets(pooled.astype(np.float32), own, {})
    print("2D spread of the 12 limb landmarks, BlazePose / truth (median over seen frames): joints → offset points")
    for cs in cases:
        with torch.no_grad():
            Xo = fit_points(body, cs["rot"], cs["betas"].expand(cs["n"], -1), off, cs["transl"]).double().numpy()
        po = (Xo[..., :2] / Xo[..., 2:] * cs["f"][..., None] + cs["c"][:, None])[:, list(OFFSET_LANDMARKS)]
        ok = cs["seen"].all(1)
        a = float(np.median(spread(cs["bp"][ok]) / spread(cs["truth"][ok])))
        b = float(np.median(spread(cs["bp"][ok]) / spread(po[ok])))
        out.setdefault("spread", {})[cs["name"]] = [a, b]
        print(f"  {cs['name']:22s} {a:.3f} → {b:.3f}  ({int(ok.sum())} frames)")
    world_placement(body, cases, own)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(out, fh, indent=1)
    if args.write:
        names = [BLAZEPOSE_NAMES[i] for i in OFFSET_LANDMARKS]
        doc = {"format": FORMAT, "version": 1, "unit": "rest torso length (mid-hip to mid-shoulder joints)",
               "frame": "rest frame of the bone ('parent': the landmark joint's parent, 'own': the joint's own): x the "
                        "body's left, y up, z forward",
               "offsets": {n: {"offset": [round(float(v), 5) + 0.0 for v in pooled[BLAZEPOSE_NAMES.index(n)]],
                               "bone": "own" if own[BLAZEPOSE_NAMES.index(n)] else "parent"} for n in names},
               "meta": {"renders": out["videos"], "frames": sum(cs["n"] for cs in cases),
                        "recipe": "bench/render_moving.py --motion mocap --camera static (training subjects 8, 9, "
                                  "49, 85, 135; docs/experiments.md 'Where BlazePose puts its landmarks'), then "
                                  "bench/landmark_placement.py RENDERS --write",
                        "detector": "mediapipe 0.10.21 BlazePose full, video mode (core.detect)",
                        "renders_command": "nice -n 10 .venv/bin/python bench/render_moving.py --motion mocap "
                                           "--mocap-clip CLIPS/<source>_<clip>.npz --camera static --size 960x540 "
                                           "--frames 90|120 --azimuth A [--height H]: NAME_aA.mp4 (085_14 H 2.4, "
                                           "135_02_a315 H 0.8)",
                        "err2d_torso_before_after": {n: [round(v["err_before"], 4), round(v["err_after"], 4)]
                                                     for n, v in out["landmarks"].items()},
                        "renders_left_out_improved": {n: {"bone": v["bone"], **{b: list(c) for b, c in
                                                                              v["held_out_better"].items()}}
                                                      for n, v in out["landmarks"].items()}}}
        os.makedirs(os.path.dirname(LANDMARK_OFFSETS_PATH), exist_ok=True)
        with open(LANDMARK_OFFSETS_PATH, "w") as fh:
            json.dump(doc, fh, indent=1)
        print("wrote", LANDMARK_OFFSETS_PATH)
    if args.plot:
        plot(body, cases[:len(args.videos)], args.videos, off, args.plot)
    return 0


def plot(body, cases: list[dict], videos: list[str], off, png: str) -> None:
    """Crops of one frame per view (the frame whose facing is nearest the view's middle, all 12 landmarks seen, none
    more than 0.2 torso lengths off — a typical frame, no swap):
    BlazePose's landmarks (red crosses), SMPL's joints (blue rings), joint + offset (green dots)."""
    import cv2
    tiles = []
    for v, (lo, hi) in VIEWS.items():
        mid = (lo + min(hi, 180.0)) / 2 if v == "side" else (lo if v == "front" else 180.0)
        def typical(cs: dict) -> np.ndarray:
            return np.linalg.norm(cs["r"], axis=-1).max(1) < 0.2 * (cs["px_per_m"] * cs["torso"]).min(1)
        cands = [(abs(cs["facing"][t] - mid), ci, int(t)) for ci, cs in enumerate(cases)
                 for t in np.flatnonzero(cs["seen"].all(1) & typical(cs) & (cs["facing"] >= lo) & (cs["facing"] < hi))]
        if not cands:
            continue
        _, ci, t = min(cands)
        cs = cases[ci]
        cap = cv2.VideoCapture(videos[ci])
        cap.set(cv2.CAP_PROP_POS_FRAMES, t)
        img = cap.read()[1]
        with torch.no_grad():
            Xo = fit_points(body, cs["rot"][t:t + 1], cs["betas"][None], off, cs["transl"][t:t + 1]).double().numpy()[0]
        po = (Xo[:, :2] / Xo[:, 2:] * cs["f"][t] + cs["c"][t])[list(OFFSET_LANDMARKS)]
        pts = np.concatenate([cs["bp"][t], cs["truth"][t], po])
        x0, y0 = np.maximum(pts.min(0) - 30, 0).astype(int)
        x1, y1 = (pts.max(0) + 30).astype(int)
        k = 440 / (y1 - y0)
        crop = cv2.resize(img[y0:y1, x0:x1], (int((x1 - x0) * k), 440), interpolation=cv2.INTER_CUBIC)
        q = lambda p: tuple(int(round(a)) for a in (p - [x0, y0]) * k)  # noqa: E731
        for p in cs["truth"][t]:
            cv2.circle(crop, q(p), 6, (255, 60, 0), 2, cv2.LINE_AA)
        for p in po:
            cv2.circle(crop, q(p), 4, (0, 230, 0), -1, cv2.LINE_AA)
        for p in cs["bp"][t]:
            cv2.drawMarker(crop, q(p), (0, 0, 255), cv2.MARKER_CROSS, 12, 2, cv2.LINE_AA)
        cv2.putText(crop, f"{v}: {cs['name'][:-4]} #{t}", (6, 22), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (255, 255, 255), 2,
                    cv2.LINE_AA)
        tiles.append(crop)
    cv2.imwrite(png, np.concatenate(tiles, 1))
    print("wrote", png)


if __name__ == "__main__":
    sys.exit(main())
