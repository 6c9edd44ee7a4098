"""Frame sources: a video file (OpenCV) or a folder / glob of images, decoded ahead of the model.

Every source yields ``(frame_index, image)`` with ``image`` (H, W, 3) uint8 **RGB**, frame
indices counting from 0 in decode order. :func:`prefetch` moves decoding into a background
thread with a bounded queue, so the model never waits on the decoder and memory stays flat.
Bad input raises :class:`FrameSourceError` naming the file and what was expected.
"""
from __future__ import annotations

import glob
import os
import queue
import re
import threading
from dataclasses import dataclass
from typing import Iterator

import cv2
import numpy as np

__all__ = ["FrameSourceError", "SourceInfo", "FrameSource", "open_source", "prefetch", "source_fingerprint",
           "VIDEO_EXTS", "IMAGE_EXTS", "is_video"]

VIDEO_EXTS = (".mp4", ".mov", ".avi", ".mkv", ".webm", ".m4v", ".mpg", ".mpeg", ".wmv")
IMAGE_EXTS = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp")


class FrameSourceError(ValueError):
    """An input that cannot be decoded; the message names the file and the fix."""


@dataclass(frozen=True)
class SourceInfo:
    """path: what the user gave; kind: "video" | "images"; num_frames: count (a video's
    container estimate, exact for images); fps: frames per second; width/height of frame 0."""

    path: str
    kind: str
    num_frames: int
    fps: float
    width: int
    height: int


def is_video(path: str) -> bool:
    return os.path.splitext(path)[1].lower() in VIDEO_EXTS


def _natural_key(path: str) -> list:
    return [int(t) if t.isdigit() else t.lower() for t in re.split(r"(\d+)", os.path.basename(path))]


class FrameSource:
    """Iterate frames from ``start`` (frames before it are skipped without decoding pixels
    where the container allows: ``VideoCapture.grab``). Use :func:`open_source` to build."""

    def __init__(self, info: SourceInfo, files: list[str] | None = None):
        self.info = info
        self._files = files

    def __iter__(self) -> Iterator[tuple[int, np.ndarray]]:
        return self.frames()

    def frames(self, start: int = 0) -> Iterator[tuple[int, np.ndarray]]:
        if self._files is not None:
            for i in range(start, len(self._files)):
                yield i, _read_image(self._files[i], (self.info.height, self.info.width))
            return
        cap = cv2.VideoCapture(self.info.path)
        try:
            for i in range(start):
                if not cap.grab():
                    raise FrameSourceError(f"{self.info.path}: the video ended at frame {i} while skipping to "
                                           f"frame {start} (the file changed since the run started?)")
            i = start
            while True:
                ok, bgr = cap.read()
                if not ok:
                    return
                yield i, cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
                i += 1
        finally:
            cap.release()


def source_fingerprint(src: FrameSource) -> dict:
    """What identifies the input for a resumed run: its path plus size/mtime (video) or file names (images)."""
    p = os.path.abspath(src.info.path)
    if src._files is None:
        st = os.stat(p)
        return {"input": p, "input_stat": [st.st_size, st.st_mtime_ns]}
    names = [os.path.basename(f) for f in src._files]
    return {"input": p, "input_stat": [len(names), names[0], names[-1]]}


def _read_image(path: str, expect_hw: tuple[int, int] | None = None) -> np.ndarray:
    bgr = cv2.imread(path, cv2.IMREAD_COLOR)
    if bgr is None:
        raise FrameSourceError(f"{path}: cannot read this image (missing, truncated or not an image); "
                               f"remove it from the folder or re-export the frames")
    if expect_hw is not None and bgr.shape[:2] != expect_hw:
        raise FrameSourceError(f"{path}: image is {bgr.shape[1]}×{bgr.shape[0]} but the sequence is "
                               f"{expect_hw[1]}×{expect_hw[0]}; all frames of a sequence must have one size")
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def _list_images(path: str) -> list[str]:
    if os.path.isdir(path):
        files = [os.path.join(path, f) for f in os.listdir(path)]
    else:
        files = glob.glob(path)
    return sorted((f for f in files if os.path.isfile(f) and os.path.splitext(f)[1].lower() in IMAGE_EXTS),
                  key=_natural_key)


def open_source(path: str | os.PathLike, fps: float | None = None) -> FrameSource:
    """A video file, a folder of images or a glob pattern (``"frames/*.png"``).

    ``fps``: frame rate for image sequences (default 30) or an override for a video whose
    container reports none. Raises FrameSourceError for a missing/unreadable/empty input.
    """
    path = os.fspath(path)
    if any(c in path for c in "*?[") and not os.path.exists(path):
        files = _list_images(path)
        if not files:
            raise FrameSourceError(f"{path}: the pattern matches no image files ({', '.join(IMAGE_EXTS)})")
        return _image_source(path, files, fps)
    if not os.path.exists(path):
        raise FrameSourceError(f"{path}: no such file or folder; give a video file, a folder of images "
                               f"or a glob such as 'frames/*.png'")
    if os.path.isdir(path):
        files = _list_images(path)
        if not files:
            raise FrameSourceError(f"{path}: the folder holds no image files ({', '.join(IMAGE_EXTS)}); "
                                   f"for a batch of videos pass the folder to `hkmr infer` with -o FOLDER")
        return _image_source(path, files, fps)
    if os.path.splitext(path)[1].lower() in IMAGE_EXTS:
        return _image_source(path, [path], fps)
    return _video_source(path, fps)


def _image_source(path: str, files: list[str], fps: float | None) -> FrameSource:
    first = _read_image(files[0])
    h, w = first.shape[:2]
    return FrameSource(SourceInfo(path, "images", len(files), float(fps or 30.0), w, h), files)


def _video_source(path: str, fps: float | None) -> FrameSource:
    cap = cv2.VideoCapture(path)
    try:
        if not cap.isOpened():
            raise FrameSourceError(f"{path}: OpenCV cannot open this video (corrupt, truncated or an "
                                   f"unsupported codec); re-encode it, e.g. `ffmpeg -i IN -c:v libx264 out.mp4`")
        ok, frame = cap.read()
        if not ok or frame is None:
            raise FrameSourceError(f"{path}: the video has zero decodable frames; check the file plays and "
                                   f"re-encode it if needed")
        count = int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        rate = fps or float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
        if not (rate > 0 and np.isfinite(rate)):
            raise FrameSourceError(f"{path}: the container reports no frame rate; pass --fps")
        h, w = frame.shape[:2]
        return FrameSource(SourceInfo(path, "video", max(count, 1), rate, w, h))
    finally:
        cap.release()


_END = object()


def prefetch(it: Iterator, maxsize: int = 64) -> Iterator:
    """Run ``it`` in a daemon thread, handing items over through a queue of ``maxsize``
    (bounded memory). Exceptions are re-raised in the consumer; closing the generator stops
    the producer."""
    q: queue.Queue = queue.Queue(maxsize=maxsize)
    stop = threading.Event()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                q.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        try:
            for item in it:
                if not put(item):
                    return
            put(_END)
        except BaseException as exc:  # handed to the consumer
            put(exc)

    thread = threading.Thread(target=work, name="hkmr-decode", daemon=True)
    thread.start()
    try:
        while True:
            item = q.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join(timeout=5)
