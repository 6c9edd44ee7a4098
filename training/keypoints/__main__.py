"""``python -m training.keypoints train|eval|release`` (calibration, test sets and the comparison have their own modules:
``training.keypoints.detect_renders``, ``.calibrate``, ``.compare``; docs/keypoint-model.md)."""
from __future__ import annotations

import argparse
import sys


def _train(a: argparse.Namespace) -> int:
    from training.config import load_recipe
    from training.keypoints.train import KeypointExperiment, train_keypoints

    try:
        exp = load_recipe(KeypointExperiment, a.config, a.overrides)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    train_keypoints(exp, a.out)
    print(f"wrote {a.out}")
    return 0


def _scores(checkpoint: str, test: str) -> dict[str, dict[str, float]]:
    import numpy as np

    from core.body.model import load_body_model
    from core.inference.keypoint_regressor import load_keypoint_model
    from training.keypoints.detect_renders import PROTOCOLS
    from training.keypoints.evaluate import evaluate_detections

    model, body, det = load_keypoint_model(checkpoint), load_body_model(), dict(np.load(test))
    out = {}
    for p in PROTOCOLS:
        m, pa = evaluate_detections(model, body, det, p)
        out[p] = {"mpjpe_mm": round(float(m.mean()), 1), "pa_mpjpe_mm": round(float(pa.mean()), 1),
                  "detector_found": round(float(det[f"{p}/found"].mean()), 4)}
    return out


def _eval(a: argparse.Namespace) -> int:
    print("| occlusion | MPJPE (mm) | PA-MPJPE (mm) | detector found |\n|---|---|---|---|")
    for p, s in _scores(a.checkpoint, a.test).items():
        print(f"| {p} | {s['mpjpe_mm']:.1f} | {s['pa_mpjpe_mm']:.1f} | {s['detector_found']:.1%} |")
    return 0


def _release(a: argparse.Namespace) -> int:
    from core.model.checkpoint import read_checkpoint
    from training.strip_checkpoint import strip_training_state

    src = read_checkpoint(a.checkpoint)
    meta = {"training_losses": (src.meta.get("training") or {}).get("losses"), "note": a.note,
            "scores": {"test": a.test, "protocols": _scores(a.checkpoint, a.test)} if a.test else None}
    strip_training_state(a.checkpoint, a.out, meta=meta)
    print(f"wrote {a.out}: {meta['scores']}")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m training.keypoints", description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train", help="train a keypoint model on simulated detections")
    t.add_argument("--config", help="JSON experiment ({model, train, loss}; training/configs/keypoints/hkmr.json)")
    t.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a value, e.g. --set train.steps=100 (repeatable)")
    t.add_argument("--out", required=True, help="checkpoint to write")
    t.set_defaults(func=_train)
    e = sub.add_parser("eval", help="score a checkpoint on detector-on-render pairs (4 occlusion protocols)")
    e.add_argument("--checkpoint", required=True)
    e.add_argument("--test", required=True, help="npz from python -m training.keypoints.detect_renders")
    e.set_defaults(func=_eval)
    x = sub.add_parser("release", help="model-only copy with its recipe, loss curve and test scores in meta")
    x.add_argument("--checkpoint", required=True)
    x.add_argument("--out", required=True)
    x.add_argument("--test", help="detections npz to score on (stored in meta['scores'])")
    x.add_argument("--note", default="", help="free text stored in meta['note'] (data, how it was chosen)")
    x.set_defaults(func=_release)
    a = ap.parse_args(argv)
    return a.func(a)


if __name__ == "__main__":
    sys.exit(main())
