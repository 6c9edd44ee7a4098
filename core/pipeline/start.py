"""Stage "start": the keypoint model's per-frame estimate as the clip fit's initialisation (HKMR on keypoints).

The shipped keypoint model (:mod:`core.inference.keypoint_regressor`, docs/keypoint-model.md) regresses SMPL
rotations and shape from a window of BlazePose landmarks; the fit starts from its rotations (camera frame) and
the median of its per-frame shapes over frames with a person. Measured (docs/experiments.md, "As the clip
fit's initialisation"): on detector-on-render clips with known truth the fit from this start is 10 mm MPJPE
better at the same cost (17 mm under a bar occluder), so it is the default; on real mocap rendered and seen by
BlazePose (held-out subjects, bench/bench_starts.py, issue 20) it is better on all five clips (PA-MPJPE by
3–16 mm). ``--init none`` starts from a neutral pose turned like the detected torso instead.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from core.detect.landmarks import Landmarks

__all__ = ["INITS", "StartStage", "FitStart", "run_start"]

#: ``hkmr infer --init`` choices: the keypoint model's estimate, or the fit's own neutral start.
INITS: tuple[str, ...] = ("keypoints", "none")


@dataclass
class StartStage:
    """landmarks: the detect stage's output; model_path: keypoint checkpoint (None: the shipped one); model: the
    loaded model instead (a long video's segments share one, :mod:`.stream`)."""

    landmarks: Landmarks
    model_path: str | os.PathLike | None = None
    model: object = None


@dataclass
class FitStart:
    """rotmats (F,24,3,3) float32 camera-frame joint-local rotations; betas (NB,) one shape for the clip."""

    rotmats: np.ndarray
    betas: np.ndarray


def run_start(stage: StartStage) -> FitStart:
    """Regress every frame of the clip with the keypoint model (frames without a person get the model's
    guess from their neighbours; the fit ignores them as data)."""
    from core.inference.keypoint_regressor import KEYPOINT_MODEL_PATH, load_keypoint_model, regress_landmarks

    lm = stage.landmarks
    model = stage.model or load_keypoint_model(stage.model_path or KEYPOINT_MODEL_PATH)
    est = regress_landmarks(model, lm)
    found = np.asarray(lm.found, bool)
    betas = np.median(est.betas[found] if found.any() else est.betas, axis=0)
    return FitStart(np.asarray(est.rotmats, np.float32), betas.astype(np.float32))  # no copy of float32 rotations
