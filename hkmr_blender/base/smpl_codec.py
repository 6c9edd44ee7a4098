"""Meshcapade ``.smpl`` ↔ :class:`Motion` through ``smplcodec`` (MIT; bundled as a wheel in the add-on zip).

``.smpl`` bodies are in SMPL's canonical Y-up frame; SMPL-H/X bodies keep their 22 body joints.
"""
from __future__ import annotations

import os

import numpy as np

from .amass import smpl_poses
from .atomic import atomic_savez
from .motion import Motion, MotionFileError, validate_motion
from .rotations import to_file_up_axis
from .skeleton import NUM_JOINTS

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
    if not os.path.isfile(path):
        raise MotionFileError(f"{path}: file not found. Check the path.")
    try:
        codec = sc.SMPLCodec.from_file(path)
    except Exception as exc:  # smplcodec raises assorted errors (zip, assert, KeyError)
        raise MotionFileError(f"{path}: not a valid .smpl file ({exc}). Re-export it from its source.") from exc
    if codec.body_pose is None or not codec.frame_count:
        raise MotionFileError(f"{path}: .smpl file without body motion (bodyPose/frameCount). "
                              "It may be a shape-only avatar; export an animation instead.")
    frames = int(codec.frame_count)
    poses = smpl_poses(np.asarray(codec.body_pose).reshape(frames, -1), path)
    trans = codec.body_translation if codec.body_translation is not None else np.zeros((frames, 3))
    betas = codec.shape_parameters if codec.shape_parameters is not None else np.zeros(10)
    motion = Motion(poses=poses, trans=np.asarray(trans), betas=np.asarray(betas),
                    fps=float(codec.frame_rate or 30.0), gender=sc.SMPLGender(codec.gender).name.lower(),
                    up_axis="y", body_model="smplcodec", source=path)
    return validate_motion(motion, path)


def write_smpl_codec(path: str | os.PathLike, motion: Motion) -> None:
    """Write a Meshcapade ``.smpl`` (SMPL body, float32 as the codec stores it), atomically."""
    sc = _codec()
    m = validate_motion(motion, str(path))
    m = to_file_up_axis(m, "y", path, ".smpl")
    codec = sc.SMPLCodec(smpl_version=sc.SMPLVersion.SMPL, gender=sc.SMPLGender.from_string(m.gender),
                         shape_parameters=m.betas, frame_count=m.num_frames, frame_rate=float(m.fps),
                         body_translation=m.trans, body_pose=m.poses.reshape(-1, NUM_JOINTS, 3))
    # SMPLCodec.write's own content (validate, camelCase fields, savez_compressed) through atomic_savez:
    # np.savez leaves its zip open when the disk is full, which prints a second traceback
    from dataclasses import asdict

    from smplcodec.utils import coerce_type, to_camel

    codec.validate()
    atomic_savez(path, {to_camel(f): coerce_type(v) for f, v in asdict(codec).items() if v is not None})
