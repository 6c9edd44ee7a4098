"""Fit the detector-noise model from detector-on-render pairs and store it as JSON.

    python -m training.data.synthetic --out data/kp/calib --num 1152 --seed 3 --clip --workers 2
    python -m training.keypoints.detect_renders --renders data/kp/calib
    python -m training.keypoints.calibrate --detections data/kp/calib/detections.npz \\
        --out training/data/assets/blazepose_noise.json

The renders use every yaw (people turn all the way round); seed 3 is used for nothing else (the keypoint
test set is seed 2). Frames of the "none" protocol give the clear tables, the occluded landmarks of the
bar/circle/rectangle protocols the occluded ones (:func:`training.data.detector_noise.fit_noise`).
"""
from __future__ import annotations

import argparse
import datetime

import numpy as np

from core.detect.blazepose import detector_route
from training.data.detector_noise import DetectorNoise, fit_noise
from training.keypoints.detect_renders import PROTOCOLS

__all__ = ["fit_from_detections", "limb_error_pct_torso", "main"]

LIMBS = (13, 14, 15, 16, 25, 26, 27, 28)  # elbows, wrists, knees, ankles


def limb_error_pct_torso(truth2d: np.ndarray, det2d: np.ndarray) -> np.ndarray:
    """(N,33,2) → (N,) median 2D distance of the 8 limb landmarks, % of the torso length (mid-shoulder to mid-hip)."""
    torso = np.linalg.norm(truth2d[:, 11:13].mean(1) - truth2d[:, 23:25].mean(1), axis=-1)
    return 100 * np.median(np.linalg.norm(det2d[:, LIMBS] - truth2d[:, LIMBS], axis=-1), 1) / torso


def fit_from_detections(det: dict[str, np.ndarray], recipe: str = "") -> DetectorNoise:
    """:func:`training.keypoints.detect_renders.detect_renders`' arrays → the fitted noise model."""
    keys = [p for p in PROTOCOLS if f"{p}/found" in det]
    cat = lambda f: np.concatenate([f(p) for p in keys])  # noqa: E731
    n = len(det["truth2d"])
    found = cat(lambda p: det[f"{p}/found"])
    noise = fit_noise(
        cat(lambda p: det["truth2d"]), cat(lambda p: det[f"{p}/points2d"]), cat(lambda p: det["truth_world"]),
        cat(lambda p: det[f"{p}/world"]), cat(lambda p: det[f"{p}/visibility"]), found, cat(lambda p: det["yaw"]),
        cat(lambda p: det["clip_id"] + 100_000 * keys.index(p)), cat(lambda p: det[f"{p}/occluded"]),
        cat(lambda p: np.full(n, p != "none")))
    ok = det["none/found"]
    limb = limb_error_pct_torso(det["truth2d"][ok], det["none/points2d"][ok])
    noise.meta.update({
        "recipe": recipe, "date": datetime.date.today().isoformat(), "detector": f"BlazePose full, {detector_route()} route, "
        f"video mode (core.detect.blazepose.detect_frames)", "frames": int(n),
        "clips": int(len(np.unique(det["clip_id"]))),
        "found_rate": {p: round(float(det[f"{p}/found"].mean()), 4) for p in keys},
        "median_limb_error_pct_torso": round(float(np.median(limb)), 2)})
    return noise


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m training.keypoints.calibrate", description=__doc__.split("\n")[0])
    ap.add_argument("--detections", required=True, help="npz from python -m training.keypoints.detect_renders")
    ap.add_argument("--out", required=True, help="JSON to write")
    a = ap.parse_args(argv)
    det = dict(np.load(a.detections))
    recipe = " ; ".join(" ".join(line.split()) for line in __doc__.replace("\\\n", "").split("\n")[2:6] if line.strip())
    noise = fit_from_detections(det, recipe=recipe)
    noise.save(a.out)
    s = noise.meta
    print(f"wrote {a.out}: {s['frames']} frames × {len(s['found_rate'])} protocols, found {s['found_rate']}, "
          f"median limb error {s['median_limb_error_pct_torso']} % of torso, swap {({g: v.round(3).tolist() for g, v in noise.swap.items()})}, "
          f"rho {noise.rho:.2f}, miss {noise.miss:.3f} / occluded {noise.occ_miss:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
