"""Which input costs the fit most: bench_starts.py's rows (``--json``) with one input swapped for the truth at a
time (``--pre … oracle:WHAT``), frame-weighted over the clips, as two bar charts (PA-MPJPE mm, root orientation °).

    .venv/bin/python bench/plot_oracles.py ladder.json ladder_bt.json --out docs/img/oracle_ladder.png \
        --labels "BlazePose's inputs (main)" "… depth order true" …
"""
from __future__ import annotations

import argparse
import json

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
    for key, rows in groups.items():
        w = sum(r["frames"] for r in rows)
        out.append((key, {k: sum(r[k] * r["frames"] for r in rows) / w for k in ("PA-MPJPE", "root deg", "MPJPE")}))
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("rows", nargs="+", help="bench_starts.py --json files")
    ap.add_argument("--labels", nargs="*", default=None, help="one per variant, in order")
    ap.add_argument("--title", default="")
    ap.add_argument("--out", required=True)
    args = ap.parse_args(argv)
    vs = variants(args.rows)
    labels = args.labels or [k for k, _ in vs]
    if len(labels) != len(vs):
        raise SystemExit(f"--labels: {len(vs)} variants, {len(labels)} labels")
    fig, axes = plt.subplots(1, 2, figsize=(11, 0.45 * len(vs) + 1.4), sharey=True)
    ys = list(range(len(vs)))[::-1]
    for ax, key, unit in zip(axes, ("PA-MPJPE", "root deg"), ("PA-MPJPE (mm)", "root orientation error (°)")):
        vals = [m[key] for _, m in vs]
        ax.barh(ys, vals, color=["#888"] + ["#4a7"] * (len(vs) - 1))
        for y, v in zip(ys, vals):
            ax.text(v, y, f" {v:.1f}", va="center", fontsize=9)
        ax.set_xlabel(unit)
        ax.set_xlim(0, max(vals) * 1.2)
    axes[0].set_yticks(ys)
    axes[0].set_yticklabels(labels, fontsize=9)
    if args.title:
        fig.suptitle(args.title, fontsize=10)
    fig.tight_layout()
    fig.savefig(args.out, dpi=110)
    for (k, m), lab in zip(vs, labels):
        print(f"{lab:48s} PA {m['PA-MPJPE']:.1f}  MPJPE {m['MPJPE']:.1f}  root {m['root deg']:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
