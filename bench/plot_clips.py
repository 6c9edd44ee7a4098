"""Per-clip bars of one metric for several bench_starts.py runs on the same renders (``--json`` files, one per
setting): which clips a change helps and which it costs, with the frame-weighted mean of each run last.

    .venv/bin/python bench/plot_clips.py before.json after.json --labels before after --metric PA-MPJPE \
        --out docs/img/heldout_s9.png
"""
from __future__ import annotations

import argparse
import json
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def per_clip(path: str, metric: str) -> dict[str, tuple[float, int]]:
    """{clip name: (metric, frames)} of one run."""
    with open(path) as fh:
        return {os.path.splitext(r["video"])[0]: (float(r[metric]), int(r["frames"])) for r in json.load(fh)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("rows", nargs="+", help="bench_starts.py --json files, one per setting, same clips")
    ap.add_argument("--labels", nargs="+", required=True, help="one per file")
    ap.add_argument("--metric", default="PA-MPJPE")
    ap.add_argument("--unit", default="mm")
    ap.add_argument("--title", default="")
    ap.add_argument("--out", required=True)
    args = ap.parse_args(argv)
    if len(args.labels) != len(args.rows):
        ap.error(f"{len(args.rows)} files but {len(args.labels)} labels")
    runs = [per_clip(p, args.metric) for p in args.rows]
    clips = list(runs[0])
    missing = [(p, c) for p, r in zip(args.rows, runs) for c in clips if c not in r]
    if missing:
        ap.error(f"{missing[0][0]} has no row for {missing[0][1]}: the files must score the same clips")
    names = clips + ["all frames"]
    fig, ax = plt.subplots(figsize=(1.0 + 0.9 * len(names), 3.6), dpi=120)
    width = 0.8 / len(runs)
    top = 0.0
    for k, (label, run) in enumerate(zip(args.labels, runs)):
        vals = [run[c][0] for c in clips]
        scored = [c for c in clips if np.isfinite(run[c][0])]  # a clip without the metric (no true contact) drops out
        vals.append(sum(run[c][0] * run[c][1] for c in scored) / sum(run[c][1] for c in scored))
        x = np.arange(len(names)) + (k - (len(runs) - 1) / 2) * width
        ax.bar(x, vals, width, label=label)
        ax.text(x[-1], vals[-1] * 0.97, f"{vals[-1]:.1f}", ha="center", va="top", rotation=90, fontsize=7,
                color="white")
        top = max(top, np.nanmax(vals))
    ax.set_xticks(np.arange(len(names)), names, rotation=30, ha="right", fontsize=8)
    ax.set_ylabel(f"{args.metric} ({args.unit})")
    ax.set_title(args.title, fontsize=9)
    ax.set_ylim(0, top * 1.22)
    ax.legend(fontsize=7, loc="upper left", ncol=len(runs))
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(args.out)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
