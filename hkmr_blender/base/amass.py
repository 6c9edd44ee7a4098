"""AMASS ``.npz`` ↔ :class:`Motion` (numpy only).

AMASS stores SMPL, SMPL-H or SMPL-X ``poses`` in a Z-up world, so a read motion has ``up_axis="z"``.
SMPL-H/X poses keep their first 22 body joints; SMPL's two hand joints (22, 23) have no
counterpart there and are set to identity.
"""
from __future__ import annotations

import os

import numpy as np

from .atomic import atomic_savez
from .motion import Motion, MotionFileError, load_npz, validate_motion
from .skeleton import NUM_JOINTS

__all__ = ["motion_from_amass", "read_amass", "write_amass", "smpl_poses"]

_BODY_JOINTS = 22  # SMPL-H / SMPL-X body joints shared with SMPL (pelvis .. right_wrist)


def smpl_poses(poses: np.ndarray, path: str) -> np.ndarray:
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
    return Motion(poses=smpl_poses(data["poses"], path), trans=data["trans"],
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


def read_amass(path: str | os.PathLike) -> Motion:
    """Read and validate an AMASS ``.npz`` (Z-up)."""
    p = str(path)
    return validate_motion(motion_from_amass(load_npz(p), p), p)
