"""Validated command-line values, shared by every ``hkmr`` command (stdlib only).

Numbers: argparse ``type=`` functions that refuse NaN, infinities and out-of-range values *while the
arguments are parsed*, so a bad option stops the command before anything is read or written; argparse
names the option in its message (``argument --fps: …``). Comparisons are written ``not x > 0`` so NaN
fails them.

Paths: :func:`check_output` refuses a file output that is one of the inputs (``hkmr infer clip.mp4 -o
clip.mp4`` would otherwise replace the video), lies inside an input folder or lacks the suffix its writer
needs (:mod:`.outputs` has the folder checks).
"""
from __future__ import annotations

import argparse
import math
import os
from typing import Callable

from .outputs import check_output_file

__all__ = ["positive_float", "nonnegative_float", "unit_float", "positive_int", "nonnegative_int", "thread_count",
           "frame_rate", "MAX_FPS", "MAX_FRAMES", "MIN_HEIGHT", "MAX_HEIGHT", "height_problem",
           "check_output", "same_file"]


def _number(text: str, kind) -> float | int:
    try:
        value = kind(text)
    except (TypeError, ValueError):
        raise argparse.ArgumentTypeError(f"expected {'an integer' if kind is int else 'a number'}, "
                                         f"got {text!r}") from None
    if kind is float and not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return value


def _checked(kind, accept: Callable[[float], bool], rule: str, doc: str):
    """An argparse type: parse ``text`` as ``kind`` and refuse it unless ``accept(value)`` (written so that
    NaN fails)."""
    def parse(text: str):
        value = _number(text, kind)
        if not accept(value):
            raise argparse.ArgumentTypeError(f"must be {rule}, got {text!r}")
        return value
    parse.__doc__ = doc
    return parse


positive_float = _checked(float, lambda v: v > 0, "> 0", "A finite number > 0 (frame rates, focal lengths, cutoffs).")
nonnegative_float = _checked(float, lambda v: v >= 0, "≥ 0", "A finite number ≥ 0 (speed coefficients).")
unit_float = _checked(float, lambda v: 0 <= v <= 1, "in [0, 1]", "A number in [0, 1] (confidence thresholds).")
positive_int = _checked(int, lambda v: v >= 1, "an integer ≥ 1", "An integer ≥ 1 (steps, frames, batch sizes).")
nonnegative_int = _checked(int, lambda v: v >= 0, "an integer ≥ 0", "An integer ≥ 0 (seeds).")
#: Highest frame rate a clip may have (phones' slow motion records 960 fps): a container or motion file claiming more
#: has broken timing metadata, and Blender cannot represent it (its scene rate stops at 32767).
MAX_FPS = 1000.0
#: Blender's last frame (MAXFRAME): a motion spanning more frames cannot be keyed
MAX_FRAMES = 1_048_574
frame_rate = _checked(float, lambda v: 0 < v <= MAX_FPS, f"> 0 and at most {MAX_FPS:g} (frames per second)",
                      "A frame rate: a finite number > 0, at most MAX_FPS.")
#: The person's height (``hkmr infer --height``, the add-on's "Person's height"), metres: a child to the tallest adults
#: (the open body's shape space spans about 1.2–2.5 m at beta0 = ±2); outside it is a unit slip (175 for cm).
MIN_HEIGHT, MAX_HEIGHT = 0.5, 2.5


def height_problem(metres: float, name: str = "--height") -> str | None:
    """Why ``metres`` is no person's height (None when it is one)."""
    if MIN_HEIGHT <= metres <= MAX_HEIGHT:
        return None
    return (f"{name} {metres:g}: the person's height in metres, between {MIN_HEIGHT:g} and {MAX_HEIGHT:g} "
            f"(e.g. 1.75)")


#: Most CPU threads a command may ask for, per core of this machine: torch/OpenMP crash (SIGSEGV) when asked for
#: tens of thousands, and more threads than cores only wait on each other.
THREADS_PER_CORE = 4
thread_count = _checked(int, lambda v: 1 <= v <= THREADS_PER_CORE * (os.cpu_count() or 1),
                        f"an integer from 1 to {THREADS_PER_CORE * (os.cpu_count() or 1)} ({THREADS_PER_CORE} per core "
                        f"of this machine)", "An integer ≥ 1, at most a few per CPU core (thread counts).")
for _f, _name in ((positive_float, "positive_float"), (nonnegative_float, "nonnegative_float"),
                  (unit_float, "unit_float"), (positive_int, "positive_int"), (nonnegative_int, "nonnegative_int"),
                  (thread_count, "thread_count"), (frame_rate, "frame_rate")):
    _f.__name__ = _name  # argparse names the type in "invalid <name> value" messages


def same_file(a: str | os.PathLike, b: str | os.PathLike) -> bool:
    """True when ``a`` and ``b`` name the same file or folder (links and ``..`` resolved)."""
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist (yet): compare the resolved names
        return os.path.realpath(a) == os.path.realpath(b)


#: A file output's check (is an input, inside an input folder, a folder, wrong suffix): see :mod:`.outputs`.
check_output = check_output_file
