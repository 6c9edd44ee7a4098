"""Which input costs the fit most: bench_starts.py's rows (``--json``) with one input swapped for the truth at a
time (``--pre … oracle:WHAT``), frame-weighted over the clips, as bar charts (by default PA-MPJPE mm and root
orientation °; ``--metrics`` picks others, ``--goal`` draws a goal as a dashed line).

    .venv/bin/python bench/plot_oracles.py ladder.json ladder_bt.json --out docs/img/oracle_ladder.png \
        --labels "BlazePose's inputs (main)" "… depth order true" …
    .venv/bin/python bench/plot_oracles.py main.json oracles.json oracles_bt.json --out ladder.png \
        --metrics PA-MPJPE "root deg" "accel err" --goal PA-MPJPE=50 "root deg=8" "accel err=4"
"""
from __future__ import annotations

import argparse
import json

import numpy as np

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def variants(paths: list[str]) -> list[tuple[str, dict[str, float]]]:
    """[(variant, {metric: frame-weighted mean})] in the files' order; a variant is its --pre steps (and --betas)."""
    groups: dict[str, list[dict]] = {}
    for path in paths:
        with open(path) as fh:
            for r in json.load(fh):
                key = " ".join(r["pre"]) + ("" if r.get("betas", "start") == "start" else f" betas:{r['betas']}")
                groups.setdefault(key, []).append(r)
    out = []
    for key, rows in groups.items():  # a clip without a value (NaN: e.g. no true contact for the skate) is left out
        means = {}
        for k in (k for k in rows[0] if _number(rows[0][k])):
            have = [r for r in rows if np.isfinite(r[k])]
            means[k] = sum(r[k] * r["frames"] for r in have) / sum(r["frames"] for r in have) if have else np.nan
        out.append((key, means))
    return out


def _number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


#: Axis labels of the metrics most often plotted (others are labelled by their key).
UNITS = {"PA-MPJPE": "PA-MPJPE (mm)", "MPJPE": "MPJPE (mm)", "root deg": "root orientation error (°)",
         "accel err": "acceleration error (mm/frame²)", "skate@GT": "foot skate in true contacts (mm/frame)"}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("rows", nargs="+", help="bench_starts.py --json files")
    ap.add_argument("--labels", nargs="*", default=None, help="one per variant, in order")
    ap.add_argument("--metrics", nargs="+", default=["PA-MPJPE", "root deg"], help="one chart per metric (row keys)")
    ap.add_argument("--goal", nargs="*", default=[], metavar="METRIC=VALUE", help="a dashed line at a goal")
    ap.add_argument("--title", default="")
    ap.add_argument("--out", required=True)
    args = ap.parse_args(argv)
    vs = variants(args.rows)
    labels = args.labels or [k for k, _ in vs]
    if len(labels) != len(vs):
        raise SystemExit(f"--labels: {len(vs)} variants, {len(labels)} labels")
    missing = [k for k in args.metrics if any(k not in m for _, m in vs)]
    if missing:
        raise SystemExit(f"--metrics: {missing} not in every row (keys: {sorted(vs[0][1])})")
    goals = {}
    for kv in args.goal:
        k, _, v = kv.rpartition("=")
        if k not in args.metrics:
            raise SystemExit(f"--goal {kv}: {k!r} is not one of --metrics {args.metrics}")
        try:
            goals[k] = float(v)
        except ValueError:
            raise SystemExit(f"--goal {kv}: {v!r} is not a number (METRIC=VALUE, e.g. PA-MPJPE=50)") from None
    cols = len(args.metrics) if len(args.metrics) <= 3 else (len(args.metrics) + 1) // 2
    rows = -(-len(args.metrics) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(5.5 * cols, (0.45 * len(vs) + 1.4) * rows), sharey=True,
                             squeeze=False)
    for ax in axes.flat[len(args.metrics):]:
        ax.set_visible(False)
    axes = axes.flatten()
    ys = list(range(len(vs)))[::-1]
    for ax, key in zip(axes, args.metrics):
        vals = [m[key] for _, m in vs]
        ax.barh(ys, vals, color=["#888"] + ["#4a7"] * (len(vs) - 1))
        for y, v in zip(ys, vals):
            ax.text(v, y, f" {v:.1f}", va="center", fontsize=9)
        if key in goals:
            ax.axvline(goals[key], color="#c33", ls="--", lw=1.2)
            ax.text(goals[key], max(ys) + 0.75, f" goal {goals[key]:g}", color="#c33", fontsize=8, va="center")
            ax.set_ylim(-0.6, max(ys) + 1.1)
        ax.set_xlabel(UNITS.get(key, key))
        ax.set_xlim(0, max(vals + [goals.get(key, 0)]) * 1.2)
    for ax in axes[::cols]:
        ax.set_yticks(ys)
        ax.set_yticklabels(labels, fontsize=9)
    if args.title:
        fig.suptitle(args.title, fontsize=10)
    fig.tight_layout()
    fig.savefig(args.out, dpi=110)
    for (k, m), lab in zip(vs, labels):
        print(f"{lab:48s} " + "  ".join(f"{k} {m[k]:.2f}" for k in args.metrics))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
