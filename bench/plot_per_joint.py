"""Per-joint PA-MPJPE bars from bench/bench_starts.py's ``--json`` rows (frame-weighted over the videos).

    .venv/bin/python bench/plot_per_joint.py --out docs/img/per_joint_real.png \\
        --series "own start=/tmp/a.json:none" "keypoint start=/tmp/a.json:keypoints" --title "..."
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import textwrap

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(__file__))
from bench_fit import LSP_NAMES  # noqa: E402


def series(spec: str) -> tuple[str, np.ndarray, float, int]:
    """"LABEL=FILE[,FILE…]:START" → (label, PA per joint (14,), PA-MPJPE, frames)."""
    label, _, rest = spec.partition("=")
    paths, _, start = rest.rpartition(":")
    rows = [r for p in paths.split(",") for r in json.load(open(p)) if r["start"] == start]
    if not rows:
        raise SystemExit(f"{paths}: no rows with start {start!r}")
    w = np.array([r["frames"] for r in rows], float)
    pj = np.array([[r[f"PA {j}"] for j in LSP_NAMES] for r in rows])
    pa = np.array([r["PA-MPJPE"] for r in rows])
    return label, (pj * w[:, None]).sum(0) / w.sum(), float((pa * w).sum() / w.sum()), int(w.sum())


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--series", nargs="+", required=True, metavar="LABEL=FILE[,FILE…]:START")
    ap.add_argument("--title", default="PA-MPJPE per joint")
    ap.add_argument("--out", required=True)
    args = ap.parse_args(argv)
    data = [series(s) for s in args.series]
    x = np.arange(len(LSP_NAMES))
    width = 0.8 / len(data)
    fig, ax = plt.subplots(figsize=(10, 4), dpi=110)
    for k, (label, pj, pa, frames) in enumerate(data):
        ax.bar(x + (k - (len(data) - 1) / 2) * width, pj, width, label=f"{label}: PA {pa:.1f} mm ({frames} f)")
    ax.set_xticks(x, LSP_NAMES)
    ax.set_ylabel("PA-MPJPE (mm)")
    ax.set_title(textwrap.fill(args.title, 120), fontsize=9)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(args.out)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
