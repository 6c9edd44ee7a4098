"""Convert named CMU clips onto the open body for the benchmark's renders — reserved evaluation subjects included.

The training builder (``python -m training.data.mocap build``) never converts CMU subjects 01, 55 and 131
(``training.data.mocap.RESERVED_SUBJECTS``): they are kept for evaluation. The held-out renders
(bench/render_evaluation.sh) need some of them as motion, so this script converts exactly the clips it is given,
with the builder's own functions (same joint fit, same checks), into a folder of its own that no training recipe
reads. Sources are the fetched snapshots (the search tool's ``fetch``): IClone-CMU-Mocap (BVH, subjects 001–144) and
keijiro/CMUMocap (FBX). Output: OUT/<source>_<subject>_<trial>.npz, the format ``render_moving.py --motion mocap
--mocap-clip`` reads.

    .venv/bin/python bench/eval_clips.py OUT 001_01 055_04 --iclone /work/.mirror/DragonForgedTheArtist+IClone-CMU-Mocap/repo
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from core.body.discovery import OPEN_BODY_PATH  # noqa: E402
from core.body.model import load_body_model  # noqa: E402
from training.data.mocap import RESERVED_SUBJECTS  # noqa: E402
from training.data.mocap.build import _targets, convert_clip  # noqa: E402
from training.data.mocap.sources import SOURCES, cmu_subject, list_files  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("clips", nargs="+", metavar="SUBJECT_TRIAL", help="e.g. 001_01 055_04")
    ap.add_argument("--iclone", help="git dir of the DragonForgedTheArtist/IClone-CMU-Mocap snapshot")
    ap.add_argument("--keijiro", help="git dir of the keijiro/CMUMocap snapshot")
    args = ap.parse_args(argv)
    want = {cmu_subject(c + ".bvh") for c in args.clips}
    os.makedirs(args.out, exist_ok=True)
    body = load_body_model(OPEN_BODY_PATH)
    found = set()
    for name, git in (("iclone-cmu", args.iclone), ("keijiro-cmu", args.keijiro)):
        if git is None:
            continue
        for f in list_files(name, git, keep_reserved=True):
            if (f.subject, f.trial) not in want:
                continue
            subject, trial, path = f.subject, f.trial, f.path
            out = os.path.join(args.out, f"{name}_{subject:03d}_{trial:02d}.npz")
            found.add((subject, trial))
            if os.path.exists(out):
                continue
            t = time.time()
            targets, fps = _targets(git, path, name, 30.0, None)
            arrays, checks = convert_clip(body, targets, list(SOURCES[name].joints))
            np.savez_compressed(out, mocap_framerate=np.float32(fps), subject=subject, trial=trial, **arrays, **checks)
            note = " (a reserved evaluation subject)" if subject in RESERVED_SUBJECTS else ""
            print(f"{out}: {len(targets)} frames{note}, {checks}, {time.time() - t:.0f} s", flush=True)
    missing = sorted(want - found)
    if missing:
        print("error: not in the given snapshots: " + ", ".join(f"{s:03d}_{t:02d}" for s, t in missing), file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
