"""Frame sources: a video file (OpenCV) or a folder / glob of images, decoded ahead of the model.

Every source yields ``(frame_index, image)`` with ``image`` (H, W, 3) uint8 **RGB**, frame
indices counting from 0 in decode order. :func:`prefetch` moves decoding into a background
thread with a bounded queue, so the model never waits on the decoder and memory stays flat.
Bad input raises :class:`FrameSourceError` naming the file and what was expected: images are
checked before decoding (header size at most :data:`MAX_PIXELS`, at least :data:`MIN_SIDE` pixels a
side; a JPEG without its end marker is truncated), and all frames of an image sequence must share
one size.

A video whose frame size changes mid-stream cannot be refused up front: OpenCV keeps the first size
and, after the change, hands out the last good frame again (its scaler fails silently). A video
frame that is an exact byte-for-byte repeat of the one before is therefore recorded in
:attr:`FrameSource.repeats` and the runner marks it invalid. A genuinely duplicated frame (frame-rate
conversion) loses nothing by this: its placeholder pose is the previous, identical frame's.
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

from hkmr_blender.base.inputs import IMAGE_EXTS, VIDEO_EXTS, file_problem
from hkmr_blender.base.options import MAX_FPS

__all__ = ["FrameSourceError", "SourceInfo", "FrameSource", "open_source", "prefetch", "source_fingerprint",
           "VIDEO_EXTS", "IMAGE_EXTS", "is_video", "image_header_size", "MAX_PIXELS", "MIN_SIDE"]

#: Largest image accepted (100 megapixels ≈ 300 MB decoded); checked from the file header before decoding.
MAX_PIXELS = 100_000_000
#: Smallest frame side in pixels: a smaller image holds no person the model could see.
MIN_SIDE = 32


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
        self.repeats: set[int] = set()  # video frames identical to the one before (see the module docstring)
        self.times_ms: dict[int, float] = {}  # video frame → presentation time (CAP_PROP_POS_MSEC, .timing)

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
            i, prev = start, None
            while True:
                ok, bgr = cap.read()
                if not ok:
                    return
                if prev is not None and np.array_equal(bgr, prev):
                    self.repeats.add(i)
                self.times_ms[i] = float(cap.get(cv2.CAP_PROP_POS_MSEC))
                prev = bgr
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


def image_header_size(path: str) -> tuple[int, int] | None:
    """(width, height) from a PNG, JPEG or BMP header without decoding; None for other formats."""
    with open(path, "rb") as fh:
        head = fh.read(26)
        if head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR":
            return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")
        if head[:2] == b"BM" and len(head) >= 26:
            return int.from_bytes(head[18:22], "little", signed=True), abs(int.from_bytes(head[22:26], "little",
                                                                                          signed=True))
        if head[:2] != b"\xff\xd8":
            return None
        fh.seek(2)
        while True:  # JPEG markers up to the first start-of-frame
            marker = fh.read(4)
            if len(marker) < 4 or marker[0] != 0xFF:
                return None
            kind, length = marker[1], int.from_bytes(marker[2:4], "big")
            if 0xC0 <= kind <= 0xCF and kind not in (0xC4, 0xC8, 0xCC):
                sof = fh.read(5)
                return (int.from_bytes(sof[3:5], "big"), int.from_bytes(sof[1:3], "big")) if len(sof) == 5 else None
            fh.seek(length - 2, os.SEEK_CUR)


def _check_image_file(path: str) -> None:
    """Refuse absurd or tiny sizes from the header, and truncated JPEGs, before decoding."""
    try:
        size = image_header_size(path)
        if path.lower().endswith((".jpg", ".jpeg")):
            with open(path, "rb") as fh:
                fh.seek(max(0, os.path.getsize(path) - 4096))
                if b"\xff\xd9" not in fh.read():
                    raise FrameSourceError(f"{path}: the JPEG is truncated (no end-of-image marker); re-export "
                                           f"or remove it")
    except OSError as exc:
        raise FrameSourceError(f"{path}: cannot read this image ({exc.strerror or exc})") from exc
    if size is not None:
        w, h = size
        if w * h > MAX_PIXELS:
            raise FrameSourceError(f"{path}: the image header claims {w}×{h} pixels (over {MAX_PIXELS // 10**6} "
                                   f"megapixels); downscale the frames, e.g. to 1920 px wide")
        if min(w, h) < MIN_SIDE:
            raise FrameSourceError(f"{path}: the image is {w}×{h} pixels; frames need at least {MIN_SIDE} px a side")


def _read_image(path: str, expect_hw: tuple[int, int] | None = None) -> np.ndarray:
    _check_image_file(path)
    try:
        bgr = cv2.imread(path, cv2.IMREAD_COLOR)
    except cv2.error as exc:  # OpenCV's own size guard on formats we do not parse
        raise FrameSourceError(f"{path}: OpenCV refuses this image ({str(exc).strip().splitlines()[-1]})") from exc
    if bgr is None:
        raise FrameSourceError(f"{path}: cannot read this image (missing, truncated or not an image); "
                               f"remove it from the folder or re-export the frames")
    if expect_hw is not None and bgr.shape[:2] != expect_hw:
        raise FrameSourceError(f"{path}: image is {bgr.shape[1]}×{bgr.shape[0]} but the sequence is "
                               f"{expect_hw[1]}×{expect_hw[0]}; all frames of a sequence must have one size")
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def _list_images(path: str) -> list[str]:
    if os.path.isdir(path):  # hidden files (.name.XXXX temporaries of atomic writes) are never frames
        files = [os.path.join(path, f) for f in os.listdir(path) if not f.startswith(".")]
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
    problem = file_problem(path)
    if problem is not None:  # a named pipe would block the decoder for ever, a device never end
        raise FrameSourceError(f"{path}: {problem}; give a video file, a folder of images or a glob such as "
                               f"'frames/*.png'")
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
        if rate > MAX_FPS:
            raise FrameSourceError(f"{path}: the container reports {rate:g} fps, more than {MAX_FPS:g}: its timing "
                                   f"metadata is broken; pass --fps with the real rate (e.g. --fps 30)")
        h, w = frame.shape[:2]
        if min(w, h) < MIN_SIDE:
            raise FrameSourceError(f"{path}: the video is {w}×{h} pixels; frames need at least {MIN_SIDE} px a side")
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
