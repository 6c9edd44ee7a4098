"""Adapters between :class:`Motion` and other SMPL motion formats (numpy only).

- AMASS ``.npz`` (SMPL, SMPL-H or SMPL-X ``poses``; Z-up world, so ``up_axis="z"``).
- Meshcapade ``.smpl`` through ``smplcodec`` (MIT; bundled as a wheel in the add-on zip).
  ``.smpl`` bodies are in SMPL's canonical Y-up frame.

SMPL-H/X poses keep their first 22 body joints; SMPL's two hand joints (22, 23) have no
counterpart there and are set to identity.
"""
from __future__ import annotations

import os

import numpy as np

from .atomic import atomic_path
from .motion_io import Motion, MotionFileError, atomic_savez, validate_motion
from .skeleton_def import NUM_JOINTS

__all__ = ["motion_from_amass", "write_amass", "read_smpl_codec", "write_smpl_codec"]

_BODY_JOINTS = 22  # SMPL-H / SMPL-X body joints shared with SMPL (pelvis .. right_wrist)


def _to_smpl_poses(poses: np.ndarray, path: str) -> np.ndarray:
    """(F, 3·J) axis-angle of SMPL/SMPL-H/SMPL-X → (F, 72) SMPL, hands identity."""
    if poses.ndim != 2 or poses.shape[1] % 3 or poses.shape[1] < 3 * _BODY_JOINTS:
        raise MotionFileError(f"{path}: 'poses' has shape {poses.shape}; expected (F, 72), (F, 156) or "
                              "(F, 165) axis-angle. Is this an AMASS file?")
    if poses.shape[1] == 3 * NUM_JOINTS:
        return poses.astype(np.float64)
    out = np.zeros((len(poses), 3 * NUM_JOINTS))
    out[:, : 3 * _BODY_JOINTS] = poses[:, : 3 * _BODY_JOINTS]
    return out


def _text(value: np.ndarray) -> str:
    item = value.item() if value.shape == () else value.reshape(-1)[0]
    return (item.decode() if isinstance(item, bytes) else str(item)).strip().lower()


def motion_from_amass(data: dict[str, np.ndarray], path: str) -> Motion:
    """AMASS arrays (``poses``, ``trans``, ``betas``, ``gender``, ``mocap_framerate`` or
    ``mocap_frame_rate``) → Motion with ``up_axis="z"`` and unknown rest joints."""
    fps_key = next((k for k in ("mocap_framerate", "mocap_frame_rate") if k in data), None)
    if fps_key is None:
        raise MotionFileError(f"{path}: AMASS file without 'mocap_framerate'. Add the capture frame rate.")
    gender = _text(data["gender"]) if "gender" in data else "neutral"
    return Motion(poses=_to_smpl_poses(data["poses"], path), trans=data["trans"],
                  betas=data.get("betas", np.zeros(10)), fps=float(data[fps_key]),
                  gender=gender, up_axis="z", body_model="amass", source=path)


def write_amass(path: str | os.PathLike, motion: Motion) -> None:
    """Write the AMASS subset (poses (F,72), trans, betas, gender, mocap_framerate), atomically."""
    m = validate_motion(motion, str(path))
    if m.up_axis != "z":
        raise MotionFileError(f"{path}: AMASS files are Z-up but this motion is {m.up_axis}-up. "
                              "Convert it with rig_math.convert_up_axis first, or write an HKMR .npz.")
    atomic_savez(path, {"poses": m.poses, "trans": m.trans, "betas": m.betas,
                        "gender": np.array(m.gender), "mocap_framerate": np.array(m.fps)})


def _codec():
    try:
        import smplcodec
    except ImportError as exc:  # pragma: no cover - only without the bundled wheel
        raise MotionFileError("Reading .smpl files needs the 'smplcodec' package (bundled with the "
                              "add-on; `pip install smplcodec==2.3.0` elsewhere).") from exc
    return smplcodec


def read_smpl_codec(path: str) -> Motion:
    """Meshcapade ``.smpl`` → Motion (Y-up; SMPL-H/X bodies keep their 22 body joints)."""
    sc = _codec()
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
    poses = _to_smpl_poses(np.asarray(codec.body_pose).reshape(frames, -1), path)
    trans = codec.body_translation if codec.body_translation is not None else np.zeros((frames, 3))
    betas = codec.shape_parameters if codec.shape_parameters is not None else np.zeros(10)
    return Motion(poses=poses, trans=np.asarray(trans), betas=np.asarray(betas),
                  fps=float(codec.frame_rate or 30.0), gender=sc.SMPLGender(codec.gender).name.lower(),
                  up_axis="y", body_model="smplcodec", source=path)


def write_smpl_codec(path: str | os.PathLike, motion: Motion) -> None:
    """Write a Meshcapade ``.smpl`` (SMPL body, float32 as the codec stores it), atomically."""
    sc = _codec()
    m = validate_motion(motion, str(path))
    if m.up_axis != "y":
        raise MotionFileError(f"{path}: .smpl files are Y-up but this motion is {m.up_axis}-up "
                              "(AMASS). Write it as an AMASS/HKMR .npz instead.")
    codec = sc.SMPLCodec(smpl_version=sc.SMPLVersion.SMPL, gender=sc.SMPLGender.from_string(m.gender),
                         shape_parameters=m.betas, frame_count=m.num_frames, frame_rate=float(m.fps),
                         body_translation=m.trans, body_pose=m.poses.reshape(-1, NUM_JOINTS, 3))
    with atomic_path(path) as tmp:
        codec.write(tmp)
