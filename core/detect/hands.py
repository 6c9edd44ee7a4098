"""Hand landmarks (Google's MediaPipe Hands, trained on real images) on crops around the body's wrists.

Frames (H, W, 3) uint8 RGB and the clip's body :class:`~core.detect.landmarks.Landmarks` in, one
:class:`~core.detect.hand_landmarks.HandLandmarks` out. Same two routes as the body
(:func:`core.detect.blazepose.detector_route`): mediapipe 0.10.21's legacy ``solutions.hands`` (its model files
are checked against the sha256 sums below first) or the Tasks ``HandLandmarker`` on the shipped bundle
(:class:`core.detect.tasks.TasksHands`, the same two models).

Why crops: the palm detector runs at 192 px on the whole input, so a hand 30–60 px tall in a full video frame is
often missed, and which hand is which would rest on the hand model's handedness guess. Each frame, for each side
whose body wrist is visible, a square around the wrist (side :data:`CROP_FOREARMS` × the forearm's pixel length,
centred a little past the wrist along the forearm) is cut out, scaled to :data:`CROP_PIXELS` and searched; of the
hands found there, the one whose wrist point is nearest the body's wrist is kept if it is within
:data:`MAX_WRIST_OFFSET` crop sides. So the side is the body's, not the hand model's.
"""
from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass
from typing import Iterator

import cv2
import numpy as np

from .blazepose import DetectorError, detector_route, import_mediapipe, import_solutions, native_stderr_silenced
from .hand_landmarks import NUM_HAND_POINTS, HandLandmarks
from .landmarks import BLAZEPOSE_NAMES, Landmarks

__all__ = ["HAND_MODEL_FILES", "CROP_FOREARMS", "CROP_PIXELS", "MAX_WRIST_OFFSET", "HandOptions", "HandDetector",
           "hand_crop", "detect_hands"]

#: Files inside the mediapipe 0.10.21 wheel (Apache-2.0) → sha256 (docs/hands.md).
HAND_MODEL_FILES: dict[str, str] = {
    "modules/palm_detection/palm_detection_full.tflite":
        "1b14e9422c6ad006cde6581a46c8b90dd573c07ab7f3934b5589e7cea3f89a54",
    "modules/hand_landmark/hand_landmark_full.tflite":
        "11c272b891e1a99ab034208e23937a8008388cf11ed2a9d776ed3d01d0ba00e3",
}
CROP_FOREARMS = 1.6
CROP_PIXELS = 256
MAX_WRIST_OFFSET = 0.35
_MIN_CROP = 48.0
_IDX = {n: i for i, n in enumerate(BLAZEPOSE_NAMES)}


@dataclass
class HandOptions:
    """min_detection: palm detector threshold in [0, 1]; min_wrist_visibility: skip a side whose body wrist
    visibility is lower (it is then marked not found)."""

    min_detection: float = 0.4
    min_wrist_visibility: float = 0.3


def hand_crop(points2d: np.ndarray, side: int) -> np.ndarray:
    """Square box x0, y0, x1, y1 (px, may extend past the image) to search for one hand.
    points2d (33, 2) BlazePose pixels; side 0 = left, 1 = right (the person's)."""
    s = ("left", "right")[side]
    wrist, elbow = points2d[_IDX[f"{s}_wrist"]], points2d[_IDX[f"{s}_elbow"]]
    tips = points2d[[_IDX[f"{s}_index"], _IDX[f"{s}_pinky"]]].mean(0)
    forearm = float(np.linalg.norm(wrist - elbow))
    size = max(CROP_FOREARMS * forearm, 2.5 * float(np.linalg.norm(tips - wrist)), _MIN_CROP)
    direction = tips - wrist if np.linalg.norm(tips - wrist) > 1e-3 else wrist - elbow
    centre = wrist + 0.25 * size * direction / max(float(np.linalg.norm(direction)), 1e-6)
    return np.concatenate([centre - size / 2, centre + size / 2]).astype(np.float32)


def _cut(image: np.ndarray, box: np.ndarray) -> tuple[np.ndarray, float]:
    """The box resampled to CROP_PIXELS² (outside the image: black); returns (crop, pixels per crop pixel)."""
    scale = float(box[2] - box[0]) / CROP_PIXELS
    m = np.array([[1 / scale, 0, -box[0] / scale], [0, 1 / scale, -box[1] / scale]], np.float64)
    crop = cv2.warpAffine(image, m, (CROP_PIXELS, CROP_PIXELS), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    return crop, scale


class _SolutionsHands:
    """Legacy ``solutions.hands`` with :class:`core.detect.tasks.TasksHands`'s ``run``/``close``."""

    def __init__(self, min_detection: float):
        self._hands = import_solutions(HAND_MODEL_FILES).hands.Hands(
            static_image_mode=True, max_num_hands=2, model_complexity=1, min_detection_confidence=min_detection)

    def run(self, rgb: np.ndarray) -> list[tuple[np.ndarray, np.ndarray, float]]:
        res = self._hands.process(rgb)
        return [(np.array([(q.x, q.y) for q in lm.landmark], np.float32),
                 np.array([(q.x, q.y, q.z) for q in wl.landmark], np.float32), float(hd.classification[0].score))
                for lm, wl, hd in zip(res.multi_hand_landmarks or (), res.multi_hand_world_landmarks or (),
                                      res.multi_handedness or ())]

    def close(self) -> None:
        self._hands.close()


class HandDetector:
    """MediaPipe Hands on single crops (static-image mode: the palm detector runs on every crop; identity over
    time comes from the body's wrists). Use as a context manager."""

    def __init__(self, options: HandOptions | None = None):
        self.options = options or HandOptions()
        if not 0.0 <= self.options.min_detection <= 1.0:
            raise DetectorError(f"hand min_detection must be in [0, 1], got {self.options.min_detection}")
        self.route = detector_route()
        with native_stderr_silenced():
            if self.route == "solutions":
                self._hands = _SolutionsHands(self.options.min_detection)
            else:
                from .tasks import TasksHands

                self._hands = TasksHands(import_mediapipe("tasks"), self.options.min_detection)

    def __enter__(self) -> "HandDetector":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._hands is not None:
            self._hands.close()
            self._hands = None

    def process(self, image: np.ndarray, body_points: np.ndarray, wrist_visible: tuple[bool, bool]):
        """One frame → (points2d (2,21,2), world (2,21,3), score (2,), found (2,), crops (2,4))."""
        pts = np.zeros((2, NUM_HAND_POINTS, 2), np.float32)
        world = np.zeros((2, NUM_HAND_POINTS, 3), np.float32)
        score, found, crops = np.zeros(2, np.float32), np.zeros(2, bool), np.zeros((2, 4), np.float32)
        for side in (0, 1):
            if not wrist_visible[side]:
                continue
            box = hand_crop(body_points, side)
            crops[side] = box
            crop, scale = _cut(image, box)
            with native_stderr_silenced():
                found_hands = self._hands.run(crop)
            if not found_hands:
                continue
            wrist = body_points[_IDX[f"{('left', 'right')[side]}_wrist"]]
            px = [h[0] * CROP_PIXELS * scale + box[:2] for h in found_hands]
            k = int(np.argmin([np.linalg.norm(p[0] - wrist) for p in px]))
            if np.linalg.norm(px[k][0] - wrist) > MAX_WRIST_OFFSET * float(box[2] - box[0]):
                continue
            pts[side], found[side] = px[k], True
            world[side], score[side] = found_hands[k][1], found_hands[k][2]
        return pts, world, score, found, crops


def detect_hands(frames: Iterator[tuple[int, np.ndarray]], body: Landmarks,
                 options: HandOptions | None = None, detector: HandDetector | None = None) -> HandLandmarks:
    """``(frame_index, RGB image)`` pairs — the frames ``body`` was detected on, in its order — → hands.
    ``detector``: an open :class:`HandDetector` to use (a long video's chunks, :mod:`core.pipeline.hand_blocks`);
    None: one is opened for these frames and closed."""
    rows = {int(f): i for i, f in enumerate(body.frame_index)}
    n = body.num_frames
    out = {"points2d": np.zeros((n, 2, NUM_HAND_POINTS, 2), np.float32),
           "world": np.zeros((n, 2, NUM_HAND_POINTS, 3), np.float32), "score": np.zeros((n, 2), np.float32),
           "found": np.zeros((n, 2), bool), "crops": np.zeros((n, 2, 4), np.float32)}
    min_vis = (options or getattr(detector, "options", None) or HandOptions()).min_wrist_visibility
    wrists = [_IDX["left_wrist"], _IDX["right_wrist"]]
    with nullcontext(detector) if detector is not None else HandDetector(options) as det:
        for f, img in frames:
            i = rows.get(int(f))
            if i is None or not body.found[i]:
                continue
            vis = body.visibility[i, wrists] >= min_vis
            res = det.process(img, body.points2d[i], (bool(vis[0]), bool(vis[1])))
            for key, val in zip(("points2d", "world", "score", "found", "crops"), res):
                out[key][i] = val
    return HandLandmarks(**out, frame_index=np.asarray(body.frame_index, np.int64))
