"""Left/right swaps of BlazePose's limbs over time: found by temporal consistency and undone before the fit.

BlazePose labels every frame on its own. On side views it now and then gives a leg's (or an arm's) landmarks
the other side's labels for a few frames; the fit then bends both legs towards the wrong targets. A swap shows
as a jump: the "left knee" lands where the right knee was a frame earlier. Per limb group (:data:`LIMB_GROUPS`)
a Viterbi pass over two states per frame (labels as detected / swapped) minimises

    Σ_t ‖X_t(s_t) − X_{t−1}(s_{t−1})‖ + cost · Σ_t s_t

where X is the group's landmarks relative to the mid-hip, 2D in units of the clip's 2D torso length and BlazePose's
3D world landmarks in units of its 3D torso length (depth tells the near leg from the far one where the two
cross in the image). Two legs crossing in the image are no jump in either labelling, so only a real swap pays.
Frames without a person are skipped (the chain continues over them). numpy only.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from .landmarks import BLAZEPOSE_NAMES, Landmarks

__all__ = ["LIMB_GROUPS", "SWAP_COST", "SwapFix", "limb_pairs", "find_swaps", "fix_swaps"]

_I = {n: i for i, n in enumerate(BLAZEPOSE_NAMES)}
#: Landmarks whose left/right labels swap together (shoulders and hips stay: they fix the torso's facing).
LIMB_GROUPS: dict[str, tuple[str, ...]] = {
    "legs": ("knee", "ankle", "heel", "foot_index"),
    "arms": ("elbow", "wrist", "pinky", "index", "thumb"),
}
#: Cost of one swapped frame, in torso lengths of jump (2D + 3D): a swap is undone where the jumps it removes
#: outweigh this per frame (see docs/experiments.md, issue 20).
SWAP_COST = 0.02


@dataclass
class SwapFix:
    """landmarks: the clip with swapped frames' labels exchanged back; swapped: group → (F,) bool frames
    whose labels were exchanged."""

    landmarks: Landmarks
    swapped: dict[str, np.ndarray]


def limb_pairs(group: str) -> tuple[list[int], list[int]]:
    """Landmark indices of ``group``: (left ones, right ones), in matching order."""
    parts = LIMB_GROUPS[group]
    return [_I[f"left_{p}"] for p in parts], [_I[f"right_{p}"] for p in parts]


def _relative(lm: Landmarks) -> tuple[np.ndarray, np.ndarray]:
    """(F,33,2) 2D landmarks minus the mid-hip over the 2D torso length; (F,33,3) the same for the world's."""
    def norm(x):
        hip = x[:, [_I["left_hip"], _I["right_hip"]]].mean(1, keepdims=True)
        sh = x[:, [_I["left_shoulder"], _I["right_shoulder"]]].mean(1, keepdims=True)
        torso = np.linalg.norm(sh - hip, axis=-1, keepdims=True)
        ok = np.isfinite(torso) & (torso > 1e-6)
        return (x - hip) / np.where(ok, torso, 1.0)
    return norm(lm.points2d.astype(np.float64)), norm(lm.world.astype(np.float64))


def find_swaps(lm: Landmarks, group: str, cost: float = SWAP_COST) -> np.ndarray:
    """(F,) bool: frames whose ``group`` labels are swapped (Viterbi over the found frames)."""
    left, right = limb_pairs(group)
    p2, p3 = _relative(lm)
    idx = np.flatnonzero(lm.found)
    out = np.zeros(lm.num_frames, bool)
    if len(idx) < 2:
        return out
    x = np.concatenate([p2[idx][:, left + right], p3[idx][:, left + right]], -1)   # (N, 2K, 5)
    k = len(left)
    xs = np.concatenate([x[:, k:], x[:, :k]], 1)                                   # labels exchanged
    same = np.linalg.norm(x[1:] - x[:-1], axis=-1).mean(1)                          # (N-1,)
    cross = np.linalg.norm(xs[1:] - x[:-1], axis=-1).mean(1)
    n = len(idx)
    acc = np.array([0.0, cost])
    back = np.zeros((n, 2), np.int8)
    for t in range(1, n):
        # to state b from state a: same labelling when a == b, else the exchanged one
        stay0, move0 = acc[0] + same[t - 1], acc[1] + cross[t - 1]
        stay1, move1 = acc[1] + same[t - 1], acc[0] + cross[t - 1]
        back[t] = (0 if stay0 <= move0 else 1, 1 if stay1 <= move1 else 0)
        acc = np.array([min(stay0, move0), min(stay1, move1) + cost])
    state = int(np.argmin(acc))
    for t in range(n - 1, -1, -1):
        out[idx[t]] = state == 1
        state = back[t, state]
    return out


def fix_swaps(lm: Landmarks, groups: tuple[str, ...] = tuple(LIMB_GROUPS), cost: float = SWAP_COST) -> SwapFix:
    """Find and undo left/right swaps of each limb group; the other landmarks are untouched."""
    arrays = {k: getattr(lm, k).copy() for k in ("points2d", "visibility", "presence", "world")}
    swapped = {}
    for g in groups:
        s = find_swaps(lm, g, cost)
        left, right = limb_pairs(g)
        for a in arrays.values():
            a[np.ix_(s, left + right)] = a[np.ix_(s, right + left)]
        swapped[g] = s
    return SwapFix(replace(lm, **arrays), swapped)
