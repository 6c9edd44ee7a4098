"""How well a still-feet classifier (core/model/contact_net.py) reads renders: its points against the truth's, per video.

For videos with truth (VIDEO.npz beside each, bench/render_choosing.sh and friends) BlazePose's cached landmarks go
through the default preprocessing (``--pre swap lean:12``, as bench/bench_starts.py) and the classifier; its
per-point flags (p ≥ threshold) are scored against the true body's foot points: the benchmarks' truth contacts
(:data:`core.fitting.contacts.TRUTH_CONTACTS`, 4 cm / 0.3 m/s) or, with ``--still``, still points at any height
(what the shipped classifier is trained to find). Prints the true share, F1 at four thresholds, precision and recall
at 0.5 per video, then precision / recall / F1 over all frames with a person (docs/keypoint-model.md, "The still-feet
classifier"; docs/experiments.md, issue 20 session 12).

    .venv/bin/python bench/bench_contact_net.py VIDEO [VIDEO ...] [--model FILE] [--still] [--plot PNG]

``--plot``: the first video's four probabilities over time, with the truth's contacts and still points as bands.
"""
from __future__ import annotations

import argparse
import os
import sys
from dataclasses import replace

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from bench_starts import render_case, truth_planted  # noqa: E402

from core.body.discovery import OPEN_BODY_PATH  # noqa: E402
from core.body.landmark_points import landmark_points  # noqa: E402
from core.body.model import load_body_model  # noqa: E402
from core.fitting import contacts as ct  # noqa: E402
from core.fitting.terms import FOOT_POINTS  # noqa: E402
from core.model.contact_net import CONTACT_NET_PATH, contact_probabilities, load_contact_net  # noqa: E402
from training.contacts.train import f1_scores  # noqa: E402

THRESHOLDS = (0.3, 0.5, 0.7, 0.85)


def scores(prob: np.ndarray, truth: np.ndarray, t: float) -> tuple[float, float, float]:
    """Precision, recall, F1 of ``prob ≥ t`` over all points of all frames."""
    pred = prob >= t
    tp = float((pred & truth).sum())
    return tp / max(pred.sum(), 1), tp / max(truth.sum(), 1), float(f1_scores(prob.reshape(-1, 1), truth.reshape(-1, 1), t)[0])


def plot(path: str, title: str, prob: np.ndarray, planted: np.ndarray, still: np.ndarray) -> None:
    """(F,4) probabilities, true contacts and true still points → a PNG, one row per foot point."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    f = np.arange(len(prob))
    fig, axes = plt.subplots(4, 1, figsize=(8, 5.6), dpi=110, sharex=True)
    for k, (ax, name) in enumerate(zip(axes, ("left heel", "left toe", "right heel", "right toe"))):
        ax.fill_between(f, 0, 1, where=still[:, k], color="C2", alpha=0.18, step="mid", label="truth: still")
        ax.fill_between(f, 0, 1, where=planted[:, k], color="C0", alpha=0.35, step="mid",
                        label="truth: planted (still and ≤ 4 cm up)")
        ax.plot(f, prob[:, k], "k", lw=1.5, label="classifier: p(still)")
        ax.axhline(0.5, color="0.6", lw=0.8, ls=":")
        ax.set_ylim(0, 1)
        ax.set_ylabel(name, fontsize=8)
    fig.suptitle(f"{title}: the still-feet classifier on BlazePose's landmarks", fontsize=10)
    fig.legend(*axes[0].get_legend_handles_labels(), fontsize=7, loc="upper center", ncol=3, bbox_to_anchor=(0.5, 0.955))
    axes[-1].set_xlabel("frame (30 fps)")
    fig.tight_layout(rect=(0, 0, 1, 0.92))
    fig.savefig(path)
    print("wrote", path)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("videos", nargs="+")
    ap.add_argument("--model", default=str(CONTACT_NET_PATH), help="a classifier file (hkmr-contact-net)")
    ap.add_argument("--still", action="store_true", help="score against still points at any height")
    ap.add_argument("--plot", help="write a PNG of the first video: probabilities, true contacts, still points")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    body, model = load_body_model(OPEN_BODY_PATH), load_contact_net(args.model)
    cfg = replace(ct.TRUTH_CONTACTS, height=10.0) if args.still else ct.TRUTH_CONTACTS
    probs, truths = [], []
    for video in args.videos:
        z, rot, betas, transl, lm, _ = render_case(body, video, ["swap", "lean:12"])
        with torch.no_grad():
            feet = landmark_points(body, rot, betas.expand(len(rot), -1), transl)[:, list(FOOT_POINTS)].double().numpy()
        truth = truth_planted(z, feet, cfg)
        p = contact_probabilities(lm, model)
        if args.plot and not probs:
            plot(args.plot, os.path.basename(video), p, truth_planted(z, feet),
                 truth_planted(z, feet, replace(ct.TRUTH_CONTACTS, height=10.0)))
        ok = np.asarray(lm.found, bool)
        probs.append(p[ok])
        truths.append(truth[ok])
        pr, rc, _ = scores(p[ok], truth[ok], 0.5)
        print(f"{os.path.basename(video):22s} true {truth[ok].mean():.2f}  F1@{'/'.join(f'{t:g}' for t in THRESHOLDS)} "
              + " ".join(f"{scores(p[ok], truth[ok], t)[2]:.2f}" for t in THRESHOLDS) + f"  precision {pr:.2f} recall {rc:.2f}")
    prob, truth = np.concatenate(probs), np.concatenate(truths)
    for t in THRESHOLDS:
        pr, rc, f1 = scores(prob, truth, t)
        print(f"all {len(prob)} frames, p ≥ {t:g}: precision {pr:.3f} recall {rc:.3f} F1 {f1:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
