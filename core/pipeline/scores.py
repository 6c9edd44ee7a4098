"""Stage "scores" for real footage (no ground truth): how well the fit explains the video, and how it moves.

- reprojection: median over valid frames of the fit's 2D landmark error, % of the clip's 2D torso length;
- jitter: mean acceleration (m/s², :func:`core.fitting.metrics.jitter`) of the 12 limb landmarks relative to
  the hips — the fitted body's vs BlazePose's own world landmarks (hip-centred too), so root motion is out;
- foot skate: mean slide along the floor of planted heel/toe points between consecutive frames (mm/frame).
Goals (issue 11): reprojection ≤ 8 %, jitter not above the raw landmarks', skate ≤ 5 mm/frame in contact.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from core.body.landmark_points import landmark_points
from core.detect.landmarks import BLAZEPOSE_NAMES, Landmarks
from core.fitting.metrics import foot_skate, jitter
from core.fitting.terms import FOOT_POINTS, HIPS

__all__ = ["LIMB_LANDMARKS", "RealScores", "GOALS", "score_fit"]

#: Shoulders, elbows, wrists, hips, knees, ankles.
LIMB_LANDMARKS = tuple(BLAZEPOSE_NAMES.index(f"{s}_{n}") for n in ("shoulder", "elbow", "wrist", "hip", "knee", "ankle")
                       for s in ("left", "right"))
#: Issue 11's goals: reprojection % of torso, skate mm/frame (jitter: not above the raw landmarks').
GOALS = {"reprojection_pct": 8.0, "foot_skate_mm": 5.0}


@dataclass
class RealScores:
    """reprojection_pct (median, % torso); jitter_fit / jitter_landmarks m/s²; foot_skate_mm per frame in
    contact (NaN when no foot was planted); contact_frames: frames with a planted foot; scored_frames: valid frames scored."""

    reprojection_pct: float
    jitter_fit: float
    jitter_landmarks: float
    foot_skate_mm: float
    contact_frames: int
    scored_frames: int


@torch.no_grad()
def score_fit(body, fit, lm: Landmarks, valid: np.ndarray) -> RealScores:
    """``fit``: :class:`core.fitting.clip.ClipFit` of ``lm``; ``valid`` (F,) frames to score."""
    valid = np.asarray(valid, bool)
    rot = torch.as_tensor(fit.rotmats, dtype=torch.float32)
    betas = torch.as_tensor(fit.betas, dtype=torch.float32)[None].expand(len(rot), -1)
    pts = landmark_points(body, rot, betas).double().numpy() + np.asarray(fit.transl, np.float64)[:, None]
    rel = lambda p: p[:, list(LIMB_LANDMARKS)] - p[:, list(HIPS)].mean(1, keepdims=True)  # noqa: E731
    fps = lm.fps if lm.fps > 0 else 30.0
    planted = np.asarray(fit.point_contacts, bool) & valid[:, None]
    return RealScores(
        reprojection_pct=float(np.nanmedian(np.asarray(fit.reprojection)[valid]) * 100),
        jitter_fit=jitter(rel(pts), fps, valid), jitter_landmarks=jitter(rel(lm.world.astype(np.float64)), fps, valid),
        foot_skate_mm=foot_skate(pts[:, list(FOOT_POINTS)], planted, fit.floor.normal),
        contact_frames=int(planted.any(1).sum()), scored_frames=int(valid.sum()))
