"""Motion → pose-bone keys, numpy only: timing, bad frames, resampling, rest conjugation.

The bpy layer passes the target armature's rest rotations and object transform; everything
else happens here so it is tested without Blender.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..rig import transforms as rm
from ..base import Motion
from ..base.skeleton import HAND_JOINT_NAMES, NUM_JOINTS
from .hands import ease_unseen_hands

__all__ = ["KeyOptions", "KeyPlan", "sample_times", "plan_keys"]

BAD_FRAME_MODES = ("interpolate", "skip")


@dataclass
class KeyOptions:
    """``fps``: key rate (the scene's, or the motion's when the scene is set to it);
    ``resample``: SLERP onto whole frames at ``fps`` (else keys sit at each sample's time);
    ``start_frame``: scene frame of the first sample; ``bad_frames``: "interpolate" (SLERP across
    frames with valid=False or confidence < ``min_confidence``) or "skip" (no key there)."""

    fps: float
    resample: bool = True
    start_frame: int = 1
    bad_frames: str = "interpolate"
    min_confidence: float = 0.0


@dataclass
class KeyPlan:
    """Keys for 24 bones (54 with the 30 finger bones): ``frames`` (K,) scene frames, ``quats`` (K,J,4) WXYZ
    pose-bone rotations (sign-continuous), ``root_loc`` (K,3) pelvis pose-bone location."""

    frames: np.ndarray
    quats: np.ndarray
    root_loc: np.ndarray


def sample_times(motion: Motion) -> np.ndarray:
    """(F,) seconds of each sample. ``mocap_framerate`` is the rate of the samples; ``frame_index`` may
    step by a stride (e.g. every 2nd video frame) and have gaps (lost frames). The usual step (the
    median) counts as one sample period, so a gap of k steps lasts k periods. A file with ``timestamps``
    (a variable-frame-rate video's presentation times, motion file v3) is keyed at those true times."""
    if motion.timestamps is not None:
        t = np.asarray(motion.timestamps, np.float64)
        return t - t[0]
    idx = np.asarray(motion.frame_index, np.float64)
    step = float(np.median(np.diff(idx))) if len(idx) > 1 else 1.0
    return (idx - idx[0]) / step / float(motion.fps)


def plan_keys(motion: Motion, bone_rest: np.ndarray, opts: KeyOptions,
              object_rot: np.ndarray | None = None, object_scale: float = 1.0,
              finger_rest: np.ndarray | None = None) -> KeyPlan:
    """Keys that make the armature's bone heads follow SMPL forward kinematics in Blender's Z-up world.

    ``motion`` must be Y-up (convert AMASS with :func:`..rig.transforms.convert_up_axis`); ``bone_rest``
    (24,3,3) are the SMPL bones' ``matrix_local`` rotations in SMPL joint order; ``object_rot`` (3,3)
    and ``object_scale`` the armature object's world rotation and uniform scale. With ``finger_rest`` (30,3,3)
    (the finger bones' rest rotations, ``HAND_JOINT_NAMES`` order) and a motion with ``hand_pose``, the plan
    also keys the 30 finger bones (after the 24), through exactly the same timing, bad-frame and rest math; where
    the file says a hand was not seen (``hand_seen``) its fingers ease to the relaxed hand (:mod:`.hands`)."""
    if motion.up_axis != "y":
        raise ValueError("plan_keys needs a Y-up motion; use hkmr_blender.rig.transforms.convert_up_axis(motion, 'y')")
    if not (opts.fps > 0 and np.isfinite(opts.fps)):  # NaN-proof: a negative rate would never end
        raise ValueError(f"key frame rate must be a positive number, got {opts.fps}")
    if opts.bad_frames not in BAD_FRAME_MODES:
        raise ValueError(f"bad_frames must be one of {BAD_FRAME_MODES}, got {opts.bad_frames!r}")
    f = motion.num_frames
    times = sample_times(motion)
    rotvecs = motion.poses.reshape(f, NUM_JOINTS, 3)
    if finger_rest is not None:
        if motion.hand_pose is None:
            raise ValueError("finger bones given but the motion has no hand_pose")
        hand_pose = ease_unseen_hands(motion, times).hand_pose  # unseen hands ease to relaxed (v6 hand_seen)
        rotvecs = np.concatenate([rotvecs, hand_pose.reshape(f, len(HAND_JOINT_NAMES), 3)], axis=1)
        bone_rest = np.concatenate([bone_rest, finger_rest], axis=0)
    quats = rm.quaternion_continuity(rm.matrix_to_quaternion(rm.axis_angle_to_matrix(rotvecs)))
    trans = np.asarray(motion.trans, np.float64)
    bad = ~np.asarray(motion.valid, bool) | (np.asarray(motion.confidence) < opts.min_confidence)
    if bad.all():
        raise ValueError(f"{motion.source}: every frame is invalid or below confidence "
                         f"{opts.min_confidence}; lower the threshold")
    if opts.bad_frames == "interpolate":
        quats, trans = rm.fill_invalid(times, quats, trans, bad)
        bad = np.zeros(f, bool)
    if opts.resample:
        new_times = np.arange(int(np.floor(times[-1] * opts.fps + 1e-6)) + 1) / opts.fps
        quats, trans, i0, i1, w = rm.resample(times, quats, trans, new_times)
        bad = (bad[i0] & (w < 1.0)) | (bad[i1] & (w > 0.0))  # skip: any key touching a bad sample
        times = new_times
    keep = ~bad
    frames = opts.start_frame + times[keep] * opts.fps
    frame_map = rm.C_Y_TO_Z if object_rot is None else np.asarray(object_rot).T @ rm.C_Y_TO_Z
    rot_bone = rm.rest_conjugate(rm.quaternion_to_matrix(quats[keep]), bone_rest, frame_map)
    q_bone = rm.quaternion_continuity(rm.matrix_to_quaternion(rot_bone))
    loc = rm.root_location(trans[keep], bone_rest[0], frame_map, object_scale)
    return KeyPlan(frames=frames, quats=q_bone, root_loc=loc)
