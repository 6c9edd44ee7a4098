"""SMPL's 24-joint skeleton: names, parents, and kinematic chains derived from the tree.

Everything here is plain Python/numpy (no torch), in SMPL joint order. The chains are
*derived* from a parent table, never typed by hand, so a model file with SMPL's tree gives
the same chains HKMR regresses along:

- the **root chain** (torso) is every joint whose subtree still branches
  (pelvis, spine1, spine2, spine3 for SMPL);
- every other joint belongs to a **limb chain**: a non-branching path from a child of the
  root chain to a leaf (head: neck→head; arms: collar→hand; legs: hip→foot).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# The bpy-free add-on module holds the canonical names/parents (the add-on ships alone).
from hkmr_blender.base.skeleton import SMPL_JOINT_NAMES, SMPL_PARENTS

__all__ = ["SMPL_JOINT_NAMES", "SMPL_PARENTS", "Chain", "kinematic_chains", "parents_from_kintree",
           "descendants", "CHAIN_ORDER"]

#: Order in which HKMR regresses the limb chains after the root chain (paper: head, R arm, L arm, R leg, L leg).
CHAIN_ORDER = ("head", "right_arm", "left_arm", "right_leg", "left_leg")

_LEAF_TO_CHAIN = {"head": "head", "right_hand": "right_arm", "left_hand": "left_arm",
                  "right_foot": "right_leg", "left_foot": "left_leg"}


@dataclass(frozen=True)
class Chain:
    """One kinematic chain: ``joints`` listed root-side first; ``anchor`` is the parent of
    ``joints[0]`` (-1 for the root chain)."""

    name: str
    joints: tuple[int, ...]
    anchor: int


def parents_from_kintree(kintree_table: np.ndarray) -> np.ndarray:
    """(2, J) kintree table → (J,) int64 parents with -1 for the root.

    Official files mark the root's parent with 2**32-1 (uint32 max); any value outside
    [0, J) counts as "no parent". Raises ValueError unless exactly one root exists and
    every joint's parent precedes it (SMPL's topological order, which FK relies on).
    """
    kt = np.asarray(kintree_table)
    if kt.ndim != 2 or kt.shape[0] != 2:
        raise ValueError(f"kintree_table must have shape (2, J), got {kt.shape}")
    ids = kt[1].astype(np.int64)
    num = kt.shape[1]
    if not np.array_equal(ids, np.arange(num)):
        raise ValueError("kintree_table row 1 must list joints 0..J-1 in order")
    raw = kt[0].astype(np.int64)
    parents = np.where((raw < 0) | (raw >= num), -1, raw)
    if (parents == -1).sum() != 1 or parents[0] != -1:
        raise ValueError("kintree_table must have exactly one root, joint 0")
    if np.any(parents[1:] >= np.arange(1, num)):
        raise ValueError("kintree_table: every joint's parent must come before it")
    return parents


def descendants(parents: np.ndarray, joint: int) -> list[int]:
    """All joints below ``joint`` (excluding itself), in index order."""
    out: list[int] = []
    inside = {joint}
    for j in range(joint + 1, len(parents)):
        if parents[j] in inside:
            inside.add(j)
            out.append(j)
    return out


def kinematic_chains(parents: np.ndarray, joint_names: tuple[str, ...] = SMPL_JOINT_NAMES) -> list[Chain]:
    """Split a tree into the root chain followed by its limb chains (CHAIN_ORDER when the
    names are SMPL's, else by first joint index). Every joint appears in exactly one chain."""
    parents = np.asarray(parents, dtype=np.int64)
    num = len(parents)
    children: list[list[int]] = [[] for _ in range(num)]
    for j in range(1, num):
        children[int(parents[j])].append(j)
    branches = [len(c) >= 2 for c in children]
    backbone = [j for j in range(num) if branches[j] or any(branches[d] for d in descendants(parents, j))]
    if not backbone:  # a single path: the whole tree is the root chain
        backbone = list(range(num))
    in_backbone = set(backbone)
    limbs: list[Chain] = []
    for j in backbone:
        for c in children[j]:
            if c in in_backbone:
                continue
            path = [c]
            while children[path[-1]]:
                path.append(children[path[-1]][0])
            leaf = joint_names[path[-1]] if len(joint_names) == num else str(path[-1])
            limbs.append(Chain(_LEAF_TO_CHAIN.get(leaf, f"chain_{c}"), tuple(path), j))
    rank = {n: i for i, n in enumerate(CHAIN_ORDER)}
    limbs.sort(key=lambda ch: (rank.get(ch.name, len(rank)), ch.joints[0]))
    return [Chain("root", tuple(backbone), -1), *limbs]
