"""The detector's Tasks route: MediaPipe's ``PoseLandmarker`` / ``HandLandmarker`` on bundles the project ships.

Same models as the legacy route (:mod:`core.detect.blazepose`, mediapipe 0.10.21's ``solutions``), packed as
``.task`` bundles in ``core/detect/assets`` by ``python -m training.detector_bundles`` (the recipe, sources and
normalisation are there; Apache-2.0, core/detect/assets/README.md). It runs on mediapipe 0.10.21 (Python 3.11)
and 0.10.32 (Python 3.13, which ships no models), so the detector works on every Blender's Python with no model
download. mediapipe itself comes through :func:`core.detect.blazepose.import_mediapipe` (the one import).

Backends here answer one question per call — landmarks of one RGB image (the caller crops and maps back to
full-image pixels): :class:`TasksPose` in video mode (tracking, timestamps 1/30 s apart as the legacy graph's)
and :class:`TasksHands` in image mode (one crop at a time).
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

__all__ = ["ASSET_DIR", "TASK_FILES", "FRAME_US", "task_path", "TasksPose", "TasksHands"]

ASSET_DIR = Path(__file__).resolve().parent / "assets"
#: Bundle in ASSET_DIR → sha256 (built by ``python -m training.detector_bundles``; byte-identical on rebuild).
TASK_FILES: dict[str, str] = {
    "pose_landmarker.task": "0a82c0b275ede20d4adc70469bbb63f504a9c4e5d704ffc172945acd3ac9993a",
    "hand_landmarker.task": "571e17f8ea4dfc409588c14ff7583888d302c22829ce3deb8c1106fc02517564",
}
#: Time between consecutive frames given to the video-mode tracker: the legacy solution's fixed 33333 µs step.
FRAME_US = 33333


def task_path(name: str) -> str:
    """Absolute path of a shipped bundle after checking its sha256 (a changed file fails loudly)."""
    from .blazepose import DetectorError

    path = ASSET_DIR / name
    if not path.is_file():
        raise DetectorError(f"{path} is missing: it ships with the project (rebuild: python -m "
                            f"training.detector_bundles)")
    got = hashlib.sha256(path.read_bytes()).hexdigest()
    if got != TASK_FILES[name]:
        raise DetectorError(f"{path}: sha256 {got[:16]}… is not the bundle this project was tested with "
                            f"({TASK_FILES[name][:16]}…); rebuild it with python -m training.detector_bundles")
    return str(path)


def _image(mp, rgb: np.ndarray):
    return mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb))


class TasksPose:
    """``PoseLandmarker`` (one person, video mode). :meth:`run` one RGB image per frame, in order →
    ((33, 4) x, y normalised to the image, visibility, presence; (33, 3) world metres) or None (nobody)."""

    def __init__(self, mp, min_detection: float, min_tracking: float):
        vision = mp.tasks.vision
        opts = vision.PoseLandmarkerOptions(
            base_options=mp.tasks.BaseOptions(model_asset_path=task_path("pose_landmarker.task")),
            running_mode=vision.RunningMode.VIDEO, num_poses=1, min_pose_detection_confidence=min_detection,
            # the legacy graph's min_tracking is its threshold on the landmark model's pose presence; the Tasks
            # graph's own min_tracking_confidence (its tracking check) keeps mediapipe's default
            min_pose_presence_confidence=min_tracking,
            output_segmentation_masks=False)
        self._mp, self._frame = mp, 0
        self._task = vision.PoseLandmarker.create_from_options(opts)

    def run(self, rgb: np.ndarray):
        res = self._task.detect_for_video(_image(self._mp, rgb), self._frame * FRAME_US // 1000)
        self._frame += 1
        if not res.pose_landmarks:
            return None
        a = np.array([(p.x, p.y, p.visibility, p.presence) for p in res.pose_landmarks[0]], np.float32)
        return a, np.array([(p.x, p.y, p.z) for p in res.pose_world_landmarks[0]], np.float32)

    def close(self) -> None:
        self._task.close()


class TasksHands:
    """``HandLandmarker`` (image mode, up to two hands). :meth:`run` one RGB crop → a list of
    ((21, 2) x, y normalised to the crop, (21, 3) world metres, handedness score)."""

    def __init__(self, mp, min_detection: float):
        vision = mp.tasks.vision
        opts = vision.HandLandmarkerOptions(
            base_options=mp.tasks.BaseOptions(model_asset_path=task_path("hand_landmarker.task")),
            running_mode=vision.RunningMode.IMAGE, num_hands=2, min_hand_detection_confidence=min_detection)
        self._mp = mp
        self._task = vision.HandLandmarker.create_from_options(opts)

    def run(self, rgb: np.ndarray) -> list[tuple[np.ndarray, np.ndarray, float]]:
        res = self._task.detect(_image(self._mp, rgb))
        found = zip(res.hand_landmarks, res.hand_world_landmarks, res.handedness)
        return [(np.array([(q.x, q.y) for q in lm], np.float32), np.array([(q.x, q.y, q.z) for q in wl], np.float32),
                 float(hd[0].score)) for lm, wl, hd in found]

    def close(self) -> None:
        self._task.close()
