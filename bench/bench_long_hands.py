"""Peak memory of `hkmr infer <long video> --hands` (issue 19, item 8): the whole process tree, sampled.

    nice -n 10 .venv/bin/python bench/bench_long_hands.py --minutes 1 3
    nice -n 10 .venv/bin/python bench/bench_long_hands.py --minutes 1 --root /tmp/before   # another checkout's code
    nice -n 10 .venv/bin/python bench/bench_long_hands.py --minutes 1 --without-hands      # what --hands adds

The vendored clip is upscaled and played forwards and backwards into a temporary mp4 of each length
(:func:`bench.bench_end_to_end.looped_video`, a real decode of a real clip); then `hkmr infer VIDEO -o OUT --hands`
runs in its own process (``--root``: the checkout whose ``core`` runs, e.g. an exported copy of an older commit, with
this venv). The peak resident memory of `hkmr infer` itself (the kernel's VmHWM, read every 50 ms) and of all its
processes together (the sum of their VmRSS every 0.5 s: detection's child process runs beside it on the long-video
path) are read from ``/proc``; the peaks, the wall time and the run's
log lines (``-v``) are printed.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from bench.bench_end_to_end import cpu_name, load, looped_video  # noqa: E402


def _rss_mb(pid: int, key: str = "VmRSS") -> float:
    try:
        with open(f"/proc/{pid}/status") as fh:
            return next(int(ln.split()[1]) for ln in fh if ln.startswith(key)) / 1024
    except (OSError, StopIteration):
        return 0.0


def _tree(pid: int) -> list[int]:
    """``pid`` and its descendants (from /proc/*/stat's parent field)."""
    parents: dict[int, int] = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat", "rb") as fh:
                    parents[int(d)] = int(fh.read().rsplit(b")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                pass
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += [c for c, q in parents.items() if q == p]
    return out


def run_one(video: str, out: str, root: str, extra: list[str], hands: bool = True) -> dict:
    cmd = [sys.executable, "-m", "core.cli", "-v", "infer", video, "-o", out, *(["--hands"] if hands else []),
           "--progress", "json", *extra]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "PYTHONPATH": root})
    peak_main = peak_tree = 0.0
    lines: list[str] = []
    import threading

    reader = threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True)
    reader.start()
    tick = 0
    while proc.poll() is None:
        peak_main = max(peak_main, _rss_mb(proc.pid, "VmHWM"))  # the kernel's own peak of the main process
        if tick % 10 == 0:  # the tree (a /proc scan) every 0.5 s
            peak_tree = max(peak_tree, sum(_rss_mb(p) for p in _tree(proc.pid)))
        tick += 1
        time.sleep(0.05)
    reader.join()
    said = [ln.strip() for ln in lines if "HKMR_DONE" in ln or "hands:" in ln or "fit:" in ln or "detect:" in ln]
    return {"rc": proc.returncode, "wall_s": time.perf_counter() - t0, "peak_main_mb": peak_main,
            "peak_tree_mb": peak_tree, "said": said, "tail": "".join(lines[-5:])}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--minutes", type=float, nargs="+", default=[1.0])
    p.add_argument("--height", type=int, default=720)
    p.add_argument("--without-hands", action="store_true", help="the same run without --hands (what the hands add)")
    p.add_argument("--root", default=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                   help="the checkout whose code runs (default: this one)")
    args, extra = p.parse_known_args()
    print(f"CPU {cpu_name()}; code {args.root}", flush=True)
    for minutes in args.minutes:
        with tempfile.TemporaryDirectory() as d:
            video = os.path.join(d, "walk_looped.mp4")
            n = looped_video(video, minutes * 60, args.height)
            before = load()
            r = run_one(video, os.path.join(d, "motion.npz"), args.root, extra, not args.without_hands)
            what = f"{n} frames, {args.height}p" + (", no --hands" if args.without_hands else "")
            print(f"{minutes:g} min ({what}): rc {r['rc']}, peak RSS hkmr infer {r['peak_main_mb']:.0f} MB, all its "
                  f"processes {r['peak_tree_mb']:.0f} MB, wall {r['wall_s']:.0f} s, load {before} → {load()}",
                  flush=True)
            print("    " + "\n    ".join(r["said"] if r["rc"] == 0 else [r["tail"]]), flush=True)


if __name__ == "__main__":
    main()
