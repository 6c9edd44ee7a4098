"""The fitted body's facing against a render's truth, split by how the person faces the camera (issue 22).

Input: renders of bench/render_moving.py (VIDEO.mp4 + VIDEO.npz truth) and, per video, a motion file of it with the
filming camera (``view_*``, e.g. ``bench/bench_moving.py --keep DIR`` writes ``DIR/NAME.MODE.npz``). Angles are about
the world's up seen in the camera frame, 0° = facing the camera, +90° = facing the camera's right (the person's
left side towards the camera), ±180° = facing away. Per frame:

- ``true``: the truth's facing (its hip line's normal: the same definition for every source);
- ``blazepose``: the facing of BlazePose's 3D world landmarks' hip line (after the pipeline's lean and swap fixes);
- ``fit``: the fitted body's hip-line facing (from the motion file);
- ``root_deg``: the fitted root orientation's angle from the truth's (camera frame, degrees).

Prints, per bin of the true facing (45° wide), the mean signed error (source − truth) and the error "towards the
camera" (|true| − |source|: > 0 means the source faces the camera more than the person does); with ``--json`` the
per-frame arrays; ``--plot BEFORE.json AFTER.json OUT.png`` draws the error by view from two of them.

    nice -n 10 .venv/bin/python bench/facing_bias.py /work/wt/assets/choose/003_01.mp4 --motions DIR --mode static
"""
from __future__ import annotations

import argparse
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from bench_moving import _rotmats  # noqa: E402
from camera_split import landmarks_of  # noqa: E402

from core.body.discovery import OPEN_BODY_PATH  # noqa: E402
from core.body.landmark_points import landmark_points  # noqa: E402
from core.body.model import load_body_model  # noqa: E402
from core.fitting.terms import HIPS  # noqa: E402
from core.motion import read_motion  # noqa: E402
from core.pipeline.run import RealOptions  # noqa: E402


def facing_deg(hip_line: np.ndarray, to_cam: np.ndarray, up: np.ndarray) -> np.ndarray:
    """(F,) facing (degrees) of a body with hip line (F,3) (left hip − right hip, camera frame), seen along
    ``to_cam`` (F,3) or (3,) (from the person towards the camera: −pelvis for the ray, (0, 0, −1) for the optical
    axis), with the world's up (F,3) or (3,) in the camera frame: the hip line's normal in the plane ⊥ up, as an
    angle from ``to_cam``, positive towards the camera's right."""
    up = np.broadcast_to(np.asarray(up, np.float64), hip_line.shape)
    up = up / np.linalg.norm(up, axis=-1, keepdims=True)
    fwd = np.cross(hip_line, up)                  # SMPL: left hip at +x, up +y, facing +z = x × y
    fwd = fwd - (fwd * up).sum(-1, keepdims=True) * up
    to_cam = np.broadcast_to(np.asarray(to_cam, np.float64), hip_line.shape)
    to_cam = to_cam - (to_cam * up).sum(-1, keepdims=True) * up
    side = np.cross(up, to_cam)                   # the camera's right (x) for up = −y, to_cam = −z
    ang = np.arctan2((fwd * side).sum(-1), (fwd * to_cam).sum(-1) * np.linalg.norm(side, axis=-1) /
                     np.linalg.norm(to_cam, axis=-1))
    return np.degrees(ang)


def wrap(d: np.ndarray) -> np.ndarray:
    return (np.asarray(d) + 180.0) % 360.0 - 180.0


@torch.no_grad()
def facings(body, video: str, motion_path: str, keep: str, ray: bool = True) -> dict:
    truth = dict(np.load(os.path.splitext(video)[0] + ".npz"))
    m = read_motion(motion_path)
    n = min(len(m.trans), len(truth["transl"]))
    f32 = lambda a: torch.as_tensor(np.asarray(a), dtype=torch.float32)  # noqa: E731
    up_c = np.einsum("fij,j->fi", truth["cam_R"][:n], [0.0, 1.0, 0.0])    # the world's up in the camera frame
    pg = landmark_points(body, f32(truth["rotmats"][:n]), f32(truth["betas"])[None].expand(n, -1),
                         f32(truth["transl"][:n])).double().numpy()
    pg = np.einsum("fij,fnj->fni", truth["cam_R"][:n], pg) + truth["cam_t"][:n, None]
    pe = landmark_points(body, f32(_rotmats(m)[:n]), f32(m.betas)[None].expand(n, -1), f32(m.trans[:n])).double().numpy()
    pe = np.einsum("fij,fnj->fni", m.view.R[:n], pe) + m.view.t[:n, None]
    _, lm = landmarks_of(video, keep, RealOptions(focal_length=float(truth["K"][0, 0])))
    a, b = HIPS
    to_cam = -pg[:, list(HIPS)].mean(1) if ray else np.array([0.0, 0.0, -1.0])
    valid = np.asarray(m.valid[:n], bool) & np.asarray(lm.found[:n], bool)
    re = np.einsum("fij,fjk->fik", m.view.R[:n], _rotmats(m)[:n, 0].astype(np.float64))
    rg = np.einsum("fij,fjk->fik", truth["cam_R"][:n], np.asarray(truth["rotmats"][:n, 0], np.float64))
    cos = (np.trace(np.einsum("fji,fjk->fik", re, rg), axis1=1, axis2=2) - 1) / 2
    return {"valid": valid, "root_deg": np.degrees(np.arccos(np.clip(cos, -1, 1))),
            "true": facing_deg(pg[:, a] - pg[:, b], to_cam, up_c),
            "fit": facing_deg(pe[:, a] - pe[:, b], to_cam, up_c),
            "blazepose": facing_deg(lm.world[:n, a] - lm.world[:n, b], to_cam, up_c)}


def table(rows: dict[str, dict]) -> list[str]:
    """Per 45° bin of |true facing|: frames, mean signed error and error towards the camera of each source."""
    out = ["| true facing |x| | frames | BlazePose: signed / towards camera | fit: signed / towards camera |",
           "| --- | --- | --- | --- |"]
    t = np.concatenate([r["true"][r["valid"]] for r in rows.values()])
    src = {k: np.concatenate([r[k][r["valid"]] for r in rows.values()]) for k in ("blazepose", "fit")}
    for lo in range(0, 180, 45):
        sel = (np.abs(t) >= lo) & (np.abs(t) < lo + 45)
        if not sel.any():
            continue
        cells = []
        for k in ("blazepose", "fit"):
            d = wrap(src[k][sel] - t[sel])
            towards = np.abs(t[sel]) - np.abs(src[k][sel])
            cells.append(f"{d.mean():+.1f}° / {towards.mean():+.1f}°")
        out.append(f"| {lo}–{lo + 45}° | {int(sel.sum())} | " + " | ".join(cells) + " |")
    return out


def plot(before: str, after: str, out: str, label: str = "fit after (facing turned)") -> None:
    """PNG: per 20° bin of the true facing, the median error of BlazePose's landmarks and of the fit before / after
    (two ``--json`` files of this script on the same clips)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    runs = [json.load(open(before)), json.load(open(after))]
    cat = lambda r, k: np.concatenate([np.asarray(v[k])[np.asarray(v["valid"], bool)] for v in r.values()])  # noqa: E731
    t = cat(runs[0], "true")
    edges = np.arange(-180, 181, 20)
    mid = (edges[:-1] + edges[1:]) / 2
    fig, ax = plt.subplots(figsize=(7, 3.6), dpi=110)
    for label, r, k, style in (("BlazePose's world landmarks", runs[0], "blazepose", "k--"),
                               ("fit before", runs[0], "fit", "r-o"), (label, runs[1], "fit", "g-o")):
        d = wrap(cat(r, k) - t)
        med = [np.median(d[(t >= a) & (t < b)]) if ((t >= a) & (t < b)).sum() >= 10 else np.nan
               for a, b in zip(edges[:-1], edges[1:])]
        ax.plot(mid, med, style, label=label, ms=4)
    ax.axhline(0, color="grey", lw=0.8)
    ax.set_xlabel("true facing (degrees from facing the camera; + = towards the camera's right)")
    ax.set_ylabel("facing error, median (°)")
    ax.set_xticks(np.arange(-180, 181, 45))
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(out)
    print(f"wrote {out}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("videos", nargs="*")
    ap.add_argument("--motions", help="folder with NAME.MODE.npz motion files")
    ap.add_argument("--mode", default="static")
    ap.add_argument("--keep", help="detections cached here (default: --motions)")
    ap.add_argument("--axis", action="store_true", help="angles from the optical axis instead of the person's ray")
    ap.add_argument("--json")
    ap.add_argument("--after-label", default="fit after (facing turned)", help="--plot's legend for AFTER_JSON")
    ap.add_argument("--plot", nargs=3, metavar=("BEFORE_JSON", "AFTER_JSON", "PNG"),
                    help="only draw the bias by view from two --json files")
    args = ap.parse_args(argv)
    if args.plot:
        plot(*args.plot, label=args.after_label)
        return 0
    torch.set_num_threads(1)
    body = load_body_model(OPEN_BODY_PATH)
    rows = {}
    os.makedirs(args.keep or args.motions, exist_ok=True)
    for video in args.videos:
        name = os.path.basename(video)[:-4]
        r = facings(body, video, os.path.join(args.motions, f"{name}.{args.mode}.npz"), args.keep or args.motions,
                     not args.axis)
        rows[name] = r
        v = r["valid"]
        bp, ft = wrap(r["blazepose"] - r["true"])[v], wrap(r["fit"] - r["true"])[v]
        tw = lambda k: (np.abs(r["true"]) - np.abs(r[k]))[v].mean()  # noqa: E731
        print(f"{name:16s} true |facing| {np.abs(r['true'][v]).mean():5.1f}°  BlazePose {bp.mean():+6.1f}° (towards "
              f"camera {tw('blazepose'):+5.1f}°, |err| {np.abs(bp).mean():4.1f})  fit {ft.mean():+6.1f}° (towards "
              f"{tw('fit'):+5.1f}°, |err| {np.abs(ft).mean():4.1f})  root orientation error {r['root_deg'][v].mean():4.1f}°",
              flush=True)
    print("\n".join(table(rows)))
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({k: {kk: np.asarray(vv).tolist() for kk, vv in r.items()} for k, r in rows.items()}, fh)
    return 0


if __name__ == "__main__":
    sys.exit(main())
