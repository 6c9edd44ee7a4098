"""Calibrate person presence (issue 19, item 2): per-frame detector and fit signals on real empty scenes and on
real clips with a person, and the valid-frame share for a grid of thresholds.

Each video runs BlazePose (video mode, the project's settings) and the clip fit, as ``hkmr infer`` does; for every
frame where the detector reported someone it records the mean landmark visibility and the fit's reprojection
error (fraction of the clip's torso length). ``--label`` marks which videos have a person (the rest are empty).
Never pass CMU subjects 01/55/131 here (evaluation only).

    nice -n 10 .venv/bin/python bench/bench_presence.py --person core/assets/walk.mp4 /tmp/scenes/poster_person.mp4 \\
        --empty /tmp/scenes/*.mp4 --json /tmp/presence.json

Footage: bench/make_presence_clips.py and tests/data/scenes/README.md.
"""
from __future__ import annotations

import argparse
import json
import os
import sys

import cv2
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from core.body.model import load_body_model  # noqa: E402
from core.detect.blazepose import DetectorOptions, detect_frames  # noqa: E402
from core.pipeline.fit import FitStage, run_fit  # noqa: E402
from core.pipeline.motion import (MAX_REPROJECTION, MIN_LEG_VISIBILITY, MIN_RUN, _without_short_runs,  # noqa: E402
                                  leg_visibility)

LEG_GRID = (0.0, 0.5, 0.6, 0.7, 0.8, 0.9)
REPROJ_GRID = (0.2, 0.3, 0.4, np.inf)


def _frames(path: str, limit: int):
    cap = cv2.VideoCapture(path)
    i = 0
    while i < limit:
        ok, f = cap.read()
        if not ok:
            break
        yield i, np.ascontiguousarray(f[:, :, ::-1])
        i += 1


def signals(body, path: str, limit: int = 300, options: DetectorOptions | None = None) -> dict:
    """→ {"frames", "found", and per found frame: "vis" mean landmark visibility, "legs" the better leg's
    visibility (:func:`core.pipeline.motion.leg_visibility`), "reproj" the fit's reprojection error}."""
    lm = detect_frames(_frames(path, limit), options)
    out = {"frames": lm.num_frames, "found": int(lm.found.sum()), "index": np.flatnonzero(lm.found).tolist(),
           "vis": [], "legs": [], "reproj": []}
    if lm.found.any():
        fit = run_fit(body, FitStage(lm))
        out["vis"] = lm.visibility.mean(1)[lm.found].round(4).tolist()
        out["legs"] = leg_visibility(lm.visibility)[lm.found].round(4).tolist()
        out["reproj"] = np.nan_to_num(fit.reprojection[lm.found], nan=9.0).round(4).tolist()
    return out


def share(rows: dict, legs: float, reproj: float, vis: float = 0.3, run: int = MIN_RUN) -> tuple[int, int]:
    """(frames passing all thresholds in runs of ≥ ``run`` frames, all frames) summed over ``rows``."""
    k = n = 0
    for r in rows.values():
        n += r["frames"]
        ok = np.zeros(r["frames"], bool)
        idx = np.asarray(r["index"], int)
        ok[idx] = (np.asarray(r["vis"]) >= vis) & (np.asarray(r["legs"]) >= legs) & (np.asarray(r["reproj"]) <= reproj)
        k += int(_without_short_runs(ok, min(run, len(ok))).sum())
    return k, n


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--person", nargs="*", default=[], help="videos with a person in every frame")
    ap.add_argument("--empty", nargs="*", default=[], help="videos without a person")
    ap.add_argument("--other", nargs="*", default=[], help="videos only reported (photos of people, people leaving)")
    ap.add_argument("--json", help="write the per-frame signals here")
    ap.add_argument("--load", help="read signals from this JSON instead of running")
    ap.add_argument("--min-detection", type=float, default=0.5, help="BlazePose's person-detector threshold")
    ap.add_argument("--min-tracking", type=float, default=0.5,
                    help="BlazePose's threshold on its landmark model's own pose-presence score")
    args = ap.parse_args(argv)
    options = DetectorOptions(min_detection=args.min_detection, min_tracking=args.min_tracking)
    if args.load:
        with open(args.load) as fh:
            data = json.load(fh)
    else:
        body = load_body_model(None)
        data = {"person": {}, "empty": {}, "other": {}}
        for label, paths in (("person", args.person), ("empty", args.empty), ("other", args.other)):
            for p in paths:
                data[label][os.path.basename(p)] = r = signals(body, p, options=options)
                v, e = np.asarray(r["vis"]), np.asarray(r["reproj"])
                g = np.asarray(r["legs"])
                print(f"{label:6s} {os.path.basename(p):28s} found {r['found']:3d}/{r['frames']:3d}"
                      + (f"  vis {v.min():.2f}–{v.max():.2f}  leg {g.min():.2f}–{g.max():.2f}  reproj "
                         f"{e.min():.3f}–{e.max():.3f}  valid {share({p: r}, MIN_LEG_VISIBILITY, MAX_REPROJECTION)[0]}"
                         if len(v) else ""), flush=True)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(data, fh)
    for run in (1, MIN_RUN):
        _table(data, run)
    return 0


def _table(data: dict, run: int) -> None:
    print(f"\nvalid frames, empty scenes · person clips: mean visibility ≥ 0.3, better leg ≥ l, reprojection ≤ r, "
          f"runs ≥ {run} frames")
    print("| l \\ r | " + " | ".join(f"{r:g}" for r in REPROJ_GRID) + " |")
    print("|---" * (len(REPROJ_GRID) + 1) + "|")
    for leg in LEG_GRID:
        cells = []
        for r in REPROJ_GRID:
            ke, ne = share(data["empty"], leg, r, run=run)
            kp, np_ = share(data["person"], leg, r, run=run)
            cells.append(f"{ke}/{ne} · {kp}/{np_}")
        print(f"| {leg:g} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    sys.exit(main())
