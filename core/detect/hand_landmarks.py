"""The hand model's 21 points per hand: names, the per-clip result, and how they relate to SMPL-H's fingers.

numpy only; nothing here imports mediapipe (only :mod:`core.detect.hands` does).

Frames: ``points2d`` are full-image pixels (x right, y down), as :mod:`core.detect.landmarks`; ``world`` is the
hand model's metric frame for one hand: metres, origin near the hand's centre, axes parallel to the camera's
(x to the image's right, y down, z away from the camera). Side 0 is the person's **left** hand, side 1 the right:
sides are decided by the body's wrists (BlazePose), never by the hand model's handedness guess.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

__all__ = ["HAND_POINT_NAMES", "NUM_HAND_POINTS", "SIDES", "FINGER_CHAINS", "HandLandmarks", "empty_hands"]

HAND_POINT_NAMES: tuple[str, ...] = (
    "wrist", "thumb_cmc", "thumb_mcp", "thumb_ip", "thumb_tip", "index_mcp", "index_pip", "index_dip", "index_tip",
    "middle_mcp", "middle_pip", "middle_dip", "middle_tip", "ring_mcp", "ring_pip", "ring_dip", "ring_tip",
    "pinky_mcp", "pinky_pip", "pinky_dip", "pinky_tip",
)
NUM_HAND_POINTS = len(HAND_POINT_NAMES)
SIDES: tuple[str, str] = ("left", "right")

#: Per finger in SMPL-H/MANO order (index, middle, pinky, ring, thumb): the hand points of its
#: three joints and its tip. MANO's thumb1..3 sit at the CMC, MCP and IP joints.
FINGER_CHAINS: tuple[tuple[str, tuple[int, int, int, int]], ...] = (
    ("index", (5, 6, 7, 8)), ("middle", (9, 10, 11, 12)), ("pinky", (17, 18, 19, 20)),
    ("ring", (13, 14, 15, 16)), ("thumb", (1, 2, 3, 4)),
)


@dataclass
class HandLandmarks:
    """Hand detector output for one clip: F frames × 2 sides (0 = left, 1 = right) × 21 points.

    points2d (F,2,21,2) float32 pixels; world (F,2,21,3) float32 metres (the hand model's frame, see module
    docstring); score (F,2) float32 in [0,1], the hand model's presence score; found (F,2) bool — False where
    that hand was not found (its other arrays hold zeros and must not be used); crops (F,2,4) float32 the
    searched box x0, y0, x1, y1 px (zeros where no wrist was visible); frame_index (F,) int64.
    """

    points2d: np.ndarray
    world: np.ndarray
    score: np.ndarray
    found: np.ndarray
    crops: np.ndarray
    frame_index: np.ndarray

    @property
    def num_frames(self) -> int:
        return int(len(self.found))

    def select(self, frames) -> "HandLandmarks":
        """A copy holding only ``frames`` (indices or boolean mask)."""
        return replace(self, **{k: getattr(self, k)[frames] for k in
                                ("points2d", "world", "score", "found", "crops", "frame_index")})


def empty_hands(frame_index: np.ndarray) -> HandLandmarks:
    """No hand found in any of ``frame_index``'s frames."""
    n = len(frame_index)
    z = np.zeros
    return HandLandmarks(z((n, 2, NUM_HAND_POINTS, 2), np.float32), z((n, 2, NUM_HAND_POINTS, 3), np.float32),
                         z((n, 2), np.float32), z((n, 2), bool), z((n, 2, 4), np.float32),
                         np.asarray(frame_index, np.int64))
