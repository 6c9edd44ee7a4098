"""Where BlazePose puts its limb landmarks on a body, as offsets from the SMPL joints (for the fit only).

:func:`core.body.landmark_points.landmark_points` puts BlazePose's shoulders, elbows, wrists, hips, knees and
ankles at the SMPL joint centres. BlazePose places some elsewhere (its hips ~2.5 cm in front of and ~2 cm inside
SMPL's hip joints, its ankles ~3.5 cm above the ankle joint): measured on renders with truth by
``bench/landmark_placement.py`` and stored as a small JSON (``core/body/assets/landmark_offsets.json``, its recipe
inside). Each offset is a 3-vector
in the rest frame of a bone — the landmark joint's parent bone or its own, whichever the measurement chose (SMPL
axes: x the body's left, y up, z forward) — in units of the body's rest torso length (:func:`torso_length`), so it
moves with the bone and scales with the body:

    point = joint + R_bone · offset · torso_length(β)

:func:`fit_points` is :func:`landmark_points` with these offsets added; the training data keep the joints
(the detector-noise table gives the keypoint model the image-axis part of the placement, docs/experiments.md).
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass

import numpy as np
import torch

from core.detect.landmarks import BLAZEPOSE_NAMES, LANDMARK_TO_BODY, NUM_LANDMARKS

from .landmark_points import landmark_points
from .model import BodyModel

__all__ = ["OFFSET_LANDMARKS", "LANDMARK_OFFSETS_PATH", "LandmarkOffsets", "offset_frames", "torso_length",
           "global_rotations", "load_landmark_offsets", "fit_points", "with_offsets", "MIRROR_X",
           "OFFSET_MODES"]

#: where the clip fit uses the offsets (``ClipFitConfig.landmark_offsets``): nowhere, the 2D term (and the start's
#: translation), or the 2D and 3D terms and the shape from the world landmarks' bone lengths
OFFSET_MODES = ("none", "2d", "all")

#: BlazePose's 12 limb landmarks that sit at SMPL joints (shoulders, elbows, wrists, hips, knees, ankles).
OFFSET_LANDMARKS: tuple[int, ...] = tuple(BLAZEPOSE_NAMES.index(f"{s}_{j}") for j in
                                          ("shoulder", "elbow", "wrist", "hip", "knee", "ankle")
                                          for s in ("left", "right"))
LANDMARK_OFFSETS_PATH = os.path.join(os.path.dirname(__file__), "assets", "landmark_offsets.json")
FORMAT = "hkmr-landmark-offsets"
#: a left landmark's offset → its right mirror's (SMPL's x is the body's left)
MIRROR_X = np.array([-1.0, 1.0, 1.0])


@dataclass(frozen=True)
class LandmarkOffsets:
    """offsets (33,3) float32: per BlazePose landmark, the offset in its bone's rest frame in torso lengths (zero for
    landmarks not in :data:`OFFSET_LANDMARKS`); own (33,) bool: that bone is the landmark joint's own (True) or its
    parent (False); meta: the recipe and measurements (from the JSON)."""

    offsets: np.ndarray
    own: np.ndarray
    meta: dict


def offset_frames(body: BodyModel, own: np.ndarray | None = None) -> np.ndarray:
    """(33,) int64: per landmark the SMPL joint whose global rotation carries its offset: the landmark's joint
    itself where ``own`` (33,) bool is True, else its parent (pelvis for the hips, collar for the shoulders, upper
    arm for the elbows, …; the default for all); 0 for the landmarks without an offset."""
    parents = body.layer.parents.tolist()
    out = np.zeros(NUM_LANDMARKS, np.int64)
    for i in OFFSET_LANDMARKS:
        j = body.joint_names.index(LANDMARK_TO_BODY[i][1])
        out[i] = j if own is not None and own[i] else parents[j]
    return out


def torso_length(body: BodyModel, betas: torch.Tensor) -> torch.Tensor:
    """(B,NB) → (B,) metres: rest-pose distance from the mid-hip joints to the mid-shoulder joints."""
    j = body.rest_joints(betas)
    ix = [body.joint_names.index(n) for n in ("left_hip", "right_hip", "left_shoulder", "right_shoulder")]
    return (j[:, ix[2:]].mean(1) - j[:, ix[:2]].mean(1)).norm(dim=-1)


def global_rotations(body: BodyModel, rotmats: torch.Tensor) -> torch.Tensor:
    """(B,24,3,3) joint-local rotations → (B,24,3,3) each joint's rotation in the body's (root's) frame."""
    parents = body.layer.parents.tolist()
    out = [rotmats[:, 0]]
    for j in range(1, rotmats.shape[1]):
        out.append(out[parents[j]] @ rotmats[:, j])
    return torch.stack(out, 1)


def load_landmark_offsets(path: str | os.PathLike | None = None) -> LandmarkOffsets:
    """Read an offsets JSON (default: the shipped one). Raises ValueError naming the file when it is not one."""
    path = os.fspath(path or LANDMARK_OFFSETS_PATH)
    try:
        with open(path) as fh:
            d = json.load(fh)
        if d.get("format") != FORMAT:
            raise ValueError(f"format is {d.get('format')!r}, not {FORMAT!r}")
        off, own = np.zeros((NUM_LANDMARKS, 3), np.float32), np.zeros(NUM_LANDMARKS, bool)
        for name, v in d["offsets"].items():
            if BLAZEPOSE_NAMES.index(name) not in OFFSET_LANDMARKS or len(v["offset"]) != 3 or \
                    v["bone"] not in ("own", "parent"):
                raise ValueError(f"{name}: not one of the 12 limb landmarks with a 3-vector and bone own/parent")
            off[BLAZEPOSE_NAMES.index(name)], own[BLAZEPOSE_NAMES.index(name)] = v["offset"], v["bone"] == "own"
    except (OSError, KeyError, TypeError, ValueError) as e:
        raise ValueError(f"{path}: not a landmark-offsets file ({e}); regenerate it with "
                         "bench/landmark_placement.py --write") from None
    return LandmarkOffsets(off, own, d.get("meta", {}))


def fit_points(body: BodyModel, rotmats: torch.Tensor, betas: torch.Tensor, offsets: LandmarkOffsets | None,
               transl: torch.Tensor | None = None) -> torch.Tensor:
    """:func:`landmark_points` (B,33,3), SMPL frame, metres, with ``offsets`` added: joint + R_bone · offset ·
    torso_length(β) (:class:`LandmarkOffsets`: torso lengths, the bone's rest frame). None: no offsets."""
    return with_offsets(body, landmark_points(body, rotmats, betas, transl), rotmats, betas, offsets)


def with_offsets(body: BodyModel, points: torch.Tensor, rotmats: torch.Tensor, betas: torch.Tensor,
                 offsets: LandmarkOffsets | None) -> torch.Tensor:
    """(B,33,3) :func:`landmark_points` of (B,24,3,3) ``rotmats`` and (B,NB) ``betas`` → the same with ``offsets``
    added (:func:`fit_points`); ``points`` itself when ``offsets`` is None."""
    if offsets is None:
        return points
    ix = list(OFFSET_LANDMARKS)
    frames = torch.as_tensor(offset_frames(body, offsets.own)[ix], device=rotmats.device)
    g = global_rotations(body, rotmats)[:, frames]                                           # (B,12,3,3)
    off = torch.as_tensor(offsets.offsets, dtype=rotmats.dtype, device=rotmats.device)[ix]   # (12,3)
    shift = torch.einsum("bkij,kj->bki", g, off) * torso_length(body, betas)[:, None, None]
    return points.index_add(1, torch.as_tensor(ix, device=rotmats.device), shift)
