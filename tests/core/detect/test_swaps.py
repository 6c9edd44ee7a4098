"""Left/right swap repair on BlazePose's real landmarks of the vendored walk (core/assets/walk.mp4, side-on).

On the clip as detected the fix changes nothing (its legs cross in the image every step, which must not read
as a swap); swaps written into it (a leg's or an arm's labels exchanged over a span, as BlazePose
does on side views) must be found exactly and undone."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from core.assets import REAL_DEMO_CLIP
from core.detect.blazepose import DetectorOptions, detect_frames, detector_route
from core.detect.swaps import LIMB_GROUPS, fix_swaps, limb_pairs
from core.inference.sources import open_source

ARRAYS = ("points2d", "visibility", "presence", "world")


@pytest.fixture(scope="module")
def walk():
    src = open_source(str(REAL_DEMO_CLIP))
    frames = ((i, img) for i, img in src.frames() if i < 60)
    lm = detect_frames(frames, DetectorOptions(), fps=src.info.fps)
    assert lm.found.sum() >= 50
    return lm


def _swapped(lm, group, frames):
    left, right = limb_pairs(group)
    arrays = {k: getattr(lm, k).copy() for k in ARRAYS}
    for a in arrays.values():
        a[np.ix_(frames, left + right)] = a[np.ix_(frames, right + left)]
    return replace(lm, **arrays)


def test_real_clip_without_swaps_is_left_alone(walk):
    fix = fix_swaps(walk)
    assert set(fix.swapped) == set(LIMB_GROUPS)
    assert not any(s.any() for s in fix.swapped.values())
    for k in ARRAYS:
        np.testing.assert_array_equal(getattr(fix.landmarks, k), getattr(walk, k))


@pytest.mark.parametrize("group", sorted(LIMB_GROUPS))
@pytest.mark.parametrize("span", [(20, 28), (33, 34), (50, 60)])  # a run, one frame, to the clip's end
def test_written_swaps_are_found_and_undone(walk, group, span, request):
    if detector_route() == "tasks" and span == (50, 60) and group == "legs":  # known gap, docs/architecture.md
        request.applymarker(pytest.mark.xfail(strict=True, reason="Tasks-route landmarks (Python 3.13): the swap "
                                              "repair finds 4 of the 10 swapped leg frames at the clip's end"))
    frames = np.arange(*span)
    fix = fix_swaps(_swapped(walk, group, frames))
    np.testing.assert_array_equal(np.flatnonzero(fix.swapped[group]), frames)
    other = next(g for g in LIMB_GROUPS if g != group)
    assert not fix.swapped[other].any()
    for k in ARRAYS:  # the detector's own labels come back exactly
        np.testing.assert_array_equal(getattr(fix.landmarks, k), getattr(walk, k))
