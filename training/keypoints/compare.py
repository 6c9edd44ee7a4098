"""The seed's claim on keypoints: HKMR vs the HMR/IEF head vs the two HKMR ablations, several training seeds.

    python -m training.keypoints.compare --test data/kp/test/detections.npz --out runs/kp_compare \\
        --steps 1500 --seeds 0 1 2 --jobs 2

Every run: the same keypoint encoder, data (motion pool seed 0, the calibrated noise model, occluders on half
the windows) and steps; only the head (and ``train.seed``: initialisation, batches, noise draws) differs.
Each run is scored on the detector-on-render test set under the four protocols; per-frame errors are kept
(``RUN/errors.npz``) so the paired tests can be recomputed. Finished runs are reused (delete to redo). The
report (``OUT/report.md``, ``OUT/results.json``): mean ± std over seeds of each run's mean error, and paired
tests against full HKMR — a t-test over seeds (run i vs run i) and a Wilcoxon signed-rank test over test clips
(each clip's error averaged over its frames and over seeds), ``scipy.stats``.
"""
from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np

from training.keypoints.detect_renders import PROTOCOLS

__all__ = ["VARIANTS", "run_one", "report", "main"]

#: name → (label, model overrides) — the ablation flags of core.model.config.HKMRHeadConfig
VARIANTS: dict[str, tuple[str, dict]] = {
    "hkmr": ("HKMR (full: ancestors, fwd+bwd)", {"head": "hkmr"}),
    "hmr": ("HMR/IEF head (baseline)", {"head": "hmr"}),
    "hkmr_parent": ("HKMR parent-only", {"head": "hkmr", "hkmr": {"hierarchy": "parent"}}),
    "hkmr_forward": ("HKMR forward-only", {"head": "hkmr", "hkmr": {"passes": "f"}}),
}


def run_one(args: tuple) -> str:
    """Train (unless done) and score one (variant, seed); returns the run folder."""
    variant, seed, steps, out, test, extra = args
    import torch

    torch.set_num_threads(1)
    from core.body.model import load_body_model
    from training.keypoints.evaluate import evaluate_detections
    from training.keypoints.train import KeypointExperiment, train_keypoints

    folder = os.path.join(out, f"{variant}_s{seed}")
    os.makedirs(folder, exist_ok=True)
    ckpt, errs = os.path.join(folder, "model.pt"), os.path.join(folder, "errors.npz")
    if os.path.isfile(errs):
        return folder
    body = load_body_model()
    model_over = {**VARIANTS[variant][1], **extra.get("model", {})}
    exp = KeypointExperiment.from_dict({"model": model_over, "train": {"steps": steps, "seed": seed, **extra.get("train", {})}})
    t0 = time.perf_counter()
    log = open(os.path.join(folder, "train.log"), "w")
    model, losses = train_keypoints(exp, ckpt, body=body, progress=lambda s: print(s, file=log, flush=True))
    seconds = time.perf_counter() - t0
    det = dict(np.load(test))
    arrays = {}
    for p in PROTOCOLS:
        arrays[f"{p}/mpjpe"], arrays[f"{p}/pa"] = evaluate_detections(model.eval(), body, det, p)
    arrays["clip_id"] = det["clip_id"]
    np.savez(errs, **arrays)
    with open(os.path.join(folder, "run.json"), "w") as f:
        json.dump({"variant": variant, "seed": seed, "steps": steps, "train_seconds": round(seconds, 1),
                   "final_loss": losses[max(losses)]}, f)
    return folder


def report(out: str, variants: list[str], seeds: list[int]) -> str:
    """Aggregate finished runs into OUT/report.md and OUT/results.json; returns the markdown."""
    from scipy import stats

    runs = {(v, s): dict(np.load(os.path.join(out, f"{v}_s{s}", "errors.npz"))) for v in variants for s in seeds}
    meta = {(v, s): json.load(open(os.path.join(out, f"{v}_s{s}", "run.json"))) for v in variants for s in seeds}
    lines = ["| model | occlusion | MPJPE (mm) | PA-MPJPE (mm) |", "|---|---|---|---|"]
    results: dict = {"seeds": seeds, "runs": {f"{v}_s{s}": m for (v, s), m in meta.items()}, "table": {}, "paired": {}}
    for p in PROTOCOLS:
        for v in variants:
            mp = np.array([runs[v, s][f"{p}/mpjpe"].mean() for s in seeds])
            pa = np.array([runs[v, s][f"{p}/pa"].mean() for s in seeds])
            results["table"][f"{v}/{p}"] = {"mpjpe": mp.tolist(), "pa": pa.tolist()}
            lines.append(f"| {VARIANTS[v][0]} | {p} | {mp.mean():.1f} ± {mp.std(ddof=1):.1f} | "
                         f"{pa.mean():.1f} ± {pa.std(ddof=1):.1f} |")
    lines += ["", "Paired against full HKMR (Δ = other − HKMR; negative = the other is better):", "",
              "| model | occlusion | ΔMPJPE (mm) | t-test over seeds p | Wilcoxon over clips p | ΔPA-MPJPE (mm) | "
              "t-test p | Wilcoxon p |", "|---|---|---|---|---|---|---|---|"]
    clip = runs[variants[0], seeds[0]]["clip_id"]
    ids = np.unique(clip)
    for v in [v for v in variants if v != "hkmr"]:
        for p in PROTOCOLS:
            row = [VARIANTS[v][0], p]
            for m in ("mpjpe", "pa"):
                a = np.array([runs["hkmr", s][f"{p}/{m}"].mean() for s in seeds])
                b = np.array([runs[v, s][f"{p}/{m}"].mean() for s in seeds])
                per_clip = lambda name: np.array([np.mean([runs[name, s][f"{p}/{m}"][clip == c].mean()  # noqa: E731
                                                           for s in seeds]) for c in ids])
                ca, cb = per_clip("hkmr"), per_clip(v)
                t_p = float(stats.ttest_rel(b, a).pvalue) if len(seeds) > 1 else float("nan")
                w_p = float(stats.wilcoxon(cb, ca).pvalue)
                results["paired"][f"{v}/{p}/{m}"] = {"delta": float((b - a).mean()), "t_p": t_p, "wilcoxon_p": w_p,
                                                     "clips_better": int((cb < ca).sum()), "clips": len(ids)}
                row += [f"{(b - a).mean():+.1f} (better on {(cb < ca).sum()}/{len(ids)} clips)", f"{t_p:.3f}", f"{w_p:.3g}"]
            lines.append("| " + " | ".join(row) + " |")
    md = "\n".join(lines) + "\n"
    with open(os.path.join(out, "report.md"), "w") as f:
        f.write(md)
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump(results, f, indent=1)
    return md


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m training.keypoints.compare", description=__doc__.split("\n")[0])
    ap.add_argument("--test", required=True, help="detections npz of held-out renders (training.keypoints.detect_renders)")
    ap.add_argument("--out", required=True, help="folder for the runs and the report")
    ap.add_argument("--steps", type=int, default=1500)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    ap.add_argument("--jobs", type=int, default=2, help="runs in parallel (one CPU thread each)")
    ap.add_argument("--set", dest="extra", default="{}", help='JSON overrides for every run, e.g. \'{"train": {"batch_size": 32}}\'')
    a = ap.parse_args(argv)
    if not os.path.isfile(a.test):
        ap.error(f"--test {a.test} not found; see docs/keypoint-model.md for how to make it")
    jobs = [(v, s, a.steps, a.out, a.test, json.loads(a.extra)) for s in a.seeds for v in a.variants]
    if a.jobs > 1:
        import multiprocessing as mp

        with mp.get_context("fork").Pool(a.jobs) as pool:
            for folder in pool.imap_unordered(run_one, jobs):
                print("done", folder, flush=True)
    else:
        for j in jobs:
            print("done", run_one(j), flush=True)
    print(report(a.out, a.variants, a.seeds))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
