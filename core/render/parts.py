"""Body-part labels for rendered bodies, derived from the skin weights.

Every face gets the SMPL joint that dominates its skinning (argmax over joints of the summed
weights of its three vertices — the "24-part" SMPL segmentation); joints are then grouped into
the **6 parts + background** granularity that SPIN and UP-3D use for LSP part segmentation:

====  ==========  ==========================================================================
id    part        SMPL joints whose skinning region it covers
====  ==========  ==========================================================================
0     background  —
1     head        neck (12), head (15)
2     torso       pelvis (0), spine1–3 (3, 6, 9), left/right collar (13, 14)
3     left arm    left shoulder (16, upper arm), elbow (18, forearm), wrist (20), hand (22)
4     right arm   right shoulder (17), elbow (19), wrist (21), hand (23)
5     left leg    left hip (1, thigh), knee (4, shin), ankle (7), foot (10)
6     right leg   right hip (2), knee (5), ankle (8), foot (11)
====  ==========  ==========================================================================

"left" is the **body's** left (SMPL +X). The numbering is ours; UP-3D's files use their own
order, so an evaluation against them maps labels first. Mirroring an image swaps 3↔4, 5↔6
(:data:`PART_FLIP`).
"""
from __future__ import annotations

import numpy as np

from .rasterizer import Fragments

__all__ = ["PART_NAMES", "JOINT_TO_PART", "PART_FLIP", "face_joint_labels", "face_part_labels",
           "part_image"]

PART_NAMES: tuple[str, ...] = ("background", "head", "torso", "left_arm", "right_arm", "left_leg", "right_leg")

#: (24,) part id of every SMPL joint's skinning region (table above).
JOINT_TO_PART = np.array([2, 5, 6, 2, 5, 6, 2, 5, 6, 2, 5, 6, 1, 2, 2, 1, 3, 4, 3, 4, 3, 4, 3, 4], np.uint8)

#: label permutation for a horizontally mirrored image: ``flipped = PART_FLIP[labels]``.
PART_FLIP = np.array([0, 1, 2, 4, 3, 6, 5], np.uint8)


def face_joint_labels(skin_weights: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """(V, J) skin weights, (F, 3) faces → (F,) int64 dominant joint of every face."""
    return np.asarray(skin_weights)[np.asarray(faces)].sum(axis=1).argmax(axis=1)


def face_part_labels(skin_weights: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """(F,) uint8 part id (1–6, table above) of every face."""
    return JOINT_TO_PART[face_joint_labels(skin_weights, faces)]


def part_image(frags: Fragments, face_labels: np.ndarray) -> np.ndarray:
    """(H, W) uint8 label image: ``face_labels[face_id]`` on covered pixels, 0 elsewhere."""
    labels = np.asarray(face_labels)
    out = np.zeros(frags.face_id.shape, labels.dtype if labels.dtype == np.uint8 else np.int64)
    m = frags.mask
    out[m] = labels[frags.face_id[m]]
    return out
