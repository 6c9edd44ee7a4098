"""BlazePose twice per frame: on the image and on its mirror image, the second mapped back and the two averaged.

Test-time flipping, as image models are commonly evaluated: the mirrored frame is a second, different look at the
same pose, and BlazePose's errors on the two are far from identical — above all its depth (world ``z``), the input
that costs the fit most (docs/experiments.md, issue 20 sessions 8–9). Averaging the two lowers the error of its 3D
on rendered real motion by 4–6 % (PA of the limb points, 13 renders) without moving its 2D.

Mapping a mirror-image result back to the image: pixels ``x → width − x``; world ``x → −x`` (BlazePose's world x is
the image's right); every left/right landmark pair exchanged (the mirror shows the person's left side as a right side).
BlazePose labels each look on its own, so a limb may be "left" in one and "right" in the other (seen from behind or
side-on): each limb group's labels of the mapped-back result are exchanged where that lies nearer the first
result's 2D (:data:`core.detect.swaps.LIMB_GROUPS`) before averaging. numpy only.
"""
from __future__ import annotations

import numpy as np

from .blazepose import FrameResult
from .landmarks import BLAZEPOSE_NAMES
from .swaps import LIMB_GROUPS, limb_pairs

__all__ = ["MIRROR_PARTNER", "SAME_PERSON", "mirror_box", "unmirror", "match_limbs", "same_person", "same_facing",
           "combine"]

_I = {n: i for i, n in enumerate(BLAZEPOSE_NAMES)}


def _partner(name: str) -> int:
    side, _, rest = name.partition("_")
    other = {"left": "right", "right": "left"}.get(side)
    if other is not None:
        return _I[f"{other}_{rest}"]
    if name.startswith("mouth_"):  # mouth_left / mouth_right
        return _I["mouth_right" if name.endswith("left") else "mouth_left"]
    return _I[name]


#: The two looks are of one person when their shoulders and hips lie within this many 2D torso lengths of each
#: other (mean distance): each look has its own tracker, and with several people in view the mirror look may follow
#: someone else. One person's two looks: shoulders and hips a median 0.02–0.04 and at most 0.11 torso lengths apart
#: (the vendored walk, where a man stands behind the walker, and three choosing renders; issue 20 session 9).
SAME_PERSON = 0.5
_TORSO = [_I["left_shoulder"], _I["right_shoulder"], _I["left_hip"], _I["right_hip"]]

#: (33,) index of each landmark's mirror-image partner (left ↔ right; the nose is its own).
MIRROR_PARTNER: np.ndarray = np.array([_partner(n) for n in BLAZEPOSE_NAMES], np.int64)


def mirror_box(box: tuple[float, float, float, float], width: int) -> tuple[float, float, float, float]:
    """A box x0, y0, x1, y1 (pixels) of the image → the same box in its mirror image."""
    x0, y0, x1, y1 = box
    return (width - x1, y0, width - x0, y1)


def unmirror(r: FrameResult, width: int) -> FrameResult:
    """A result on the mirror image of a ``width``-pixel-wide frame → the same landmarks on the frame itself."""
    if not r.found:
        return r
    p = r.points2d[MIRROR_PARTNER].copy()
    p[:, 0] = width - p[:, 0]
    w = r.world[MIRROR_PARTNER].copy()
    w[:, 0] = -w[:, 0]
    box = np.array(mirror_box(tuple(r.box), width), np.float32)
    return FrameResult(True, p, r.visibility[MIRROR_PARTNER], r.presence[MIRROR_PARTNER], w, box)


def _nearer_exchanged(a: np.ndarray, b: np.ndarray, left: list[int], right: list[int]) -> bool:
    """Whether ``b``'s points (33, D) lie nearer ``a``'s with their ``left``/``right`` labels exchanged than as
    labelled (mean distance over those points)."""
    a, b = a.astype(np.float64), b.astype(np.float64)
    same = np.linalg.norm(a[left + right] - b[left + right], axis=-1).mean()
    return bool(np.linalg.norm(a[left + right] - b[right + left], axis=-1).mean() < same)


def match_limbs(ref: FrameResult, other: FrameResult) -> FrameResult:
    """``other`` with each limb group's left/right labels exchanged where the exchange lies nearer ``ref`` (mean
    2D distance of the group's points)."""
    idx = np.arange(len(BLAZEPOSE_NAMES))
    for group in LIMB_GROUPS:
        left, right = limb_pairs(group)
        if _nearer_exchanged(ref.points2d, other.points2d, left, right):
            idx[left + right] = idx[right + left]
    if (idx == np.arange(len(idx))).all():
        return other
    return FrameResult(True, other.points2d[idx], other.visibility[idx], other.presence[idx], other.world[idx],
                       other.box)


def same_person(a: FrameResult, b: FrameResult, tolerance: float = SAME_PERSON) -> bool:
    """Whether two results on the same image are of one person: their shoulders and hips a mean ≤ ``tolerance``
    2D torso lengths (``a``'s mid-shoulder to mid-hip) apart."""
    pa, pb = a.points2d[_TORSO].astype(np.float64), b.points2d[_TORSO].astype(np.float64)
    torso = np.linalg.norm(pa[:2].mean(0) - pa[2:].mean(0))
    return bool(np.linalg.norm(pa - pb, axis=-1).mean() <= tolerance * max(torso, 1.0))


def same_facing(a: FrameResult, b: FrameResult) -> bool:
    """Whether two looks of one person agree on which way the person faces: their world shoulders and hips
    (hip-centred, metres) lie nearer as labelled than with left and right exchanged. BlazePose may turn a person
    round in one look only (a back or front view it is unsure of: 5 of 92 frames of the man on the vendored walk's
    box, 8 of 104 of the choosing back view 007_03); their mean would fold the torso flat, each shoulder and hip
    averaged with its opposite. (2D cannot tell: a side-on person's shoulders overlap in the image.)"""
    return not _nearer_exchanged(a.world, b.world, _TORSO[0::2], _TORSO[1::2])


def combine(direct: FrameResult, mirrored: FrameResult, width: int) -> FrameResult:
    """One frame's result from BlazePose on the frame (``direct``) and on its mirror image (``mirrored``, as
    BlazePose returned it): their mean after :func:`unmirror` and :func:`match_limbs`; the one that found a person
    where only one did; the direct one alone where the two are not of one person (:func:`same_person`) or do not
    face the same way (:func:`same_facing`); the box is the direct one's (the tracker's), else the mapped-back one."""
    back = unmirror(mirrored, width)
    if not back.found:
        return direct
    if not direct.found:
        return back
    if not same_person(direct, back) or not same_facing(direct, back):
        return direct
    back = match_limbs(direct, back)
    mean = lambda a, b: ((a.astype(np.float64) + b) / 2).astype(np.float32)  # noqa: E731
    return FrameResult(True, mean(direct.points2d, back.points2d), mean(direct.visibility, back.visibility),
                       mean(direct.presence, back.presence), mean(direct.world, back.world), direct.box)
