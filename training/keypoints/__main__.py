"""``python -m training.keypoints train|eval`` (calibration, test sets and the comparison have their own modules:
``training.keypoints.detect_renders``, ``.calibrate``, ``.compare``; docs/keypoint-model.md)."""
from __future__ import annotations

import argparse
import json
import sys


def _train(a: argparse.Namespace) -> int:
    from training.config import apply_overrides
    from training.keypoints.train import KeypointExperiment, train_keypoints

    d = {}
    if a.config:
        with open(a.config, encoding="utf-8") as f:
            d = json.load(f)
    try:
        exp = KeypointExperiment.from_dict(apply_overrides(d, a.overrides))
    except (KeyError, TypeError, ValueError) as exc:
        print(f"error: {a.config or 'defaults'}: {exc}", file=sys.stderr)
        return 2
    train_keypoints(exp, a.out)
    print(f"wrote {a.out}")
    return 0


def _eval(a: argparse.Namespace) -> int:
    import numpy as np

    from core.body.model import load_body_model
    from core.inference.keypoint_regressor import load_keypoint_model
    from training.keypoints.detect_renders import PROTOCOLS
    from training.keypoints.evaluate import evaluate_detections

    model, body, det = load_keypoint_model(a.checkpoint), load_body_model(), dict(np.load(a.test))
    print("| occlusion | MPJPE (mm) | PA-MPJPE (mm) | detector found |\n|---|---|---|---|")
    for p in PROTOCOLS:
        m, pa = evaluate_detections(model, body, det, p)
        print(f"| {p} | {m.mean():.1f} | {pa.mean():.1f} | {det[f'{p}/found'].mean():.1%} |")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m training.keypoints", description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train", help="train a keypoint model on simulated detections")
    t.add_argument("--config", help="JSON experiment ({model, train, loss}; training/configs/keypoints.json)")
    t.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a value, e.g. --set train.steps=100 (repeatable)")
    t.add_argument("--out", required=True, help="checkpoint to write")
    t.set_defaults(func=_train)
    e = sub.add_parser("eval", help="score a checkpoint on detector-on-render pairs (4 occlusion protocols)")
    e.add_argument("--checkpoint", required=True)
    e.add_argument("--test", required=True, help="npz from python -m training.keypoints.detect_renders")
    e.set_defaults(func=_eval)
    a = ap.parse_args(argv)
    return a.func(a)


if __name__ == "__main__":
    sys.exit(main())
