"""Rest alignment for the retarget, numpy only: which SMPL joint each target bone copies (folding joints a
rig lacks into their mapped ancestor), the per-bone rest alignment O and the whole-body quarter turn
between SMPL's rest frame and the target's (see :mod:`.solve` for the rule they serve). Frames: the
target armature's space; rotations act on column vectors."""
from __future__ import annotations

import numpy as np

from ..base.skeleton import BODY_HAND_NAMES, BODY_HAND_PARENTS, SMPL_JOINT_NAMES
from ..rig import transforms as rm

__all__ = ["SMPL_MAIN_CHILD", "folded_joints", "align_rotations", "body_turn", "is_ancestor"]


def _main_children() -> tuple[int, ...]:
    """For each joint of ``BODY_HAND_NAMES`` (SMPL's 24, then the 30 finger joints) the child its bone points at
    (-1 for leaves): the central child for central joints (pelvis → spine1, spine3 → neck), the first child
    along a limb (a wrist → SMPL's hand joint; a finger joint → the next one)."""
    out = []
    for i, name in enumerate(BODY_HAND_NAMES):
        kids = [c for c, p in enumerate(BODY_HAND_PARENTS) if p == i]
        central = [c for c in kids if not BODY_HAND_NAMES[c].startswith(("left_", "right_"))]
        side = name.startswith(("left_", "right_"))
        out.append(central[0] if (central and not side) else (kids[0] if kids else -1))
    return tuple(out)


SMPL_MAIN_CHILD = _main_children()
#: Per joint its finger-joint children, the middle finger's first (a wrist's; empty elsewhere): what fixes a hand
#: bone's direction when SMPL's hand joint (the wrist's main child) has no bone on the target.
_FINGER_CHILDREN = tuple(sorted((c for c, p in enumerate(BODY_HAND_PARENTS) if p == j and c >= len(SMPL_JOINT_NAMES)),
                                key=lambda c: "middle" not in BODY_HAND_NAMES[c]) for j in range(len(BODY_HAND_NAMES)))

def folded_joints(joint_of_bone: np.ndarray) -> np.ndarray:
    """(N,) SMPL joint per target bone (-1: none) → the joint whose world delta each bone copies.

    An SMPL joint without a bone folds into its nearest mapped ancestor when it lies on that
    ancestor's main chain (spine2 into spine1 on a 2-bone spine): the ancestor then copies the
    delta of the last unmapped joint of that chain, so the mapped descendants' parents match."""
    mapped = set(int(j) for j in joint_of_bone if j >= 0)
    out = np.array(joint_of_bone, dtype=np.int64, copy=True)
    for b, j in enumerate(joint_of_bone):
        if j < 0:
            continue
        cur = int(j)
        while True:
            c = SMPL_MAIN_CHILD[cur]
            if c < 0 or c in mapped or not _has_mapped_below(c, mapped):
                break
            cur = c
        out[b] = cur
    return out


def _has_mapped_below(j: int, mapped: set[int]) -> bool:
    kids = [c for c, p in enumerate(BODY_HAND_PARENTS) if p == j]
    return any(c in mapped or _has_mapped_below(c, mapped) for c in kids)


def _min_rotation(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The smallest rotation (3,3) taking direction ``a`` onto ``b`` (3,) (identity if either is ~0)."""
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    if na < 1e-9 or nb < 1e-9:
        return np.eye(3)
    a, b = a / na, b / nb
    axis = np.cross(a, b)
    s, c = np.linalg.norm(axis), float(np.dot(a, b))
    if s < 1e-9:
        if c > 0:
            return np.eye(3)
        perp = np.cross(a, [1.0, 0, 0] if abs(a[0]) < 0.9 else [0, 1.0, 0])  # opposite: turn 180° about ⟂
        return rm.axis_angle_to_matrix(np.pi * perp / np.linalg.norm(perp))
    return rm.axis_angle_to_matrix(axis / s * np.arctan2(s, c))


def align_rotations(rig, joint_of_bone: np.ndarray, rest_joints: np.ndarray) -> np.ndarray:
    """(N,3,3) rest alignment O per target bone: the smallest rotation turning the target bone's rest
    direction onto its SMPL joint's rest direction (joint → next mapped joint down its chain). The target
    direction is from its head to the head of the bone mapped to that joint when that bone is below it (for a
    hand bone whose SMPL hand joint is unmapped: to its mapped middle finger, else another finger); else
    (leaves, reversed FK chains like Rigify's lower spine) along the bone, head → tail, against
    SMPL's joint → main child. Identity for unmapped
    bones and SMPL leaves (head, hands, toes), whose direction SMPL does not define."""
    bone_of_joint = {int(j): b for b, j in reversed(list(enumerate(joint_of_bone))) if j >= 0}
    out = np.tile(np.eye(3), (len(rig.names), 1, 1))
    for b, j in enumerate(joint_of_bone):
        c = SMPL_MAIN_CHILD[j] if j >= 0 else -1
        if c < 0:
            continue
        m = c                                   # the next mapped joint down the chain (folded joints skipped)
        while m >= 0 and m not in bone_of_joint:
            m = SMPL_MAIN_CHILD[m]
        tb = bone_of_joint.get(m)
        if tb is None or not is_ancestor(rig.parents, b, tb):   # e.g. a hand bone without SMPL's hand joint:
            m, tb = next(((k, bone_of_joint[k]) for k in _FINGER_CHILDREN[j] if k in bone_of_joint  # its fingers
                          and is_ancestor(rig.parents, b, bone_of_joint[k])), (m, tb))
        if tb is not None and is_ancestor(rig.parents, b, tb):
            d_src, d_tgt = rest_joints[m] - rest_joints[j], rig.heads[tb] - rig.heads[b]
        else:
            d_src, d_tgt = rest_joints[c] - rest_joints[j], rig.tails[b] - rig.heads[b]
        out[b] = _min_rotation(d_tgt, d_src)
    return out


def is_ancestor(parents, a: int, b: int) -> bool:
    """True when bone ``a`` is a (strict) ancestor of bone ``b``."""
    i = parents[b]
    while i >= 0:
        if i == a:
            return True
        i = parents[i]
    return False


def _frame(up: np.ndarray, left: np.ndarray) -> np.ndarray:
    """(3,3) orthonormal body frame, columns (left, forward, up): up exact, left orthogonalised."""
    z = up / np.linalg.norm(up)
    x = left - np.dot(left, z) * z
    x /= np.linalg.norm(x)
    return np.stack([x, np.cross(z, x), z], axis=1)


_UPS = ("neck", "spine3", "head", "spine2")
_LEFTS = (("left_hip", "right_hip"), ("left_shoulder", "right_shoulder"), ("left_collar", "right_collar"))


def body_turn(rest_joints: np.ndarray, rig, jb: np.ndarray) -> np.ndarray:
    """(3,3) rotation from SMPL's rest body frame to the target's (both from rest positions: up =
    pelvis → neck, left = right hip → left hip; the first mapped of the fallbacks), snapped to the
    nearest quarter turn about the axes: it fixes an armature lying along another axis (Y-up FBX) or
    facing another way, while posture differences of a few degrees are left to per-bone alignment.
    Identity when the target lacks the bones to tell."""
    head = {int(j): rig.heads[b] for b, j in reversed(list(enumerate(jb))) if j >= 0}
    name = {n: i for i, n in enumerate(SMPL_JOINT_NAMES)}
    up = next((name[u] for u in _UPS if name[u] in head), None)
    side = next(((name[a], name[b]) for a, b in _LEFTS if name[a] in head and name[b] in head), None)
    if 0 not in head or up is None or side is None:
        return np.eye(3)
    src = _frame(rest_joints[up] - rest_joints[0], rest_joints[side[0]] - rest_joints[side[1]])
    tgt = _frame(head[up] - head[0], head[side[0]] - head[side[1]])
    raw = tgt @ src.T
    return max(_AXIS_TURNS, key=lambda t: float(np.sum(t * raw)))   # nearest of the 24


def _axis_turns() -> list[np.ndarray]:
    """The 24 rotations that map coordinate axes onto coordinate axes (signed permutations, det +1)."""
    out = []
    for perm in ((0, 1, 2), (0, 2, 1), (1, 0, 2), (1, 2, 0), (2, 0, 1), (2, 1, 0)):
        for signs in np.array(np.meshgrid([1, -1], [1, -1], [1, -1])).T.reshape(-1, 3):
            m = np.zeros((3, 3))
            m[range(3), perm] = signs
            if np.linalg.det(m) > 0:
                out.append(m)
    return out


_AXIS_TURNS = _axis_turns()
