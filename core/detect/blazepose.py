"""BlazePose (Google, trained on real images) through mediapipe: legacy ``solutions.pose`` or the Tasks API.

The only module that imports mediapipe. Frames in (H, W, 3) uint8 RGB, one :class:`Landmarks` per
clip out (frames and units: :mod:`core.detect.landmarks`).

mediapipe 0.10.21 is the last release whose wheel ships the BlazePose models (their sha256 sums below; the
shipped bundles are built from them); it is installed with ``--no-deps`` by ``.ci/venv`` (its declared
dependencies would replace OpenCV's ``cv2`` with opencv-contrib 4.11), as 0.10.32 is on Python 3.13
(``.ci/py313``). Every model file is checked against its sha256 before a graph is built, so a different file
fails loudly instead of silently changing results.

Two routes to the same models (:data:`ROUTES`, :func:`detector_route`): "solutions", mediapipe 0.10.21's legacy
graph with the models inside its wheel (the default where 0.10.21 is installed: Python 3.11); "tasks", the Tasks
API on the ``.task`` bundles the project ships (:mod:`core.detect.tasks`), which runs on mediapipe 0.10.21 and
0.10.32 (Python 3.13, no models in its wheel; the default there). They agree within about a pixel and score the same
end to end (docs/architecture.md, "Detector on Python 3.11 and 3.13").

Video mode (both routes): the person detector runs until someone is found, then
the landmark model tracks that person from the previous frame's landmarks (detector again only
when tracking is lost). BlazePose follows **one** person: the most confident detection. To choose
someone else, give ``person=(x0, y0, x1, y1)``: every frame is cropped to that box (plus
:data:`ROI_MARGIN`) before detection and the landmarks are mapped back to full-image pixels —
a fixed region of interest, not an identity tracker (the person must stay inside it).
"""
from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import importlib.util
import math
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Iterable, Iterator

import numpy as np

from .landmarks import NUM_LANDMARKS, Landmarks

__all__ = ["MEDIAPIPE_VERSION", "TASKS_MEDIAPIPE", "ROUTES", "ROUTE_ENV", "detector_route", "import_mediapipe",
           "MODEL_FILES", "MIN_POSE_PRESENCE", "ROI_MARGIN", "DetectorError", "DetectorOptions", "FrameResult",
           "BlazePose", "parse_person", "check_person", "detect_frames", "stack_results", "model_paths",
           "import_solutions", "native_stderr_silenced"]

MEDIAPIPE_VERSION = "0.10.21"
#: mediapipe releases the Tasks route is tested with: 0.10.21 (cp311) and 0.10.32 (py3-none: cp313).
TASKS_MEDIAPIPE = ("0.10.21", "0.10.32")
ROUTES = ("solutions", "tasks")
#: Environment variable that forces a route (default: :func:`detector_route`'s choice).
ROUTE_ENV = "HKMR_DETECTOR_ROUTE"
#: Files inside the mediapipe package → sha256 (wheel mediapipe-0.10.21, Apache-2.0; docs/architecture.md).
MODEL_FILES: dict[str, str] = {
    "modules/pose_detection/pose_detection.tflite":
        "9ba9dd3d42efaaba86b4ff0122b06f29c4122e756b329d89dca1e297fd8f866c",
    "modules/pose_landmark/pose_landmark_full.tflite":
        "e9a5c5cb17f736fafd4c2ec1da3b3d331d6edbe8a0d32395855aeb2cdfd64b9f",
}
#: BlazePose's landmark model scores whether a person is in its region (its "pose flag"); frames below this are
#: "nobody" (mediapipe's ``min_tracking_confidence``, default 0.5). On 23 real empty scenes (1,066 frames: a launch
#: pad, a bird filling the frame) the frames reported as a person (visibility ≥ 0.3) went from 189 at 0.5 to 111
#: at 0.9; real people walking, entering or leaving lost none (docs/inference.md, "Person presence";
#: bench/bench_presence.py).
MIN_POSE_PRESENCE = 0.9
#: A ``person`` box is enlarged by this fraction of its size on every side before cropping.
ROI_MARGIN = 0.15
_INSTALL = "bash .ci/venv python -c 1 (or: pip install --no-deps mediapipe==0.10.21 'protobuf>=4.25.3,<5' attrs " \
           "matplotlib)"
_INSTALL_TASKS = f"pip install --no-deps mediapipe=={TASKS_MEDIAPIPE[-1]} matplotlib (Python 3.13; on 3.11: {_INSTALL})"


class DetectorError(RuntimeError):
    """The detector cannot run here (missing/mismatched mediapipe) or was given a bad option."""


@dataclass
class DetectorOptions:
    """min_detection: the person detector's threshold in [0, 1]; min_tracking: the landmark model's pose-presence
    threshold in [0, 1] (:data:`MIN_POSE_PRESENCE`); smooth: mediapipe's own landmark filter across frames (video
    mode; can be off only on the solutions route: the Tasks graph always filters); person: None (BlazePose's
    choice) or a box x0, y0, x1, y1 px; mirror: also run BlazePose (a second tracker) on each frame's mirror image
    and average the two (:mod:`core.detect.mirror`; the default since issue 20 session 9: on 11 held-out renders
    MPJPE −1.8 mm, PA −0.7 mm, root −0.8°, detection ~1.5× the time, docs/experiments.md)."""

    min_detection: float = 0.5
    min_tracking: float = MIN_POSE_PRESENCE
    smooth: bool = True
    person: tuple[float, float, float, float] | None = None
    mirror: bool = True


@dataclass
class FrameResult:
    """One frame: points2d (33, 2) px, visibility (33,), presence (33,), world (33, 3) m, box (4,) px;
    all zeros and ``found = False`` when nobody was detected."""

    found: bool
    points2d: np.ndarray
    visibility: np.ndarray
    presence: np.ndarray
    world: np.ndarray
    box: np.ndarray


def parse_person(text: str | None) -> tuple[float, float, float, float] | None:
    """``--person``: "auto" / None → None; "x0,y0,x1,y1" (pixels of the first frame) → a box."""
    if text is None or text.strip().lower() == "auto":
        return None
    if not text.strip():  # an empty value (an unset variable in a script) is a mistake, not "auto"
        raise DetectorError("--person is empty: give 'auto' or a box in pixels 'x0,y0,x1,y1', e.g. 100,50,400,700")
    try:
        x0, y0, x1, y1 = (float(v) for v in text.split(","))
    except ValueError:
        raise DetectorError(f"--person {text!r}: give 'auto' or a box in pixels 'x0,y0,x1,y1', e.g. 100,50,400,700") \
            from None
    if not all(math.isfinite(v) for v in (x0, y0, x1, y1)):
        raise DetectorError(f"--person {text!r}: the box must be finite numbers of pixels 'x0,y0,x1,y1', e.g. "
                            f"100,50,400,700")
    if not (x1 > x0 and y1 > y0):
        raise DetectorError(f"--person {text!r}: the box needs x1 > x0 and y1 > y0 (pixels, top-left origin)")
    return x0, y0, x1, y1


def check_person(box: tuple[float, float, float, float] | None, width: int, height: int) -> None:
    """``--person`` must lie inside the ``width`` × ``height`` frame (checked on the first frame, before any work)."""
    if box is None:
        return
    x0, y0, x1, y1 = box
    if not (0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height):
        raise DetectorError(f"--person {','.join(f'{v:g}' for v in box)}: the box must lie inside the {width}×{height} "
                            f"frame (0 ≤ x0 < x1 ≤ {width}, 0 ≤ y0 < y1 ≤ {height}, pixels, top-left origin); "
                            f"draw it on the first frame")


def model_paths(files: dict[str, str] | None = None) -> dict[str, str]:
    """Absolute paths of ``files`` (default :data:`MODEL_FILES`; relative path → sha256) in the installed
    mediapipe, after checking their sha256. Does not import mediapipe (so the check runs before any graph is
    built)."""
    spec = importlib.util.find_spec("mediapipe")
    if spec is None or not spec.submodule_search_locations:
        raise DetectorError(f"the person detector needs mediapipe {MEDIAPIPE_VERSION}, which is not installed; "
                            f"run {_INSTALL}")
    root = list(spec.submodule_search_locations)[0]
    out = {}
    for rel, want in (MODEL_FILES if files is None else files).items():
        path = os.path.join(root, rel)
        if not os.path.isfile(path):
            raise DetectorError(f"{path} is missing: mediapipe {MEDIAPIPE_VERSION} ships it (0.10.30 and later ship "
                                f"no models); run {_INSTALL}")
        with open(path, "rb") as fh:
            got = hashlib.sha256(fh.read()).hexdigest()
        if got != want:
            raise DetectorError(f"{path}: sha256 {got[:16]}… is not the model this project was tested "
                                f"with ({want[:16]}…, mediapipe {MEDIAPIPE_VERSION}); reinstall with {_INSTALL}")
        out[rel] = path
    return out


def _installed_mediapipe() -> str | None:
    try:
        return importlib.metadata.version("mediapipe")
    except importlib.metadata.PackageNotFoundError:
        return None


def detector_route() -> str:
    """"solutions" where mediapipe 0.10.21 (whose wheel holds the models) is installed, else "tasks" (the shipped
    bundles, :mod:`core.detect.tasks`: Python 3.13); ``$HKMR_DETECTOR_ROUTE`` forces one."""
    forced = os.environ.get(ROUTE_ENV, "").strip().lower()
    if forced and forced not in ROUTES:
        raise DetectorError(f"{ROUTE_ENV}={forced!r}: use one of {', '.join(ROUTES)} (or leave it unset)")
    return forced or ("solutions" if _installed_mediapipe() == MEDIAPIPE_VERSION else "tasks")


def import_mediapipe(route: str, files: dict[str, str] | None = None):
    """The mediapipe module for ``route`` after checking its version (and, for "solutions", the sha256 of
    ``files`` inside the wheel, see :func:`model_paths`). The one import of mediapipe in the project."""
    if route == "solutions":
        model_paths(files)
    wanted = (MEDIAPIPE_VERSION,) if route == "solutions" else TASKS_MEDIAPIPE
    how = _INSTALL if route == "solutions" else _INSTALL_TASKS
    if _installed_mediapipe() is None:
        raise DetectorError(f"the person detector needs mediapipe {' or '.join(wanted)}, which is not installed; "
                            f"run {how}")
    import mediapipe as mp  # noqa: the one import of mediapipe in the project

    if mp.__version__ not in wanted:
        raise DetectorError(f"mediapipe {mp.__version__} is installed but the {route} route needs "
                            f"{' or '.join(wanted)}; run {how}")
    return mp


def import_solutions(files: dict[str, str] | None = None):
    """mediapipe's legacy ``solutions`` package after checking ``files`` (see :func:`model_paths`) and the
    version."""
    return import_mediapipe("solutions", files).solutions


@contextlib.contextmanager
def native_stderr_silenced():
    """mediapipe's C++ side logs start-up notes (XNNPACK delegate, feedback tensors) straight to fd 2 at graph
    creation and on the first frame with a person, which no setting turns off; hide fd 2 for just those calls. Python
    errors are unaffected (they are raised, not printed, inside)."""
    try:
        saved = os.dup(2)
    except OSError:  # no fd 2 (some embedded interpreters): nothing to hide
        yield
        return
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _empty() -> FrameResult:
    z = np.zeros
    return FrameResult(False, z((NUM_LANDMARKS, 2), np.float32), z(NUM_LANDMARKS, np.float32),
                       z(NUM_LANDMARKS, np.float32), z((NUM_LANDMARKS, 3), np.float32), z(4, np.float32))


def _roi(box, width: int, height: int) -> tuple[int, int, int, int]:
    x0, y0, x1, y1 = box
    mx, my = ROI_MARGIN * (x1 - x0), ROI_MARGIN * (y1 - y0)
    r = (max(0, int(np.floor(x0 - mx))), max(0, int(np.floor(y0 - my))),
         min(width, int(np.ceil(x1 + mx))), min(height, int(np.ceil(y1 + my))))
    if r[2] - r[0] < 16 or r[3] - r[1] < 16:
        raise DetectorError(f"--person box {tuple(box)} lies (almost) outside the {width}×{height} frame")
    return r


class _SolutionsPose:
    """The legacy graph (mediapipe 0.10.21's ``solutions.pose``); same ``run``/``close`` as
    :class:`core.detect.tasks.TasksPose`."""

    def __init__(self, o: DetectorOptions):
        # model_complexity=1 is pose_landmark_full.tflite, the one the wheel ships (0 and 2 would download)
        self._pose = import_solutions().pose.Pose(
            static_image_mode=False, model_complexity=1, smooth_landmarks=o.smooth, enable_segmentation=False,
            min_detection_confidence=o.min_detection, min_tracking_confidence=o.min_tracking)
        # the graph opens its calculators (and logs "Created TensorFlow Lite XNNPACK delegate" to fd 2) on its own
        # threads: wait for that here, where the caller hides fd 2, not while a frame's progress is printed
        graph = getattr(self._pose, "_graph", None)
        if graph is not None:
            graph.wait_until_idle()

    def run(self, rgb: np.ndarray):
        res = self._pose.process(rgb)
        if res.pose_landmarks is None:
            return None
        a = np.array([(p.x, p.y, p.visibility, p.presence) for p in res.pose_landmarks.landmark], np.float32)
        return a, np.array([(p.x, p.y, p.z) for p in res.pose_world_landmarks.landmark], np.float32)

    def close(self) -> None:
        self._pose.close()


def _tasks_pose(o: DetectorOptions):
    from .tasks import TasksPose

    if not o.smooth:
        raise DetectorError("smooth=False needs the solutions route (mediapipe 0.10.21): the Tasks API always "
                            f"filters landmarks in video mode; set {ROUTE_ENV}=solutions")
    return TasksPose(import_mediapipe("tasks"), o.min_detection, o.min_tracking)


class BlazePose:
    """Video-mode BlazePose over consecutive frames of one clip. Use as a context manager;
    :meth:`process` one RGB frame at a time, in order."""

    def __init__(self, options: DetectorOptions | None = None):
        self.options = options or DetectorOptions()
        o = self.options
        for name in ("min_detection", "min_tracking"):
            if not 0.0 <= getattr(o, name) <= 1.0:
                raise DetectorError(f"{name} must be in [0, 1], got {getattr(o, name)}")
        self.route = detector_route()
        self._first = True
        make = _SolutionsPose if self.route == "solutions" else _tasks_pose
        with native_stderr_silenced():
            self._pose = make(o)
            self._mirror = make(o) if o.mirror else None  # its own tracker: it follows the mirror images
        # the mirror image's pass runs beside the frame's (mediapipe lets go of the GIL): ~1.5× one pass, not 2×
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="blazepose-mirror") if o.mirror else None
        if o.mirror:
            from .mirror import combine  # here, not at the top: core.detect.mirror imports this module
            self._combine = combine

    def __enter__(self) -> "BlazePose":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()
        for pose in (self._pose, self._mirror):
            if pose is not None:
                pose.close()
        self._pose = self._mirror = self._pool = None

    def process(self, image: np.ndarray) -> FrameResult:
        """image (H, W, 3) uint8 RGB → :class:`FrameResult` in full-image pixels (with ``options.mirror``, the
        mean of the frame's and its mirror image's, :func:`core.detect.mirror.combine`)."""
        if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
            raise DetectorError(f"expected an (H, W, 3) uint8 RGB image, got {image.shape} {image.dtype}")
        h, w = image.shape[:2]
        x0, y0, x1, y1 = (0, 0, w, h) if self.options.person is None else _roi(self.options.person, w, h)
        roi = np.ascontiguousarray(image[y0:y1, x0:x1])
        with native_stderr_silenced() if self._first else contextlib.nullcontext():
            # the native notes come when the graph first runs the landmark model
            mirrored = None if self._mirror is None else \
                self._pool.submit(self._mirror.run, np.ascontiguousarray(roi[:, ::-1]))
            out = _in_image(self._pose.run(roi), x0, y0, x1, y1, w, h)
            if mirrored is not None:  # the mirror image's box is the mirrored box
                out = self._combine(out, _in_image(mirrored.result(), w - x1, y0, w - x0, y1, w, h), w)
        self._first = self._first and not out.found
        return out


def _in_image(res, x0: int, y0: int, x1: int, y1: int, w: int, h: int) -> FrameResult:
    """A pose graph's ``run`` output on the box x0, y0, x1, y1 of a w × h image → :class:`FrameResult` in the
    image's pixels (empty where it found nobody)."""
    if res is None:
        return _empty()
    a, world = res
    pts = a[:, :2] * np.array([x1 - x0, y1 - y0], np.float32) + np.array([x0, y0], np.float32)
    lo, hi = np.clip(pts.min(0), 0, [w, h]), np.clip(pts.max(0), 0, [w, h])
    return FrameResult(True, pts, a[:, 2], a[:, 3], world, np.concatenate([lo, hi]).astype(np.float32))


def stack_results(results: list[FrameResult], frame_index: Iterable[int], image_size: tuple[int, int],
                  fps: float = 0.0) -> Landmarks:
    """Per-frame results (in order) → one :class:`Landmarks`."""
    idx = np.asarray(list(frame_index), np.int64)
    if len(idx) != len(results):
        raise ValueError(f"{len(results)} results but {len(idx)} frame indices")
    if not results:
        e = _empty()
        return Landmarks(e.points2d[None][:0], e.visibility[None][:0], e.presence[None][:0], e.world[None][:0],
                         e.box[None][:0], np.zeros(0, bool), tuple(image_size), idx, float(fps))
    st = lambda k: np.stack([getattr(r, k) for r in results])  # noqa: E731
    return Landmarks(st("points2d"), st("visibility"), st("presence"), st("world"), st("box"),
                     np.array([r.found for r in results], bool), (int(image_size[0]), int(image_size[1])), idx,
                     float(fps))


def detect_frames(frames: Iterator[tuple[int, np.ndarray]], options: DetectorOptions | None = None,
                  fps: float = 0.0) -> Landmarks:
    """``(frame_index, RGB image)`` pairs of one clip, in order → :class:`Landmarks` (one tracker)."""
    results, idx, size = [], [], (0, 0)
    with BlazePose(options) as det:
        for i, img in frames:
            size = (img.shape[1], img.shape[0])
            results.append(det.process(img))
            idx.append(i)
    return stack_results(results, idx, size, fps)
