"""Peak memory of the stages after detection (start → fit → motion file) against the clip's length (issue 19).

    .venv/bin/python bench/bench_long_fit.py --minutes 1 5 10            # each length in its own process
    .venv/bin/python bench/bench_long_fit.py --minutes 1 5 10 --full     # the fit's real iteration counts
    .venv/bin/python bench/bench_long_fit.py --minutes 1 10 30 --stream   # a long video's path: segments

The vendored clip (core/assets/walk.mp4, 100 frames) is detected once with BlazePose; its landmarks are played
forwards and backwards (no jumps) to the length asked for at 30 fps, then the default path's own stages run on
them: the keypoint model's start (:mod:`core.pipeline.start`), the clip fit (:mod:`core.pipeline.fit`, one
thread, its windows streamed to a work folder as `hkmr infer` does) and the motion file
(:mod:`core.pipeline.motion`). Detection itself is flat at any length (docs/BENCHMARKS.md, issue 11) and is not
repeated here. Like `hkmr infer`, the run first fixes glibc's mmap threshold
(:func:`core.runtime.return_large_blocks`; ``--default-malloc`` measures without). RSS is sampled every 20 ms;
the peak of each stage and of the whole run are printed. ``--stream``: the path `hkmr infer` takes on a long video
(:mod:`core.pipeline.stream`): the looped landmarks are written as detection chunks to a work folder, the fit's
segments read them from there (detection's own process is not part of this one), then the motion file is written
block by block from the fit and the chunks on disk, as :func:`core.pipeline.run.run_real` does
(``--whole-write``: from the whole clip's landmarks and fit loaded into memory, the path before; ``--overlay``: then
the overlay video of every frame, as ``hkmr infer --overlay`` draws it on a long video, over the clip's frames looped
the same way). Without ``--full`` the fit runs 2–3 L-BFGS iterations per window instead of 30/80/20: the windows, blocks and arrays —
what memory depends on — are the same, the time is not.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        return next(int(ln.split()[1]) for ln in fh if ln.startswith("VmRSS")) / 1024


def detect_clip(path: str) -> None:
    """BlazePose landmarks of the vendored clip → ``path`` (npz)."""
    from core.assets import REAL_DEMO_CLIP
    from core.detect.blazepose import DetectorOptions
    from core.inference.sources import open_source
    from core.inference.workdir import WorkDir
    from core.pipeline.detect import DetectStage, landmarks_to_arrays, run_detect

    with tempfile.TemporaryDirectory() as d, WorkDir(os.path.join(d, ".w"), {}).open(False) as work:
        lm = run_detect(DetectStage(open_source(str(REAL_DEMO_CLIP), None), DetectorOptions()), work)
    np.savez(path, **landmarks_to_arrays(lm), image_size=np.array(lm.image_size), fps=np.array(lm.fps))


def looped(path: str, frames: int):
    from core.pipeline.detect import landmarks_from_arrays

    a = dict(np.load(path))
    size, fps = tuple(int(x) for x in a.pop("image_size")), float(a.pop("fps"))
    m = len(a["found"])
    idx = np.resize(np.concatenate([np.arange(m), np.arange(m)[::-1]]), frames)
    arrays = {k: v[idx] for k, v in a.items()}
    arrays["frame_index"] = np.arange(frames)
    return landmarks_from_arrays(arrays, size, fps)


class LoopedFrames:
    """The vendored clip's frames played forwards and backwards to ``frames`` (as :func:`looped`'s landmarks): a
    frame source for the overlay (100 frames held, whatever the length)."""

    def __init__(self, info, frames: int):
        from core.assets import REAL_DEMO_CLIP
        from core.inference.sources import open_source

        self.images = [img for _, img in open_source(str(REAL_DEMO_CLIP), None).frames()]
        m = len(self.images)
        self.order, self.info = np.resize(np.concatenate([np.arange(m), np.arange(m)[::-1]]), frames), info

    def frames(self):
        for i, k in enumerate(self.order):
            yield i, self.images[k]


def stream_length(path: str, frames: int, d: str, peak: list, stages: dict, whole_write: bool = False,
                  overlay: bool = False) -> float:
    """The long-video path's stages after detection: segments from chunks on disk → motion file."""
    from types import SimpleNamespace

    from core.body.model import load_body_model
    from core.inference.workdir import WorkDir
    from core.pipeline.detect import landmarks_to_arrays, load_landmarks
    from core.pipeline.motion import MotionStage, run_motion
    from core.pipeline.run import RealOptions, _write_in_blocks
    from core.pipeline.detect_process import FinishedDetection
    from core.pipeline.stream import StreamConfig, fit_streamed

    body = load_body_model(None)
    lm = looped(path, frames)
    work = WorkDir(os.path.join(d, "w"), {}).open(False)
    arrays = landmarks_to_arrays(lm)
    for a in range(0, frames, 256):
        work.add_chunk({k: v[a:a + 256] for k, v in arrays.items()}, min(256, frames - a), {})
    work.mark_complete()
    w, h = lm.image_size
    info = SimpleNamespace(width=w, height=h, fps=lm.fps, num_frames=frames, path="looped")
    del lm, arrays
    peak[0] = base = rss_mb()
    src = SimpleNamespace(info=info)
    opts = RealOptions(camera="static", keep_work=True)
    res = fit_streamed(body, src, FinishedDetection(work), opts, StreamConfig(), work.path / "fit")
    stages["fit"] = peak[0]
    out = os.path.join(d, "motion.npz")
    if whole_write:  # the whole-array write (before: the clip's landmarks and fit loaded, run_motion)
        lm = load_landmarks(work, info)
        fit = res.fit.clip_fit()
        mo = run_motion(body, MotionStage(fit, lm, out))
        if overlay:  # and the overlay from those arrays (the path a long video took with --overlay before)
            from core.inference.overlay import write_overlay

            t = time.perf_counter()
            write_overlay(LoopedFrames(info, frames), body, mo.world, fit.betas, mo.motion.valid, fit.camera.focal,
                          os.path.join(d, "overlay.mp4"))
            stages["(overlay s)"] = time.perf_counter() - t
    else:  # run_real's write on a long video: block by block from the fit and the chunks on disk
        if overlay:
            src = LoopedFrames(info, frames)
            stages["(frames held MB)"] = sum(im.nbytes for im in src.images) / 2**20
        _write_in_blocks(body, src, "looped", out, opts, work, res.fit, seconds := {}, 0, None,
                         os.path.join(d, "overlay.mp4") if overlay else None)
        if overlay:
            stages["(overlay s)"] = seconds["overlay"]
    stages["motion + overlay" if overlay else "motion"] = peak[0]
    stages["(file size)"] = os.path.getsize(out) / 2**20
    work.lock.release()
    return base


def one_length(path: str, frames: int, full: bool, default_malloc: bool = False, stream: bool = False,
               whole_write: bool = False, overlay: bool = False) -> None:
    """Run the stages on ``frames`` frames in this process and print one line of peaks."""
    peak = [0.0]

    def sample():
        while True:
            peak[0] = max(peak[0], rss_mb())
            time.sleep(0.02)

    threading.Thread(target=sample, daemon=True).start()
    import core.fitting.clip as clip
    from core.body.model import load_body_model
    from core.fitting.windows import WindowStore
    from core.pipeline.fit import FitStage, run_fit
    from core.pipeline.motion import MotionStage, run_motion
    from core.pipeline.start import StartStage, run_start

    if not full:
        base_cfg = clip.ClipFitConfig
        clip.ClipFitConfig = lambda **k: base_cfg(start_iterations=2, iterations=3, lock_iterations=2, **k)
    from core.runtime import return_large_blocks

    if not default_malloc:  # as run_real (hkmr infer) does
        return_large_blocks()
    stages, t0 = {}, time.perf_counter()
    if stream:
        with tempfile.TemporaryDirectory() as d:
            base = stream_length(path, frames, d, peak, stages, whole_write, overlay)
        print(f"{frames:6d} frames ({frames / 1800:4.1f} min at 30 fps), segments: after loading {base:.0f} MB, peak "
              + ", ".join(f"{k} {v:.0f}" for k, v in stages.items()) + f" MB; {time.perf_counter() - t0:.0f} s",
              flush=True)
        return
    lm = looped(path, frames)
    body = load_body_model(None)
    base = rss_mb()
    peak[0] = base
    with tempfile.TemporaryDirectory() as d:
        start = run_start(StartStage(lm))
        stages["start"] = peak[0]
        fit = run_fit(body, FitStage(lm, None, start.rotmats, start.betas, store=WindowStore(os.path.join(d, "fit"))))
        stages["fit"] = peak[0]
        del start
        run_motion(body, MotionStage(fit, lm, os.path.join(d, "motion.npz")))
        stages["motion"] = peak[0]
    print(f"{frames:6d} frames ({frames / 1800:4.1f} min at 30 fps): after loading {base:.0f} MB, peak "
          + ", ".join(f"{k} {v:.0f}" for k, v in stages.items()) + f" MB; {time.perf_counter() - t0:.0f} s",
          flush=True)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--minutes", type=float, nargs="+", default=[1, 5, 10])
    p.add_argument("--full", action="store_true", help="the fit's real iteration counts (slow)")
    p.add_argument("--default-malloc", action="store_true",
                   help="leave glibc's adjusting mmap threshold (core.runtime.return_large_blocks not called)")
    p.add_argument("--landmarks", help="(internal) landmarks npz; --frames N runs one length in this process")
    p.add_argument("--frames", type=int)
    p.add_argument("--stream", action="store_true", help="the long-video path: segments from chunks on disk")
    p.add_argument("--whole-write", action="store_true",
                   help="with --stream: write the motion file from whole-clip arrays (the path before blocks)")
    p.add_argument("--overlay", action="store_true", help="with --stream: also the overlay video of every frame")
    args = p.parse_args()
    if args.frames:
        return one_length(args.landmarks, args.frames, args.full, args.default_malloc, args.stream, args.whole_write,
                          args.overlay)
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "walk_landmarks.npz")
        detect_clip(path)
        for minutes in args.minutes:
            subprocess.run([sys.executable, __file__, "--landmarks", path, "--frames", str(int(minutes * 1800)),
                            *(["--full"] if args.full else []), *(["--stream"] if args.stream else []),
                            *(["--whole-write"] if args.whole_write else []),
                            *(["--overlay"] if args.overlay else []),
                            *(["--default-malloc"] if args.default_malloc else [])], check=True)


if __name__ == "__main__":
    main()
