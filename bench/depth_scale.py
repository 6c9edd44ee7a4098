"""Where the fitted depth comes from: the body's size against the detector's 2D and 3D, per clip and over time.

For renders with truth (``VIDEO.npz`` beside ``VIDEO.mp4``, as bench/render_moving.py and render_clips.py write) and
motion files fitted to them (``--motions DIR``: ``NAME.*.npz``, e.g. bench_moving.py's ``--keep`` folder):

- stature of the fitted body against the truth's (:func:`core.fitting.shape.stature`), and the sum of the body's
  9 shape bones (:data:`core.fitting.shape.BONES`) fitted / true;
- the camera-frame depth of the mid-hip, fitted / true (per frame; median and 10–90 % over the clip);
- the spread (RMS distance from their centroid) of 13 body landmarks: BlazePose's 2D against the truth's projection,
  BlazePose's world landmarks and the fitted body (hip-centred) against the truth's, camera axes;
- the depth ratio per 20 frames and its correlation with the fitted 3D spread / the 2D spread (the depth a fit of
  that size needs to match that 2D).

    .venv/bin/python bench/depth_scale.py CLIP.mp4 ... --motions DIR --keep DET [--json J] [--plot PNG]

``--keep DET``: where the detections are (re)used (bench/camera_split.py's cache). The landmarks are levelled and
swap-fixed as the fit sees them (not facing-turned: the turn does not change sizes).
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

from bench_moving import _rotmats  # noqa: E402
from camera_split import landmarks_of  # noqa: E402

from core.body.discovery import OPEN_BODY_PATH  # noqa: E402
from core.body.landmark_points import landmark_points  # noqa: E402
from core.body.model import load_body_model  # noqa: E402
from core.fitting.shape import bone_lengths, stature  # noqa: E402
from core.fitting.terms import HIPS  # noqa: E402
from core.motion import read_motion  # noqa: E402
from core.pipeline.run import RealOptions  # noqa: E402

#: nose, shoulders, elbows, wrists, hips, knees, ankles
SPREAD_POINTS = [0, 11, 12, 13, 14, 15, 16, 23, 24, 25, 26, 27, 28]


def spread(p: np.ndarray) -> np.ndarray:
    """(F,33,D) → (F,) RMS distance of :data:`SPREAD_POINTS` from their centroid."""
    q = p[:, SPREAD_POINTS]
    return np.sqrt(((q - q.mean(1, keepdims=True)) ** 2).sum(-1).mean(1))


def _points(body, rotmats, betas, transl) -> np.ndarray:
    n = len(rotmats)
    f32 = lambda a: torch.as_tensor(np.asarray(a), dtype=torch.float32)  # noqa: E731
    with torch.no_grad():
        return landmark_points(body, f32(rotmats), f32(betas)[None].expand(n, -1), f32(transl)).double().numpy()


def clip_report(body, video: str, motion_path: str, keep: str) -> dict:
    truth = dict(np.load(os.path.splitext(video)[0] + ".npz"))
    m = read_motion(motion_path)
    _, lm = landmarks_of(video, keep, RealOptions(focal_length=float(truth["K"][0, 0])))
    n = min(lm.num_frames, len(m.trans), len(truth["transl"]))
    pg = _points(body, truth["rotmats"][:n], truth["betas"], truth["transl"][:n])
    pe = _points(body, _rotmats(m)[:n], m.betas, m.trans[:n])
    cg = np.einsum("fij,fnj->fni", truth["cam_R"][:n], pg) + truth["cam_t"][:n, None]
    ce = np.einsum("fij,fnj->fni", m.view.R[:n], pe) + m.view.t[:n, None]
    hip = lambda p: p[:, list(HIPS)].mean(1)  # noqa: E731
    depth = hip(ce)[:, 2] / hip(cg)[:, 2]
    K = truth["K"]
    px = cg[..., :2] / cg[..., 2:] * K[0, 0] + K[:2, 2]
    ok = np.asarray(lm.found[:n], bool)
    s2 = np.where(ok, spread(lm.points2d[:n].astype(np.float64)), np.nan) / spread(px)
    centred = lambda p: p - hip(p)[:, None]  # noqa: E731
    s3 = spread(lm.world[:n].astype(np.float64)) / spread(centred(cg))
    sf = spread(centred(ce)) / spread(centred(cg))
    eye = np.tile(np.eye(3), (1, 24, 1, 1))
    bones = bone_lengths(_points(body, eye, m.betas, np.zeros((1, 3)))).sum() / \
        bone_lengths(_points(body, eye, truth["betas"], np.zeros((1, 3)))).sum()
    st_t, st_f = stature(body, truth["betas"]), stature(body, m.betas)
    return {"clip": os.path.basename(video)[:-4], "stature_true_m": st_t, "stature_fit_m": st_f,
            "bones_fit_over_true": float(bones), "depth_ratio": float(np.median(depth[ok])),
            "depth_ratio_p10_p90": [float(np.percentile(depth[ok], 10)), float(np.percentile(depth[ok], 90))],
            "spread_2d": float(np.median(s2[ok])), "spread_world": float(np.median(s3[ok])),
            "spread_fit": float(np.median(sf[ok])),
            "corr_depth_fit3d_over_2d": float(np.corrcoef(depth[ok], (sf / s2)[ok])[0, 1]),
            "depth_per_20": [float(np.median(depth[a:a + 20][ok[a:a + 20]])) for a in range(0, n, 20)
                             if ok[a:a + 20].any()]}


def plot(rows: list[dict], path: str) -> None:
    """Fitted against true stature (left) and the depth ratio against the stature ratio (right), one dot a clip."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4.2))
    t = np.array([r["stature_true_m"] for r in rows])
    f = np.array([r["stature_fit_m"] for r in rows])
    d = np.array([r["depth_ratio"] for r in rows])
    a.plot([1.55, 1.95], [1.55, 1.95], "k:", lw=1, label="fitted = true")
    group = np.array([r["clip"][:3] for r in rows])
    for g in dict.fromkeys(group):  # one colour per subject
        a.scatter(t[group == g], f[group == g], zorder=3, label=f"subject {int(g)}" if g.isdigit() else g)
    a.set(xlabel="true stature (m)", ylabel="fitted stature (m)", xlim=(1.55, 1.95), ylim=(1.55, 1.95),
          title="the fitted body is one size")
    a.legend(loc="upper left", fontsize=8)
    b.plot([0.8, 1.1], [0.8, 1.1], "k:", lw=1, label="depth ratio = size ratio")
    for g in dict.fromkeys(group):
        b.scatter((f / t)[group == g], d[group == g], zorder=3)
    b.set(xlabel="fitted / true stature", ylabel="fitted / true depth of the hips (median)", xlim=(0.84, 1.06),
          ylim=(0.86, 1.12), title="the depth follows the size")
    b.legend(loc="upper left")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("videos", nargs="+")
    ap.add_argument("--motions", required=True, help="folder of the fitted motion files (NAME.*.npz)")
    ap.add_argument("--keep", required=True, help="detections cache (bench/camera_split.py's)")
    ap.add_argument("--json", help="write the rows here")
    ap.add_argument("--plot", help="a PNG of the statures and depth ratios")
    args = ap.parse_args(argv)
    body = load_body_model(OPEN_BODY_PATH)
    rows = []
    for video in args.videos:
        name = os.path.basename(video)[:-4]
        found = sorted(f for f in os.listdir(args.motions) if f.startswith(name + ".") and f.endswith(".npz"))
        if not found:
            print(f"{name}: no motion file {name}.*.npz in {args.motions}", file=sys.stderr)
            return 2
        r = clip_report(body, video, os.path.join(args.motions, found[0]), args.keep)
        rows.append(r)
        print(f"{r['clip']:14s} stature {r['stature_fit_m']:.3f}/{r['stature_true_m']:.3f} m  bones "
              f"{r['bones_fit_over_true']:.3f}  depth {r['depth_ratio']:.3f} [{r['depth_ratio_p10_p90'][0]:.3f}, "
              f"{r['depth_ratio_p10_p90'][1]:.3f}]  spread 2D {r['spread_2d']:.3f} world {r['spread_world']:.3f} "
              f"fit {r['spread_fit']:.3f}  corr(depth, fit/2D) {r['corr_depth_fit3d_over_2d']:+.2f}\n"
              f"{'':14s} depth per 20 frames: " + " ".join(f"{d:.3f}" for d in r["depth_per_20"]))
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(rows, fh, indent=1)
    if args.plot:
        plot(rows, args.plot)
    return 0


if __name__ == "__main__":
    sys.exit(main())
