"""Real-footage path speed per stage at 720p, overlay speed, and memory of detection on a long video (issue 11).

    .venv/bin/python bench/bench_real.py                      # stages at 720p on the vendored clip + overlay
    .venv/bin/python bench/bench_real.py --long-minutes 10    # + RSS while detecting a looped 10-minute video

The vendored clip (core/assets/walk.mp4, 854×480, 100 frames) is upscaled to 1280×720 into a temporary mp4,
so decoding is a real 720p decode. Stages: decode (OpenCV, alone); detect (BlazePose video mode, decode in a
background thread as in `hkmr infer`); network (the shipped image model, `hkmr infer --no-fit` end to end,
for reference: it is not on the default path); fit (HKMR_MF clip fit); overlay (`--overlay` video, full-size
render vs the default OVERLAY_MAX_SIZE window). The long run streams frames (no video written): the clip
looped, decoded once and held in memory, through the detect stage's own code; RSS sampled per chunk.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from dataclasses import replace

import cv2
import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from core.assets import REAL_DEMO_CLIP  # noqa: E402
from core.body.model import load_body_model  # noqa: E402
from core.detect.blazepose import DetectorOptions  # noqa: E402
from core.inference.overlay import OVERLAY_MAX_SIZE, write_overlay  # noqa: E402
from core.inference.sources import open_source  # noqa: E402
from core.inference.workdir import WorkDir  # noqa: E402
from core.pipeline.detect import DetectStage, run_detect  # noqa: E402
from core.pipeline.fit import FitStage, run_fit  # noqa: E402
from core.fitting.clip_motion import motion_from_clip_fit  # noqa: E402


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        return next(int(ln.split()[1]) for ln in fh if ln.startswith("VmRSS")) / 1024


def upscale(src: str, dst: str, height: int) -> int:
    cap = cv2.VideoCapture(src)
    w = round(cap.get(cv2.CAP_PROP_FRAME_WIDTH) * height / cap.get(cv2.CAP_PROP_FRAME_HEIGHT) / 2) * 2
    out = cv2.VideoWriter(dst, cv2.VideoWriter_fourcc(*"mp4v"), cap.get(cv2.CAP_PROP_FPS), (w, height))
    n = 0
    while True:
        ok, f = cap.read()
        if not ok:
            break
        out.write(cv2.resize(f, (w, height), interpolation=cv2.INTER_CUBIC))
        n += 1
    out.release()
    return n


class LoopSource:
    """The clip's frames played forwards and backwards (no jumps) for ``total`` frames, held in memory."""

    def __init__(self, src, total: int):
        self.frames_ = [img for _, img in src.frames()]
        self.info = replace(src.info, num_frames=total)

    def frames(self, start: int = 0):
        n = len(self.frames_)
        for i in range(start, self.info.num_frames):
            k = i % (2 * n - 2)
            yield i, self.frames_[k if k < n else 2 * n - 2 - k]


def long_run(src, minutes: float, tmp: str) -> None:
    """RSS while the detect stage (its own code: chunks to the work folder) runs over a long looped video."""
    loop = LoopSource(src, int(minutes * 60 * src.info.fps))
    total = loop.info.num_frames
    print(f"long run: {total} frames ({minutes:g} min at {src.info.fps:g} fps, {src.info.width}×{src.info.height}), "
          f"detect stage, RSS after each 256-frame chunk")
    t, samples = time.perf_counter(), []

    def progress(done, _total, _fps):
        samples.append((done, rss_mb()))
        if len(samples) % 10 == 1 or done == total:
            print(f"  frame {done:6d}  RSS {samples[-1][1]:7.1f} MB  ({done / (time.perf_counter() - t):.1f} frames/s)")
    lm = run_detect(DetectStage(loop, DetectorOptions()), WorkDir(os.path.join(tmp, "long"), {}).open(False), progress)
    rss = np.array([r for _, r in samples])
    print(f"  RSS first chunk {rss[0]:.1f} MB, max {rss.max():.1f} MB, last {rss[-1]:.1f} MB; "
          f"person in {int(lm.found.sum())}/{total} frames; {total / (time.perf_counter() - t):.1f} frames/s")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clip", default=str(REAL_DEMO_CLIP))
    ap.add_argument("--height", type=int, default=720)
    ap.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's)")
    ap.add_argument("--skip-network", action="store_true")
    ap.add_argument("--mirror", action=argparse.BooleanOptionalAction, default=DetectorOptions.mirror,
                    help="BlazePose also on the mirror images (DetectorOptions.mirror; default: its default)")
    ap.add_argument("--repeat", type=int, default=1, help="overlay runs per variant, best kept (a shared machine)")
    ap.add_argument("--long-minutes", type=float, default=0.0, help="RSS while detecting a looped video this long")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    tmp = tempfile.mkdtemp(prefix="bench-real-")
    video = os.path.join(tmp, f"clip{args.height}.mp4")
    n = upscale(args.clip, video, args.height)
    src = open_source(video)
    print(f"clip {args.clip} → {src.info.width}×{src.info.height}, {n} frames; torch threads {torch.get_num_threads()}")
    rows = []

    t = time.perf_counter()
    for _ in src.frames():
        pass
    rows.append(("decode", time.perf_counter() - t))

    t = time.perf_counter()
    lm = run_detect(DetectStage(src, DetectorOptions(mirror=args.mirror)), WorkDir(os.path.join(tmp, "w"), {}).open(False))
    rows.append(("detect (incl. decode)", time.perf_counter() - t))
    print(f"  person found in {int(lm.found.sum())}/{n} frames")

    if not args.skip_network:
        from core.inference.loading import load_inference_model
        from core.inference.runner import InferOptions, run_inference

        loaded = load_inference_model(None)
        t = time.perf_counter()
        run_inference(video, os.path.join(tmp, "net.npz"), loaded.model, InferOptions(batch_size=16))
        rows.append(("network (--no-fit, end to end)", time.perf_counter() - t))

    from core.model.world_lifter import lift_world, load_world_lifter

    lifter = load_world_lifter()
    t = time.perf_counter()
    lm = lift_world(lm, lifter)  # the default path's 3D (core/pipeline/run.py: world_source)
    rows.append(("world lifter", time.perf_counter() - t))
    body = load_body_model(None)
    t = time.perf_counter()
    run_fit(body, FitStage(lm, threads=None))
    rows.append((f"fit, {torch.get_num_threads()} torch threads", time.perf_counter() - t))
    t = time.perf_counter()
    fit = run_fit(body, FitStage(lm))  # the default: 1 thread
    rows.append(("fit, 1 thread (default)", time.perf_counter() - t))
    motion, world = motion_from_clip_fit(body, fit, lm)
    for label, size in (("overlay, full-size render", None), (f"overlay, max_size {OVERLAY_MAX_SIZE}", OVERLAY_MAX_SIZE)):
        best = float("inf")
        for _ in range(args.repeat):
            t = time.perf_counter()
            write_overlay(src, body, world, fit.betas, motion.valid, fit.camera.focal, os.path.join(tmp, "ov.mp4"),
                          max_size=size)
            best = min(best, time.perf_counter() - t)
        rows.append((label + (f" (best of {args.repeat})" if args.repeat > 1 else ""), best))
    print(f"{'stage':44s} {'s':>7s} {'ms/frame':>9s} {'frames/s':>9s}")
    for name, s in rows:
        print(f"{name:44s} {s:7.2f} {1000 * s / n:9.1f} {n / s:9.1f}")
    e2e = dict(rows)["detect (incl. decode)"] + dict(rows)["world lifter"] \
        + dict(rows)["fit, 1 thread (default)"]
    print(f"{'default path (detect + lift + fit)':44s} {e2e:7.2f} {1000 * e2e / n:9.1f} {n / e2e:9.1f}")

    if args.long_minutes > 0:
        long_run(src, args.long_minutes, tmp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
