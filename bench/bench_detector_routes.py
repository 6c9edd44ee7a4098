"""The detector's two routes on the same frames: legacy ``solutions`` vs Tasks API on the shipped ``.task`` bundles.

    # per route (and per Python: the Tasks route also runs in the Python 3.13 venv, .ci/py313):
    HKMR_DETECTOR_ROUTE=solutions .venv/bin/python bench/bench_detector_routes.py run --out /tmp/sol.npz
    HKMR_DETECTOR_ROUTE=tasks     .venv/bin/python bench/bench_detector_routes.py run --out /tmp/t311.npz
    HKMR_DETECTOR_ROUTE=tasks .venv-py313/bin/python bench/bench_detector_routes.py run --out /tmp/t313.npz
    .venv/bin/python bench/bench_detector_routes.py compare /tmp/sol.npz /tmp/t311.npz /tmp/t313.npz

``run`` detects the body in video mode over a clip (default: the vendored real clip core/assets/walk.mp4) and, with
``--hands``, the hands on the body's wrist crops; it stores landmarks and per-frame detector time (decode excluded).
``compare`` prints, against the first file: frames where both found the person, found-flag agreement, 2D landmark
distance in px (mean / median / p99 / max over landmarks of frames both found), world-landmark distance (mm),
visibility difference, and the same for the hands; and each file's ms/frame.
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from core.assets import REAL_DEMO_CLIP  # noqa: E402
from core.detect.blazepose import BlazePose, DetectorOptions, detector_route, stack_results  # noqa: E402
from core.inference.sources import open_source  # noqa: E402


def run(args) -> None:
    import mediapipe  # noqa: F401 (version for the record; core's own import checks it)

    frames = [(i, img) for i, img in open_source(args.clip).frames(0)][: args.frames or None]
    results, times = [], []
    with BlazePose(DetectorOptions()) as det:
        for _, img in frames:
            t0 = time.perf_counter()
            results.append(det.process(img))
            times.append(time.perf_counter() - t0)
    body = stack_results(results, [i for i, _ in frames], (frames[0][1].shape[1], frames[0][1].shape[0]))
    out = {"points2d": body.points2d, "world": body.world, "visibility": body.visibility, "found": body.found,
           "ms": np.array(times) * 1e3}
    if args.hands:
        from core.detect.hands import HandDetector, HandOptions

        hp, hf, ht = [], [], []
        with HandDetector(HandOptions()) as hd:
            for (_, img), k in zip(frames, range(body.num_frames)):
                vis = body.visibility[k, [15, 16]] >= HandOptions().min_wrist_visibility
                t0 = time.perf_counter()
                p, _, _, f, _ = hd.process(img, body.points2d[k], (bool(vis[0]), bool(vis[1])))
                ht.append(time.perf_counter() - t0)
                hp.append(p)
                hf.append(f & body.found[k])
        out.update(hand_points2d=np.stack(hp), hand_found=np.stack(hf), hand_ms=np.array(ht) * 1e3)
    import mediapipe as mp

    meta = f"{detector_route()} mediapipe {mp.__version__} numpy {np.__version__} Python {platform.python_version()}"
    np.savez(args.out, **out, meta=np.array(meta))
    print(f"{args.out}: {meta}: {int(body.found.sum())}/{body.num_frames} found, "
          f"{np.median(out['ms']):.1f} ms/frame median")


def _stats(d: np.ndarray) -> str:
    return f"mean {d.mean():.2f} median {np.median(d):.2f} p99 {np.percentile(d, 99):.2f} max {d.max():.2f}"


def compare(files: list[str]) -> None:
    ref = np.load(files[0])
    print(f"reference {files[0]}: {ref['meta']}, {np.median(ref['ms']):.1f} ms/frame median "
          f"(p90 {np.percentile(ref['ms'], 90):.1f})")
    for f in files[1:]:
        o = np.load(f)
        both = ref["found"] & o["found"]
        d2 = np.linalg.norm(ref["points2d"][both] - o["points2d"][both], axis=-1)
        dw = np.linalg.norm(ref["world"][both] - o["world"][both], axis=-1) * 1e3
        dv = np.abs(ref["visibility"][both] - o["visibility"][both])
        print(f"{f}: {o['meta']}: {np.median(o['ms']):.1f} ms/frame median (p90 {np.percentile(o['ms'], 90):.1f})\n"
              f"  found agree {int((ref['found'] == o['found']).sum())}/{len(both)} (both {int(both.sum())})\n"
              f"  2D px {_stats(d2)}\n  world mm {_stats(dw)}\n  visibility abs diff max {dv.max():.3f}")
        if "hand_points2d" in ref.files and "hand_points2d" in o.files:
            hb = ref["hand_found"] & o["hand_found"]
            dh = np.linalg.norm(ref["hand_points2d"][hb] - o["hand_points2d"][hb], axis=-1)
            print(f"  hands found agree {int((ref['hand_found'] == o['hand_found']).sum())}/{hb.size} "
                  f"(both {int(hb.sum())}); 2D px {_stats(dh) if dh.size else 'n/a'}; "
                  f"{np.median(o['hand_ms']):.1f} vs {np.median(ref['hand_ms']):.1f} ms/frame")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--clip", default=str(REAL_DEMO_CLIP))
    r.add_argument("--frames", type=int, default=0, help="first N frames only (0: all)")
    r.add_argument("--hands", action="store_true")
    r.add_argument("--out", required=True)
    c = sub.add_parser("compare")
    c.add_argument("files", nargs="+")
    args = ap.parse_args()
    run(args) if args.cmd == "run" else compare(args.files)


if __name__ == "__main__":
    main()
