"""Meshcapade ``.smpl`` ↔ :class:`Motion` through ``smplcodec`` (MIT; bundled as a wheel in the add-on zip).

``.smpl`` bodies are in SMPL's canonical Y-up frame; SMPL-H/X bodies keep their 22 body joints and their
finger joints (``leftHandPose``/``rightHandPose`` (F,15,3) → ``hand_pose``). A motion with ``hand_pose`` is
written as an SMPL-H ``.smpl`` (22 body joints + both hands: SMPL's two hand joints are dropped, as in AMASS);
one without as an SMPL ``.smpl`` (24 joints).
"""
from __future__ import annotations

import os

import numpy as np

from .amass import hand_poses, smpl_poses
from .atomic import atomic_savez
from .inputs import file_problem
from .motion import Motion, MotionFileError, validate_motion
from .rotations import to_file_up_axis
from .skeleton import NUM_HAND_JOINTS, NUM_JOINTS

__all__ = ["read_smpl_codec", "write_smpl_codec"]


def _codec():
    try:
        import smplcodec
    except ImportError as exc:  # pragma: no cover - only without the bundled wheel
        raise MotionFileError("Reading .smpl files needs the 'smplcodec' package (bundled with the "
                              "add-on; `pip install smplcodec==2.3.0` elsewhere).") from exc
    return smplcodec


def read_smpl_codec(path: str | os.PathLike) -> Motion:
    """Meshcapade ``.smpl`` → Motion (Y-up; SMPL-H/X bodies keep their 22 body joints)."""
    sc = _codec()
    path = str(path)
    problem = file_problem(path)
    if problem is not None:
        raise MotionFileError(f"{path}: {problem}. Check the path.")
    try:
        codec = sc.SMPLCodec.from_file(path)
    except Exception as exc:  # smplcodec raises assorted errors (zip, assert, KeyError)
        raise MotionFileError(f"{path}: not a valid .smpl file ({exc}). Re-export it from its source.") from exc
    if codec.body_pose is None or not codec.frame_count:
        raise MotionFileError(f"{path}: .smpl file without body motion (bodyPose/frameCount). "
                              "It may be a shape-only avatar; export an animation instead.")
    frames = int(codec.frame_count)
    full = np.asarray(codec.full_pose).reshape(frames, -1)  # SMPL 72, SMPL-H 156, SMPL-X 165 (absent parts zero)
    poses = smpl_poses(full, path)
    trans = codec.body_translation if codec.body_translation is not None else np.zeros((frames, 3))
    betas = codec.shape_parameters if codec.shape_parameters is not None else np.zeros(10)
    has_hands = codec.left_hand_pose is not None or codec.right_hand_pose is not None
    hands = hand_poses(full) if has_hands else None
    motion = Motion(poses=poses, trans=np.asarray(trans), betas=np.asarray(betas),
                    fps=float(codec.frame_rate or 30.0), gender=sc.SMPLGender(codec.gender).name.lower(),
                    up_axis="y", body_model="smplcodec", hand_pose=hands, source=path)
    return validate_motion(motion, path)


def write_smpl_codec(path: str | os.PathLike, motion: Motion) -> None:
    """Write a Meshcapade ``.smpl`` (SMPL body, float32 as the codec stores it), atomically."""
    sc = _codec()
    m = validate_motion(motion, str(path))
    m = to_file_up_axis(m, "y", path, ".smpl")
    common = dict(gender=sc.SMPLGender.from_string(m.gender), shape_parameters=m.betas, frame_count=m.num_frames,
                  frame_rate=float(m.fps), body_translation=m.trans)
    if m.hand_pose is None:
        codec = sc.SMPLCodec(smpl_version=sc.SMPLVersion.SMPL, body_pose=m.poses.reshape(-1, NUM_JOINTS, 3), **common)
    else:
        hands = m.hand_pose.reshape(-1, 2, NUM_HAND_JOINTS, 3)
        codec = sc.SMPLCodec(smpl_version=sc.SMPLVersion.SMPLH, body_pose=m.poses.reshape(-1, NUM_JOINTS, 3)[:, :22],
                             left_hand_pose=hands[:, 0], right_hand_pose=hands[:, 1], **common)
    # SMPLCodec.write's own content (validate, camelCase fields, savez_compressed) through atomic_savez:
    # np.savez leaves its zip open when the disk is full, which prints a second traceback
    from dataclasses import asdict

    from smplcodec.utils import coerce_type, to_camel

    codec.validate()
    atomic_savez(path, {to_camel(f): coerce_type(v) for f, v in asdict(codec).items() if v is not None})
