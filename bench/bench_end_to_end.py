"""`hkmr infer` end to end against BlazePose alone on the same 720p video, measured back to back (issue 19).

    .venv/bin/python bench/bench_end_to_end.py --seconds 30 --repeat 2
    .venv/bin/python bench/bench_end_to_end.py --seconds 60 --repeat 1 --whole   # also the whole-clip path

The vendored clip (core/assets/walk.mp4, 100 frames) is upscaled to 720p and played forwards and backwards into
a temporary mp4 of ``--seconds`` (a real decode of a real clip of that length). Each repeat times, one right
after the other: "BlazePose alone" — the detect stage (decode + BlazePose, chunks to a work folder, as
`hkmr infer` runs it) — and "hkmr infer" — :func:`core.pipeline.run.run_real` with the default options (detect,
start, camera, fit, motion file; on a video of at least ``StreamConfig.min_frames`` frames the fit's segments run
beside detection, :mod:`core.pipeline.stream`). ``--whole`` adds a third run right after: the same with
``stream=None`` (the clip fitted whole after detection, as before the streamed path). The ratio is per pair, so a
shared machine's load moves both sides; the load average (`/proc/loadavg`) is printed with every pair.
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time

import cv2

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from core.assets import REAL_DEMO_CLIP  # noqa: E402


def looped_video(dst: str, seconds: float, height: int = 720) -> int:
    cap = cv2.VideoCapture(str(REAL_DEMO_CLIP))
    fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
    frames = []
    while True:
        ok, f = cap.read()
        if not ok:
            break
        w = round(f.shape[1] * height / f.shape[0] / 2) * 2
        frames.append(cv2.resize(f, (w, height), interpolation=cv2.INTER_CUBIC))
    order = list(range(len(frames))) + list(range(len(frames) - 2, 0, -1))
    n = int(seconds * fps)
    out = cv2.VideoWriter(dst, cv2.VideoWriter_fourcc(*"mp4v"), fps, (frames[0].shape[1], height))
    for i in range(n):
        out.write(frames[order[i % len(order)]])
    out.release()
    return n


def cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as fh:
            return next(ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name"))
    except (OSError, StopIteration):
        return platform.processor()


def load() -> str:
    with open("/proc/loadavg") as fh:
        return " ".join(fh.read().split()[:3])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--camera", default="auto", help="hkmr infer --camera (auto: the default)")
    ap.add_argument("--whole", action="store_true", help="also time the whole-clip path (stream=None)")
    args = ap.parse_args()
    from core.body.model import load_body_model
    from core.detect.blazepose import DetectorOptions
    from core.inference.sources import open_source
    from core.inference.workdir import WorkDir
    from core.pipeline.detect import DetectStage, run_detect
    from core.pipeline.run import RealOptions, run_real

    tmp = tempfile.mkdtemp(prefix="bench-e2e-")
    video = os.path.join(tmp, "long720.mp4")
    n = looped_video(video, args.seconds)
    body = load_body_model(None)
    print(f"{n} frames of 720p ({args.seconds:g} s); CPU {cpu_name()}, {os.cpu_count()} logical cores")
    for k in range(args.repeat):
        t = time.perf_counter()
        with WorkDir(os.path.join(tmp, f".det{k}"), {}).open(False) as work:
            run_detect(DetectStage(open_source(video, None), DetectorOptions()), work)
            work.remove()
        alone = time.perf_counter() - t
        load_mid = load()
        t = time.perf_counter()
        res = run_real(video, os.path.join(tmp, f"m{k}.npz"), body, RealOptions(camera=args.camera))
        full = time.perf_counter() - t
        stages = ", ".join(f"{s} {v:.1f}" for s, v in res.seconds.items())
        print(f"pair {k + 1}: BlazePose alone {alone:.1f} s ({n / alone:.1f} frames/s), hkmr infer {full:.1f} s "
              f"({n / full:.1f} frames/s): ratio {full / alone:.2f}×; stages [{stages}] s; load {load_mid} → {load()}",
              flush=True)
        if args.whole:
            t = time.perf_counter()
            res = run_real(video, os.path.join(tmp, f"w{k}.npz"), body, RealOptions(camera=args.camera, stream=None))
            whole = time.perf_counter() - t
            stages = ", ".join(f"{s} {v:.1f}" for s, v in res.seconds.items())
            print(f"        whole-clip path {whole:.1f} s: ratio {whole / alone:.2f}× BlazePose alone; stages [{stages}] s; "
                  f"load → {load()}", flush=True)


if __name__ == "__main__":
    main()
