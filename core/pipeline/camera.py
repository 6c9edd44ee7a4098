"""Stage "camera": is the camera moving, and how does it turn? (:mod:`core.camera.background`)

Runs after detection (the person's boxes mask them out of the tracking) with a second decode of the input.
``mode``: "auto" (default) estimates the rotation and decides static vs moving; "static" skips the stage
(the camera assumed static, as before issue 22). A static verdict returns None, and the fit and the motion
file are then exactly what the static path gives (tests/test_camera_motion.py checks it bit for bit).
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from core.camera.background import CameraMotionConfig, CameraRotations, estimate_rotations, person_mask_boxes
from core.detect.landmarks import Landmarks
from core.inference.sources import FrameSource

__all__ = ["CAMERA_MODES", "CameraStage", "run_camera"]

#: ``hkmr infer --camera`` choices.
CAMERA_MODES: tuple[str, ...] = ("auto", "static")


@dataclass
class CameraStage:
    """source: the input (decoded again); landmarks: the detect stage's output; focal: the fit's focal length
    in pixels (its principal point is the image centre); mode: one of :data:`CAMERA_MODES`."""

    source: FrameSource
    landmarks: Landmarks
    focal: float
    mode: str = "auto"
    config: CameraMotionConfig = CameraMotionConfig()


def run_camera(stage: CameraStage) -> tuple[CameraRotations | None, CameraRotations | None]:
    """→ (the estimate or None when skipped, the estimate for the fit — its rotations (F,3,3) and the frames where
    the camera stood, :func:`core.fitting.clip.fit_clip` — or None for a static camera)."""
    if stage.mode == "static":
        return None, None
    lm = stage.landmarks
    w, h = lm.image_size
    K = np.array([[stage.focal, 0, w / 2], [0, stage.focal, h / 2], [0, 0, 1.0]])
    n = lm.num_frames
    frames = (img for i, img in itertools.takewhile(lambda f: f[0] < n, stage.source.frames()))
    est = estimate_rotations(frames, K, person_mask_boxes(lm.boxes, lm.found, n), stage.config,
                             lm.fps if lm.fps > 0 else 30.0)
    if est.static or len(est.rotations) != n:
        return est, None
    return est, est
