"""Real frame times: a video's per-frame presentation times (OpenCV's ``CAP_PROP_POS_MSEC`` after each
read, recorded by :class:`.sources.FrameSource`) against the container's single frame rate.

Phones often record at a variable frame rate (VFR): frames 20–60 ms apart while the container reports one
average rate. Timing such a clip at that constant rate puts later frames late (a 4.9 s clip of 89 frames
timed at 18.37 fps: frame 60 lands 1.27 s off). :func:`timing_report` measures the largest such drift; a clip
whose frames stray more than half a frame interval from the constant-rate timeline is variable-rate: the run
warns by name and the motion file keeps the true times (``timestamps``, motion file v3).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["TimingReport", "timing_report", "missing_frames_warning", "VFR_DRIFT_FRAMES"]

#: A clip is variable-rate when some frame's presentation time is more than this many frame intervals away
#: from ``index / fps`` (half a frame: a constant-rate clip's rounding never gets near it).
VFR_DRIFT_FRAMES = 0.5


@dataclass(frozen=True)
class TimingReport:
    """times (F,) seconds from the first frame; fps the container's rate; drift_s the largest
    |time − index/fps| and the frame where it occurs; min/max interval in seconds; variable: VFR."""

    times: np.ndarray
    fps: float
    drift_s: float
    drift_frame: int
    min_interval: float
    max_interval: float
    variable: bool
    increasing: bool = True  # False: some frames share (or go back in) time — the container's timing is broken

    def warning(self, name: str, kept: bool = True) -> str:
        """The user's warning; ``kept``: the motion file holds the true times (else: say how to get them)."""
        if not self.increasing:
            k = int(np.argmax(np.diff(self.times) <= 0)) + 1
            return (f"broken frame times: in {name} frame {k} does not come after the frame before it "
                    f"({self.times[k]:.3f} s vs {self.times[k - 1]:.3f} s); the motion is timed at the container's "
                    f"constant {self.fps:.2f} fps instead. If its timing looks wrong, re-encode the video at a "
                    f"constant rate (e.g. `ffmpeg -i IN -vsync cfr out.mp4`)")
        then = ("The motion file keeps each frame's real time (timestamps) and the Blender import keys at those "
                "times" if kept else "--no-fit keeps the constant rate: drop --no-fit to keep the real times")
        return (f"variable frame rate: {name} has frames {1000 * self.min_interval:.0f}–"
                f"{1000 * self.max_interval:.0f} ms apart while its container reports a constant {self.fps:.2f} fps; "
                f"timed at that rate, frame {self.drift_frame} would be {self.drift_s:.2f} s off. {then}")


def timing_report(frame_index: np.ndarray, times_ms: np.ndarray, fps: float) -> TimingReport | None:
    """Compare the frames' presentation times with ``index / fps``; None when there are too few frames, times
    are missing (NaN) or ``fps`` is unknown. Times that do not increase (frames sharing one time: broken
    container timing) make a report with ``increasing=False``, also ``variable`` (so it warns)."""
    idx = np.asarray(frame_index, np.int64)
    t = np.asarray(times_ms, np.float64) / 1000.0
    if len(t) < 3 or not fps > 0 or not np.all(np.isfinite(t)):
        return None
    t = t - t[0]
    steps = np.diff(t) / np.maximum(np.diff(idx), 1)
    drift = np.abs(t - (idx - idx[0]) / fps)
    k = int(np.argmax(drift))
    increasing = bool(np.all(np.diff(t) > 0))
    return TimingReport(t, float(fps), float(drift[k]), int(idx[k]), float(steps.min()), float(steps.max()),
                        bool(drift[k] > VFR_DRIFT_FRAMES / fps) or not increasing, increasing)


def missing_frames_warning(decoded: int, listed: int, name: str) -> str | None:
    """A video that decodes to clearly fewer frames than its container lists (a damaged file, or a decoder that
    gave up at a jump in the frame times) says so: the rest is not in the motion."""
    if listed - decoded < max(2, 0.05 * listed):  # containers' counts are estimates: a frame or two is noise
        return None
    return (f"{name}: only {decoded} of the {listed} frames its container lists could be decoded; the motion ends "
            f"there. The file may be damaged or have a jump in its frame times: re-encode it (e.g. `ffmpeg -i IN "
            f"-vsync cfr out.mp4`) to keep the rest")
