"""BlazePose's 33 landmarks: names, the per-clip result of the detector, and where each sits on an SMPL body.

numpy only; nothing here imports mediapipe (only :mod:`core.detect.blazepose` does).

Frames: ``points2d`` are pixels of the full image (x right, y down, origin at the top-left pixel's
corner); ``world`` is BlazePose's metric frame: metres, centred between the hips, x to the image's
right, y down, z away from the camera. Left/right are the *person's* (BlazePose and SMPL agree).
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

__all__ = ["BLAZEPOSE_NAMES", "NUM_LANDMARKS", "LANDMARK_TO_BODY", "WORLD_FROM", "Landmarks"]

BLAZEPOSE_NAMES: tuple[str, ...] = (
    "nose", "left_eye_inner", "left_eye", "left_eye_outer", "right_eye_inner", "right_eye", "right_eye_outer",
    "left_ear", "right_ear", "mouth_left", "mouth_right", "left_shoulder", "right_shoulder", "left_elbow",
    "right_elbow", "left_wrist", "right_wrist", "left_pinky", "right_pinky", "left_index", "right_index",
    "left_thumb", "right_thumb", "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle",
    "right_ankle", "left_heel", "right_heel", "left_foot_index", "right_foot_index",
)
NUM_LANDMARKS = len(BLAZEPOSE_NAMES)
#: What :attr:`Landmarks.world` may hold (its ``world_from``).
WORLD_FROM: tuple[str, ...] = ("blazepose", "lifter", "truth")

#: Where each BlazePose landmark sits on an SMPL-format body: ("joint", SMPL joint name) or
#: ("surface", smplx surface-keypoint name from ``BodyModel``'s extra vertices) or None (not used:
#: the mouth corners have no counterpart). BlazePose's hips and shoulders are skeletal estimates close
#: to, but not exactly at, SMPL's joints; heels, toes, ears and nose are surface points.
LANDMARK_TO_BODY: tuple[tuple[str, str] | None, ...] = (
    ("surface", "nose"),
    ("surface", "leye"), ("surface", "leye"), ("surface", "leye"),
    ("surface", "reye"), ("surface", "reye"), ("surface", "reye"),
    ("surface", "lear"), ("surface", "rear"),
    None, None,
    ("joint", "left_shoulder"), ("joint", "right_shoulder"),
    ("joint", "left_elbow"), ("joint", "right_elbow"),
    ("joint", "left_wrist"), ("joint", "right_wrist"),
    ("joint", "left_hand"), ("joint", "right_hand"),
    ("joint", "left_hand"), ("joint", "right_hand"),
    ("joint", "left_hand"), ("joint", "right_hand"),
    ("joint", "left_hip"), ("joint", "right_hip"),
    ("joint", "left_knee"), ("joint", "right_knee"),
    ("joint", "left_ankle"), ("joint", "right_ankle"),
    ("surface", "LHeel"), ("surface", "RHeel"),
    ("surface", "LBigToe"), ("surface", "RBigToe"),
)


@dataclass
class Landmarks:
    """Detector output for one clip: F frames, 33 BlazePose landmarks, one person.

    points2d (F,33,2) float32 image pixels; visibility (F,33) and presence (F,33) float32 in [0,1];
    world (F,33,3) float32 metres (BlazePose world frame, see module docstring); boxes (F,4) float32
    person box x0, y0, x1, y1 in pixels; found (F,) bool — False where no person was detected (the other
    arrays hold zeros there and must not be used); image_size (width, height) px; frame_index (F,) int64
    source frame of each row; fps frames per second of the source (0 when unknown, e.g. an image folder);
    time_ms (F,) float64 presentation time of each row's frame in milliseconds (videos), or None; world_from what
    ``world`` holds: one of :data:`WORLD_FROM` — BlazePose's own world landmarks ("blazepose", with their facing bias,
    :mod:`core.fitting.facing`), the world lifter's 3D ("lifter", :mod:`core.model.world_lifter`) or the true body's
    points ("truth", a bench's oracle); the fit undoes the facing bias for "blazepose" only.
    """

    points2d: np.ndarray
    visibility: np.ndarray
    presence: np.ndarray
    world: np.ndarray
    boxes: np.ndarray
    found: np.ndarray
    image_size: tuple[int, int]
    frame_index: np.ndarray
    fps: float = 0.0
    time_ms: np.ndarray | None = None
    world_from: str = "blazepose"

    @property
    def num_frames(self) -> int:
        return int(len(self.found))

    def select(self, frames: np.ndarray) -> "Landmarks":
        """A copy holding only ``frames`` (indices or boolean mask)."""
        return replace(self, **{k: getattr(self, k)[frames] for k in
                                ("points2d", "visibility", "presence", "world", "boxes", "found", "frame_index")},
                       time_ms=None if self.time_ms is None else self.time_ms[frames])
