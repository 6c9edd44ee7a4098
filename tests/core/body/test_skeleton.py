"""Kinematic chains are derived from the tree and match the HKMR paper's split."""
from __future__ import annotations

import numpy as np
import pytest

from core.body.skeleton import (SMPL_JOINT_NAMES, SMPL_PARENTS, descendants, kinematic_chains,
                                parents_from_kintree)


def test_smpl_chains_are_root_head_arms_legs_with_4_2_5_5_4_4_joints():
    chains = kinematic_chains(np.array(SMPL_PARENTS))
    names = [c.name for c in chains]
    assert names == ["root", "head", "right_arm", "left_arm", "right_leg", "left_leg"]
    assert [len(c.joints) for c in chains] == [4, 2, 5, 5, 4, 4]
    assert sorted(j for c in chains for j in c.joints) == list(range(24))
    by = {c.name: [SMPL_JOINT_NAMES[j] for j in c.joints] for c in chains}
    assert by["root"] == ["pelvis", "spine1", "spine2", "spine3"]
    assert by["left_arm"] == ["left_collar", "left_shoulder", "left_elbow", "left_wrist", "left_hand"]
    assert by["right_leg"] == ["right_hip", "right_knee", "right_ankle", "right_foot"]
    for c in chains[1:]:  # each limb hangs off the root chain at its parent joint
        assert c.anchor == SMPL_PARENTS[c.joints[0]] and c.anchor in chains[0].joints
        for a, b in zip(c.joints, c.joints[1:]):
            assert SMPL_PARENTS[b] == a


def test_chains_follow_a_different_tree():
    # a Y-shaped tree: 0 → 1 → {2 → 3, 4}
    parents = np.array([-1, 0, 1, 2, 1])
    chains = kinematic_chains(parents, joint_names=("a", "b", "c", "d", "e"))
    assert [c.joints for c in chains] == [(0, 1), (2, 3), (4,)]


def test_parents_from_official_kintree_table():
    table = np.array([[2**32 - 1, *SMPL_PARENTS[1:]], range(24)], dtype=np.uint32)
    assert parents_from_kintree(table).tolist() == list(SMPL_PARENTS)
    assert descendants(np.array(SMPL_PARENTS), 18) == [20, 22]  # left elbow → wrist, hand


@pytest.mark.parametrize("table, message", [
    (np.zeros((3, 24)), r"shape \(2, J\)"),
    (np.array([[-1, 2, 0], [0, 1, 2]]), "parent must come before"),
    (np.array([[-1, -1, 0], [0, 1, 2]]), "exactly one root"),
])
def test_bad_kintree_tables(table, message):
    with pytest.raises(ValueError, match=message):
        parents_from_kintree(table)
