"""AMASS ``.npz`` ↔ :class:`Motion` (numpy only).

AMASS stores SMPL-H (or SMPL-X) ``poses`` in a Z-up world, so a read motion has ``up_axis="z"``.
Reading accepts poses of SMPL (F,72), SMPL-H (F,156) and SMPL-X (F,165) and keeps the first 22
body joints; SMPL's two hand joints (22, 23) have no counterpart there and are set to identity. SMPL-H/X
finger joints become the motion's ``hand_pose`` (F,90).

Writing produces what AMASS's own loaders and the SMPL-X/Meshcapade Blender add-ons read: SMPL-H
layout, ``poses`` (F,156) = 22 body joints + the 2×15 finger joints (the motion's ``hand_pose``; zero = flat
hands when it has none), ``betas`` (16,)
(the motion's, zero-padded), ``dmpls`` (F,8) zero, ``trans`` (F,3), ``gender``, ``mocap_framerate``
and ``surface_model_type`` "smplh", in AMASS's Z-up world (converted here; a Y-up motion needs its
rest joints for that). What is zero-filled is listed in docs/motion-format.md.
"""
from __future__ import annotations

import os

import numpy as np

from .atomic import atomic_savez
from .motion import Motion, MotionFileError, load_npz, scalar_field, validate_motion
from .rotations import to_file_up_axis
from .skeleton import HAND_POSE_PARAMS, NUM_JOINTS

__all__ = ["motion_from_amass", "read_amass", "write_amass", "smpl_poses", "hand_poses", "AMASS_POSE_WIDTHS"]

_BODY_JOINTS = 22  # SMPL-H / SMPL-X body joints shared with SMPL (pelvis .. right_wrist)
#: poses widths of SMPL (24 joints), SMPL-H (52: body + 2×15 fingers), SMPL-X (55: + jaw, eyes)
AMASS_POSE_WIDTHS = (3 * NUM_JOINTS, 156, 165)
_SMPLH_WIDTH, _SMPLH_BETAS, _DMPLS = 156, 16, 8


def smpl_poses(poses: np.ndarray, path: str) -> np.ndarray:
    """(F, 3·J) axis-angle of SMPL/SMPL-H/SMPL-X → (F, 72) SMPL, hands identity."""
    if poses.ndim != 2 or poses.shape[1] not in AMASS_POSE_WIDTHS:
        raise MotionFileError(f"{path}: 'poses' has shape {poses.shape}; expected (F, 72) SMPL, (F, 156) "
                              "SMPL-H or (F, 165) SMPL-X axis-angle. Is this an AMASS file?")
    if poses.shape[1] == 3 * NUM_JOINTS:
        return poses.astype(np.float64)
    out = np.zeros((len(poses), 3 * NUM_JOINTS))
    out[:, : 3 * _BODY_JOINTS] = poses[:, : 3 * _BODY_JOINTS]
    return out


def hand_poses(poses: np.ndarray) -> np.ndarray | None:
    """(F, 3·J) axis-angle → (F, 90) SMPL-H finger joints (left, right), or None for SMPL's (F, 72).
    SMPL-H: ``poses[:, 66:156]``; SMPL-X: ``poses[:, 75:165]`` (after jaw and eyes)."""
    if poses.ndim != 2 or poses.shape[1] not in AMASS_POSE_WIDTHS[1:]:
        return None
    return poses[:, -HAND_POSE_PARAMS:].astype(np.float64)


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
    return Motion(poses=smpl_poses(data["poses"], path), trans=data["trans"],
                  betas=data.get("betas", np.zeros(10)), fps=scalar_field(data, fps_key, path, float),
                  gender=gender, up_axis="z", body_model="amass", hand_pose=hand_poses(data["poses"]), source=path)


def write_amass(path: str | os.PathLike, motion: Motion) -> None:
    """Write an SMPL-H AMASS file (module docstring), Z-up, atomically."""
    m = validate_motion(motion, str(path))
    m = to_file_up_axis(m, "z", path, "AMASS")
    if len(m.betas) > _SMPLH_BETAS and np.any(m.betas[_SMPLH_BETAS:] != 0):
        raise MotionFileError(f"{path}: the motion has {len(m.betas)} shape coefficients; AMASS's SMPL-H "
                              f"holds {_SMPLH_BETAS}. Keep an HKMR .npz (it stores them all), or set the ones past "
                              f"{_SMPLH_BETAS} to zero")
    poses = np.zeros((m.num_frames, _SMPLH_WIDTH))
    poses[:, : 3 * _BODY_JOINTS] = m.poses[:, : 3 * _BODY_JOINTS]
    if m.hand_pose is not None:
        poses[:, 3 * _BODY_JOINTS:] = m.hand_pose
    betas = np.zeros(_SMPLH_BETAS)
    betas[: min(len(m.betas), _SMPLH_BETAS)] = m.betas[:_SMPLH_BETAS]
    atomic_savez(path, {"poses": poses, "trans": m.trans, "betas": betas, "dmpls": np.zeros((m.num_frames, _DMPLS)),
                        "gender": np.array(m.gender), "mocap_framerate": np.array(m.fps),
                        "surface_model_type": np.array("smplh")})


def read_amass(path: str | os.PathLike) -> Motion:
    """Read and validate an AMASS ``.npz`` (Z-up)."""
    p = str(path)
    return validate_motion(motion_from_amass(load_npz(p), p), p)
