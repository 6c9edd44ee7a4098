"""Stage "detect": frames of one input → :class:`core.detect.landmarks.Landmarks`, resumable per chunk.

Chunks of ``chunk_size`` source frames are written to the run's work folder
(:class:`core.inference.workdir.WorkDir`) as they finish; ``resume`` continues after the last finished one.
BlazePose's tracker state cannot be saved, so a resumed run detects afresh at the first frame of the next
chunk (tracking then continues as usual): its landmarks there may differ slightly from an uninterrupted run's.
Decoding runs in a background thread (:func:`core.inference.sources.prefetch`), so memory stays flat.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, fields
from typing import Callable

import numpy as np

from core.detect.blazepose import BlazePose, DetectorOptions, FrameResult, stack_results
from core.detect.landmarks import Landmarks
from core.inference.sources import FrameSource, prefetch
from core.inference.workdir import WorkDir

__all__ = ["DetectStage", "run_detect", "detect_chunks", "load_landmarks", "landmarks_to_arrays", "landmarks_from_arrays",
           "frame_times", "detector_fingerprint"]

_ARRAYS = ("points2d", "visibility", "presence", "world", "boxes", "found", "frame_index")


@dataclass
class DetectStage:
    """source: the decoded input; options: detector settings; chunk_size: frames per resumable chunk;
    queue_size: decoded frames held ahead of the detector."""

    source: FrameSource
    options: DetectorOptions
    chunk_size: int = 256
    queue_size: int = 8


def landmarks_to_arrays(lm: Landmarks) -> dict[str, np.ndarray]:
    return {k: getattr(lm, k) for k in _ARRAYS}


def landmarks_from_arrays(arrays: dict[str, np.ndarray], image_size: tuple[int, int], fps: float) -> Landmarks:
    return Landmarks(**{k: arrays[k] for k in _ARRAYS}, image_size=image_size, fps=fps, time_ms=frame_times(arrays))


def frame_times(arrays: dict[str, np.ndarray]) -> np.ndarray | None:
    """The frames' presentation times (ms) of chunk arrays, or None (not a video, or an older run's chunks)."""
    times = arrays.get("time_ms")  # videos only; absent in work folders of older runs
    ok = times is not None and len(times) == len(arrays["found"])
    return np.asarray(times, np.float64) if ok else None


def run_detect(stage: DetectStage, work: WorkDir, progress: Callable[[int, int, float], None] | None = None,
               on_chunk: Callable[[int], None] | None = None) -> Landmarks:
    """Detect from the first unfinished chunk to the end; return the whole clip's landmarks.
    ``progress(done, total, frames_per_s)`` after every chunk; ``on_chunk(k)`` once chunk k is on disk."""
    detect_chunks(stage, work, progress, on_chunk)
    return load_landmarks(work, stage.source.info)


def load_landmarks(work: WorkDir, info) -> Landmarks:
    """The whole clip's landmarks from a complete work folder (``info``: the source's
    :class:`~core.inference.sources.SourceInfo`)."""
    arrays = work.load_all()
    if not len(arrays.get("found", [])):
        raise ValueError(f"{info.path}: no frames were decoded")
    return landmarks_from_arrays(arrays, (info.width, info.height), info.fps)


def detect_chunks(stage: DetectStage, work: WorkDir, progress: Callable[[int, int, float], None] | None = None,
                  on_chunk: Callable[[int], None] | None = None) -> None:
    """Detect from the first unfinished chunk to the end, each chunk written to ``work`` (see :func:`run_detect`)."""
    info = stage.source.info
    size = (info.width, info.height)
    if not work.complete:
        start = work.frames_done
        results: list[FrameResult] = []
        index: list[int] = []
        t0, done = time.perf_counter(), start

        def flush() -> None:
            if index:
                arrays = landmarks_to_arrays(stack_results(results, index, size, info.fps))
                if info.kind == "video":  # presentation times (core.inference.timing)
                    arrays["time_ms"] = np.array([stage.source.times_ms.pop(i, np.nan) for i in index])
                work.add_chunk(arrays, len(index), {})
                results.clear()
                index.clear()
                if on_chunk is not None:
                    on_chunk(len(work.chunks) - 1)
            if progress is not None:
                progress(done, max(info.num_frames, done), (done - start) / max(time.perf_counter() - t0, 1e-9))

        with BlazePose(stage.options) as detector:
            for i, img in prefetch(stage.source.frames(start), maxsize=stage.queue_size):
                if (img.shape[1], img.shape[0]) != size:
                    raise ValueError(f"{info.path}: frame {i} is {img.shape[1]}×{img.shape[0]}, the first was "
                                     f"{size[0]}×{size[1]}; all frames must have one size")
                results.append(detector.process(img))
                index.append(i)
                done = i + 1
                if len(index) == stage.chunk_size:
                    flush()
        flush()
        work.mark_complete()
        if progress is not None and done < info.num_frames:  # the container counted more frames: say it ended
            progress(done, done, (done - start) / max(time.perf_counter() - t0, 1e-9))


def detector_fingerprint(options: DetectorOptions) -> dict:
    """The settings a resumed run must share with the interrupted one."""
    return {f"detector_{f.name}": getattr(options, f.name) for f in fields(options)}
