"""Where the person is in each frame: full frame, a boxes/keypoints file, or self-tracking.

Every provider answers :meth:`BoxProvider.detect` with a :class:`Detection` (or None: no person
in that frame → the frame is marked ``valid=False`` and never run through the model). The
tracker also :meth:`~Tracker.observe`\\ s each prediction to place the next crop.

Files (one person: the best-scoring detection of a frame is used):
- **COCO JSON**: a list of annotations ``{"image_id", "bbox": [x, y, w, h], "score"?, "keypoints"?}``
  (COCO's 17 keypoints, flat x, y, v) — ``image_id`` is the 0-based frame index — or a dict with
  ``"annotations"`` and ``"images"``, where frame index = rank of the image's ``file_name``.
- **OpenPose**: a folder (or glob) of per-frame ``*_keypoints.json`` files with
  ``people[].pose_keypoints_2d`` (BODY_25), frame index = rank of the file name.
"""
from __future__ import annotations

import glob
import json
import os
from dataclasses import dataclass

import numpy as np

from hkmr_blender.base.inputs import file_problem
from hkmr_blender.base.skeleton import NUM_JOINTS

from .crops import box_from_points, full_frame_box
from .sources import _natural_key

__all__ = ["BoxFileError", "Detection", "BoxProvider", "FullFrame", "FileBoxes", "Tracker", "load_box_file",
           "COCO_TO_SMPL", "OPENPOSE_TO_SMPL", "to_smpl_keypoints"]

#: SMPL joint ← keypoint index (limbs only; COCO/OpenPose hips sit lower than SMPL's hip joints).
COCO_TO_SMPL = {1: 11, 2: 12, 4: 13, 5: 14, 7: 15, 8: 16, 16: 5, 17: 6, 18: 7, 19: 8, 20: 9, 21: 10}
OPENPOSE_TO_SMPL = {1: 12, 2: 9, 4: 13, 5: 10, 7: 14, 8: 11, 12: 1, 16: 5, 17: 2, 18: 6, 19: 3, 20: 7, 21: 4}


class BoxFileError(ValueError):
    """A boxes/keypoints file that cannot be used; the message names the file and the fix."""


@dataclass
class Detection:
    """box (3,) (cx, cy, size) pixels; score in [0, 1]; keypoints (K, 3) x, y, confidence or None;
    layout "coco" | "openpose" | None."""

    box: np.ndarray
    score: float = 1.0
    keypoints: np.ndarray | None = None
    layout: str | None = None


def to_smpl_keypoints(kp: np.ndarray, layout: str) -> np.ndarray:
    """(K, 3) COCO-17 / OpenPose-25 keypoints → (24, 3) SMPL-joint keypoints (confidence 0 where
    there is no counterpart)."""
    mapping = COCO_TO_SMPL if layout == "coco" else OPENPOSE_TO_SMPL
    out = np.zeros((NUM_JOINTS, 3))
    for smpl, src in mapping.items():
        if src < len(kp):
            out[smpl] = kp[src]
    return out


class BoxProvider:
    """Base: ``sequential`` providers need :meth:`observe` of frame t before :meth:`detect` of t+1."""

    sequential = False

    def detect(self, frame_index: int, width: int, height: int) -> Detection | None:
        raise NotImplementedError

    def observe(self, frame_index: int, joints_px: np.ndarray, confidence: float, width: int,
                height: int) -> bool:
        """Feed the prediction for a frame; returns True when the track is lost there."""
        return False

    def state(self) -> dict:
        return {}

    def load_state(self, state: dict) -> None:
        pass

    def check_size(self, width: int, height: int) -> None:
        """Raise :class:`BoxFileError` if the provider cannot serve frames of this size."""


class FullFrame(BoxProvider):
    """The whole frame, letterboxed to a square."""

    def detect(self, frame_index: int, width: int, height: int) -> Detection:
        return Detection(full_frame_box(width, height))


class FileBoxes(BoxProvider):
    """Detections read from a COCO or OpenPose file (see the module docstring)."""

    def __init__(self, detections: dict[int, Detection], source: str):
        self.detections = detections
        self.source = source

    def detect(self, frame_index: int, width: int, height: int) -> Detection | None:
        return self.detections.get(frame_index)

    def check_size(self, width: int, height: int) -> None:
        """Every box must overlap the ``width`` × ``height`` image (a box outside it means the file belongs
        to another video or uses other units, e.g. normalised coordinates)."""
        for frame, det in sorted(self.detections.items()):
            cx, cy, size = det.box
            if cx + size / 2 <= 0 or cy + size / 2 <= 0 or cx - size / 2 >= width or cy - size / 2 >= height:
                raise BoxFileError(f"{self.source}: the box of frame {frame} (centre {cx:.0f}, {cy:.0f}, size "
                                   f"{size:.0f} px) lies outside the {width}×{height} image; is this the boxes file "
                                   f"of this video, in pixels?")


def _best(cands: list[Detection]) -> Detection:
    return max(cands, key=lambda d: (d.score, d.box[2]))


def _coco_detection(ann: dict, path: str, min_kp_conf: float, scale: float) -> Detection:
    kp = None
    if ann.get("keypoints"):
        kp = np.asarray(ann["keypoints"], np.float64).reshape(-1, 3)
        kp[:, 2] = np.clip(kp[:, 2] / (2.0 if kp[:, 2].max() > 1 else 1.0), 0, 1)  # COCO v ∈ {0,1,2}
    if "bbox" in ann:
        try:
            x, y, w, h = (float(v) for v in ann["bbox"])
        except (TypeError, ValueError):
            raise BoxFileError(f"{path}: the bbox of image {ann.get('image_id')} is {ann['bbox']!r}; expected "
                               f"[x, y, width, height] in pixels") from None
        if not (np.isfinite([x, y]).all() and w > 0 and h > 0 and np.isfinite([w, h]).all()):
            raise BoxFileError(f"{path}: the bbox of image {ann.get('image_id')} is {ann['bbox']!r}; width and "
                               f"height must be positive, all values finite")
        box = np.array([x + w / 2.0, y + h / 2.0, max(w, h) * scale])
    elif kp is not None:
        box = box_from_points(kp[:, :2], kp[:, 2] > min_kp_conf, scale)
    else:
        box = None
    if box is None:
        raise BoxFileError(f"{path}: annotation for image {ann.get('image_id')} has neither a bbox nor "
                           f"enough keypoints")
    score = float(ann.get("score", 1.0))
    if not 0 <= score <= 1:
        raise BoxFileError(f"{path}: the score of image {ann.get('image_id')} is {score}; expected [0, 1]")
    return Detection(box, score, kp, "coco" if kp is not None else None)


def _load_coco(path: str, data, min_kp_conf: float, scale: float) -> dict[int, Detection]:
    anns, frame_of = data, None
    if isinstance(data, dict):
        if "annotations" not in data:
            raise BoxFileError(f"{path}: a COCO dict needs an 'annotations' list")
        anns = data["annotations"]
        images = sorted(data.get("images", []), key=lambda im: _natural_key(str(im.get("file_name", ""))))
        frame_of = {im["id"]: i for i, im in enumerate(images)} if images else None
    out: dict[int, list[Detection]] = {}
    if not isinstance(anns, list):
        raise BoxFileError(f"{path}: 'annotations' must be a list")
    for k, ann in enumerate(anns):
        if not isinstance(ann, dict) or "image_id" not in ann:
            raise BoxFileError(f"{path}: every annotation needs 'image_id' and 'bbox' or 'keypoints'")
        try:
            frame = frame_of.get(ann["image_id"]) if frame_of is not None else int(ann["image_id"])
            if frame is not None:
                if frame < 0:
                    raise ValueError(f"negative image_id {frame}")
                out.setdefault(frame, []).append(_coco_detection(ann, path, min_kp_conf, scale))
        except (TypeError, ValueError) as exc:
            if isinstance(exc, BoxFileError):
                raise
            raise BoxFileError(f"{path}: annotation {k} is malformed ({exc}); see the COCO format in "
                               f"docs/inference.md") from None
    return {f: _best(c) for f, c in out.items()}


def _load_openpose(files: list[str], min_kp_conf: float, scale: float) -> dict[int, Detection]:
    out = {}
    for i, f in enumerate(files):
        try:
            with open(f) as fh:
                data = json.load(fh)
        except (OSError, ValueError) as exc:
            raise BoxFileError(f"{f}: cannot read OpenPose JSON ({exc})") from exc
        people = data.get("people", []) if isinstance(data, dict) else None
        if not isinstance(people, list):
            raise BoxFileError(f"{f}: an OpenPose file is an object with a 'people' list")
        cands = []
        for p in people:
            try:
                kp = np.asarray(p.get("pose_keypoints_2d", []), np.float64).reshape(-1, 3)
            except (AttributeError, TypeError, ValueError) as exc:
                raise BoxFileError(f"{f}: pose_keypoints_2d must be a flat list of x, y, confidence ({exc})") from None
            box = box_from_points(kp[:, :2], kp[:, 2] > min_kp_conf, scale) if len(kp) else None
            if box is not None:
                cands.append(Detection(box, float(kp[kp[:, 2] > min_kp_conf, 2].mean()), kp, "openpose"))
        if cands:
            out[i] = _best(cands)
    return out


def load_box_file(path: str | os.PathLike, min_kp_conf: float = 0.1, scale: float = 1.2) -> FileBoxes:
    """COCO JSON file, or an OpenPose folder / glob of per-frame JSON files → :class:`FileBoxes`.
    ``scale`` enlarges boxes (detector boxes are tight; the network saw ~1.2× margins)."""
    path = os.fspath(path)
    if os.path.isdir(path) or any(c in path for c in "*?["):
        pattern = os.path.join(path, "*.json") if os.path.isdir(path) else path
        files = sorted(glob.glob(pattern), key=_natural_key)
        if not files:
            raise BoxFileError(f"{path}: no OpenPose *.json files found")
        return FileBoxes(_load_openpose(files, min_kp_conf, scale), path)
    problem = file_problem(path)
    if problem:  # missing, or a FIFO (the reader would block on it) or a device
        raise BoxFileError(f"{path}: boxes file {problem.removeprefix('file ')}; give a COCO JSON file or an "
                           "OpenPose JSON folder")
    try:
        with open(path) as fh:
            data = json.load(fh)
    except (OSError, ValueError) as exc:
        raise BoxFileError(f"{path}: not valid JSON ({exc})") from exc
    if isinstance(data, dict) and "people" in data:
        return FileBoxes(_load_openpose([path], min_kp_conf, scale), path)
    if not isinstance(data, (list, dict)):
        raise BoxFileError(f"{path}: expected a COCO annotation list or dict, got {type(data).__name__}")
    return FileBoxes(_load_coco(path, data, min_kp_conf, scale), path)


class Tracker(BoxProvider):
    """Self-tracking: the crop for frame t comes from the projected joints of the last observed
    frame (box of the joints × ``scale``, centre extrapolated at constant velocity for frames
    further ahead, e.g. inside one batch). Starts from the full frame.

    Lost-track rule: a frame whose confidence is below ``min_confidence``, or whose joint box is
    smaller than ``min_size`` px or centred outside the image, is *lost* (returned True, marked
    invalid by the runner); the next crop restarts from the full frame.
    """

    sequential = True

    def __init__(self, scale: float = 1.3, min_confidence: float = 0.3, min_size: float = 16.0):
        self.scale, self.min_confidence, self.min_size = scale, min_confidence, min_size
        self.box: np.ndarray | None = None
        self.velocity = np.zeros(2)
        self.last_frame = -1

    def detect(self, frame_index: int, width: int, height: int) -> Detection:
        if self.box is None:
            return Detection(full_frame_box(width, height))
        ahead = max(frame_index - self.last_frame, 1)
        return Detection(np.array([*(self.box[:2] + self.velocity * ahead), self.box[2]]))

    def observe(self, frame_index: int, joints_px: np.ndarray, confidence: float, width: int,
                height: int) -> bool:
        box = box_from_points(joints_px, scale=self.scale, min_size=0.0)
        lost = (box is None or confidence < self.min_confidence or box[2] < self.min_size
                or not (0 <= box[0] < width and 0 <= box[1] < height))
        if lost:
            self.box, self.velocity = None, np.zeros(2)
        else:
            if self.box is not None and frame_index > self.last_frame:
                step = (box[:2] - self.box[:2]) / (frame_index - self.last_frame)
                self.velocity = 0.5 * self.velocity + 0.5 * step
            self.box = box
        self.last_frame = frame_index
        return lost

    def state(self) -> dict:
        return {"box": None if self.box is None else self.box.tolist(), "velocity": self.velocity.tolist(),
                "last_frame": self.last_frame}

    def load_state(self, state: dict) -> None:
        self.box = None if state.get("box") is None else np.asarray(state["box"], np.float64)
        self.velocity = np.asarray(state.get("velocity", [0.0, 0.0]), np.float64)
        self.last_frame = int(state.get("last_frame", -1))
