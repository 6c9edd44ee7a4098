"""Run a stage in a background thread while the next ones go on; its result is asked for where it is needed.

The camera stage (:mod:`.camera`: a second decode of the input and optical flow, OpenCV, which releases the GIL)
runs beside the keypoint start (torch on one thread). The fit asks for the camera's rotations before its first
window (:func:`core.fitting.clip.fit_clip`: a moving camera's smoothing terms work in the first camera's axes,
issue 22), so the overlap is the start's time. The stage computes exactly what it computes in line (same inputs, no shared state), so the result is
the sequential path's. The thread is a daemon: an interrupted run does not wait for it.
"""
from __future__ import annotations

import threading
import time
from typing import Callable, TypeVar

__all__ = ["in_background"]

T = TypeVar("T")
R = TypeVar("R")


def in_background(stage: Callable[..., T], arg, then: Callable[[T, float], R]) -> Callable[[], R]:
    """Start ``stage(arg)`` now in a daemon thread; the returned function waits for it and returns
    ``then(result, seconds_the_stage_took)`` (the stage's exception, if it raised, is raised there)."""
    box: dict = {}

    def work() -> None:
        t = time.perf_counter()
        try:
            box["result"] = stage(arg)
        except BaseException as exc:  # handed to the caller, who raises it
            box["error"] = exc
        box["seconds"] = time.perf_counter() - t

    thread = threading.Thread(target=work, name=f"hkmr-{getattr(stage, '__name__', 'stage')}", daemon=True)
    thread.start()

    def result() -> R:
        thread.join()
        if "error" in box:
            raise box["error"]
        return then(box["result"], box["seconds"])
    return result
