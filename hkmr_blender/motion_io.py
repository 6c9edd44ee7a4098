"""Motion file v1 — the one contract between ``core`` (writer) and the Blender add-on (reader).

numpy only (Blender ships numpy, not torch/scipy); ``core`` imports this module, so there is
exactly one implementation. The format is documented field by field in docs/motion-format.md.

A motion file is an ``.npz`` whose AMASS-compatible keys (``poses``, ``trans``, ``betas``,
``gender``, ``mocap_framerate``) are readable by any AMASS tool, plus HKMR's own keys.
Rotations are axis-angle, joint-local, in SMPL's joint order; joint 0 is the global
orientation. Positions are metres in the frame named by ``up_axis`` ("y": SMPL's canonical
Y-up frame, what HKMR writes; "z": AMASS's Z-up world).
"""
from __future__ import annotations

import os
import zipfile
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from .atomic import atomic_write
from .skeleton_def import NUM_JOINTS, SMPL_JOINT_NAMES, SMPL_PARENTS

FORMAT_NAME = "hkmr-motion"
FORMAT_VERSION = 1
GENDERS = ("neutral", "male", "female")
UP_AXES = ("y", "z")

__all__ = ["FORMAT_NAME", "FORMAT_VERSION", "Motion", "RestMesh", "MotionFileError",
           "read_motion", "write_motion", "validate_motion", "atomic_savez"]


class MotionFileError(ValueError):
    """A motion file (or Motion object) is unusable; the message names the file and the fix."""


@dataclass
class RestMesh:
    """Optional body mesh so Blender can build a skinned body without a licensed SMPL file.

    ``vertices`` (V,3) rest pose for the motion's betas (same frame as the motion, metres),
    ``faces`` (T,3) int, ``weights`` (V,24) skinning weights (rows sum to 1),
    ``shapedirs`` (V,3,NB) optional blend shapes (for shape keys; vertices already include betas).
    """

    vertices: np.ndarray
    faces: np.ndarray
    weights: np.ndarray
    shapedirs: np.ndarray | None = None


@dataclass
class Motion:
    """One clip of SMPL motion. F = frames. All arrays numpy.

    poses (F,72) axis-angle, joint 0 = global orientation about the pelvis joint;
    trans (F,3) SMPL ``transl`` (added after posing, metres); betas (NB,);
    rest_joints (24,3) joint positions of the T-pose body with these betas and zero
    translation, or None when unknown (AMASS/.smpl: the add-on then uses its body model);
    frame_index (F,) source frame of each sample; confidence (F,) in [0,1];
    valid (F,) False where the person was lost (pose is a placeholder, not an estimate);
    camera (F,3) weak-perspective [s, tx, ty] of the crop, or None.
    """

    poses: np.ndarray
    trans: np.ndarray
    betas: np.ndarray
    fps: float
    gender: str = "neutral"
    rest_joints: np.ndarray | None = None
    frame_index: np.ndarray | None = None
    confidence: np.ndarray | None = None
    valid: np.ndarray | None = None
    camera: np.ndarray | None = None
    up_axis: str = "y"
    body_model: str = "unknown"
    joint_names: tuple[str, ...] = SMPL_JOINT_NAMES
    parents: np.ndarray = field(default_factory=lambda: np.array(SMPL_PARENTS, dtype=np.int64))
    mesh: RestMesh | None = None
    source: str = ""

    def __post_init__(self) -> None:
        n = len(self.poses)
        if self.frame_index is None:
            self.frame_index = np.arange(n, dtype=np.int64)
        if self.confidence is None:
            self.confidence = np.ones(n, dtype=np.float32)
        if self.valid is None:
            self.valid = np.ones(n, dtype=bool)

    @property
    def num_frames(self) -> int:
        return int(len(self.poses))

    def select(self, frames: np.ndarray) -> "Motion":
        """A copy holding only ``frames`` (indices or boolean mask) of the per-frame arrays."""
        per_frame = {k: getattr(self, k)[frames] for k in
                     ("poses", "trans", "frame_index", "confidence", "valid")}
        if self.camera is not None:
            per_frame["camera"] = self.camera[frames]
        return replace(self, **per_frame)


def _fail(path: str, problem: str, fix: str) -> MotionFileError:
    where = f"{path}: " if path else ""
    return MotionFileError(f"{where}{problem}. {fix}")


def _check_shape(path: str, name: str, arr: np.ndarray, shape: tuple) -> None:
    ok = arr.ndim == len(shape) and all(s is None or s == a for s, a in zip(shape, arr.shape))
    if not ok:
        want = "(" + ", ".join("F" if s is None else str(s) for s in shape) + ")"
        raise _fail(path, f"field '{name}' has shape {arr.shape}, expected {want}",
                    "Re-export the file with `hkmr` or fix the writer that produced it")
    if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
        bad = int(np.argwhere(~np.isfinite(arr.reshape(len(arr), -1) if arr.ndim else arr[None]))[0][0])
        raise _fail(path, f"field '{name}' contains NaN or infinite values (first at index {bad})",
                    "Mark lost frames with valid=False and a finite placeholder pose instead of NaN")


def validate_motion(m: Motion, path: str = "") -> Motion:
    """Check shapes, finiteness and ranges; return ``m`` with canonical dtypes. Raises MotionFileError."""
    n = len(m.poses)
    if n == 0:
        raise _fail(path, "the motion has zero frames", "Check that inference found the person in the input")
    if len(m.joint_names) != NUM_JOINTS or np.asarray(m.parents).shape != (NUM_JOINTS,):
        raise _fail(path, f"expected SMPL's {NUM_JOINTS} joints, got {len(m.joint_names)} joint names",
                    "Only SMPL (24-joint) motions are supported; convert SMPL-H/X poses to their 22 body joints")
    _check_shape(path, "poses", m.poses, (None, 3 * NUM_JOINTS))
    for name, shape in (("trans", (n, 3)), ("frame_index", (n,)), ("confidence", (n,)), ("valid", (n,))):
        _check_shape(path, name, np.asarray(getattr(m, name)), shape)
    _check_shape(path, "betas", m.betas, (None,))
    if m.rest_joints is not None:
        _check_shape(path, "rest_joints", m.rest_joints, (NUM_JOINTS, 3))
    if m.camera is not None:
        _check_shape(path, "camera", m.camera, (n, 3))
    if m.gender not in GENDERS:
        raise _fail(path, f"gender '{m.gender}' is not one of {GENDERS}", "Use neutral, male or female")
    if m.up_axis not in UP_AXES:
        raise _fail(path, f"up_axis '{m.up_axis}' is not one of {UP_AXES}", "Use 'y' (SMPL) or 'z' (AMASS)")
    if not (np.isfinite(m.fps) and m.fps > 0):
        raise _fail(path, f"frame rate {m.fps} is not a positive number", "Set mocap_framerate, e.g. 30")
    conf = np.asarray(m.confidence)
    if np.any((conf < 0) | (conf > 1)):
        raise _fail(path, "confidence values must lie in [0, 1]", "Rescale the per-frame confidence")
    if np.any(np.diff(np.asarray(m.frame_index)) <= 0):
        raise _fail(path, "frame_index must be strictly increasing", "Sort the frames by source index")
    if m.mesh is not None:
        v = m.mesh.vertices
        _check_shape(path, "mesh_vertices", v, (None, 3))
        _check_shape(path, "mesh_faces", m.mesh.faces, (None, 3))
        _check_shape(path, "mesh_weights", m.mesh.weights, (len(v), NUM_JOINTS))
        if m.mesh.shapedirs is not None:
            _check_shape(path, "mesh_shapedirs", m.mesh.shapedirs, (len(v), 3, None))
        if m.mesh.faces.size and (m.mesh.faces.min() < 0 or m.mesh.faces.max() >= len(v)):
            raise _fail(path, "mesh_faces index vertices that do not exist", "Re-export the rest mesh")
    return replace(
        m, poses=np.asarray(m.poses, np.float64), trans=np.asarray(m.trans, np.float64),
        betas=np.asarray(m.betas, np.float64), fps=float(m.fps),
        frame_index=np.asarray(m.frame_index, np.int64), confidence=np.asarray(conf, np.float32),
        valid=np.asarray(m.valid, bool), parents=np.asarray(m.parents, np.int64),
        joint_names=tuple(str(j) for j in m.joint_names))


def atomic_savez(path: str | os.PathLike, arrays: dict[str, np.ndarray], compressed: bool = True) -> None:
    """Write an .npz next to ``path`` and rename it into place: a crash never leaves a half file."""
    atomic_write(path, lambda fh: (np.savez_compressed if compressed else np.savez)(fh, **arrays))


def write_motion(path: str | os.PathLike, motion: Motion) -> Path:
    """Validate ``motion`` and write it as motion file v1 (atomic). Returns the path."""
    m = validate_motion(motion, str(path))
    arrays: dict[str, np.ndarray] = {
        "format": np.array(FORMAT_NAME), "format_version": np.array(FORMAT_VERSION),
        "poses": m.poses, "trans": m.trans, "betas": m.betas, "gender": np.array(m.gender),
        "mocap_framerate": np.array(m.fps), "frame_index": m.frame_index,
        "confidence": m.confidence, "valid": m.valid, "joint_names": np.array(m.joint_names),
        "parents": m.parents, "up_axis": np.array(m.up_axis), "body_model": np.array(m.body_model),
    }
    if m.rest_joints is not None:
        arrays["rest_joints"] = np.asarray(m.rest_joints, np.float64)
    if m.camera is not None:
        arrays["camera"] = np.asarray(m.camera, np.float64)
    if m.mesh is not None:
        arrays.update(mesh_vertices=np.asarray(m.mesh.vertices, np.float32),
                      mesh_faces=np.asarray(m.mesh.faces, np.int32),
                      mesh_weights=np.asarray(m.mesh.weights, np.float32))
        if m.mesh.shapedirs is not None:
            arrays["mesh_shapedirs"] = np.asarray(m.mesh.shapedirs, np.float32)
    atomic_savez(path, arrays)
    return Path(path)


def load_npz(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Open an .npz without pickle support (safe); clear errors for missing/corrupt files."""
    p = Path(path)
    if not p.is_file():
        raise _fail(str(p), "file not found", "Check the path (run `hkmr infer` to create a motion file)")
    if not zipfile.is_zipfile(p):
        raise _fail(str(p), "not a readable .npz archive (no zip structure)",
                    "The file is truncated or not an npz; re-export it")
    try:
        with np.load(p, allow_pickle=False) as data:
            return {k: data[k] for k in data.files}
    except (zipfile.BadZipFile, EOFError, OSError) as exc:
        raise _fail(str(p), f"not a readable .npz archive ({exc})",
                    "The file is truncated or not an npz; re-export it") from exc
    except ValueError as exc:  # object arrays need pickle: refused on purpose
        raise _fail(str(p), f"contains pickled objects ({exc})",
                    "Store strings as numpy unicode arrays; pickled npz files are refused for safety") from exc


def _scalar(data: dict, key: str, path: str, kind=str):
    if key not in data:
        raise _fail(path, f"missing field '{key}'", "The file is incomplete; re-export it")
    value = data[key]
    if value.shape != ():
        raise _fail(path, f"field '{key}' must be a scalar, got shape {value.shape}", "Re-export the file")
    return kind(value.item().decode() if isinstance(value.item(), bytes) else value.item())


def _read_v1(data: dict, path: str) -> Motion:
    version = _scalar(data, "format_version", path, int)
    if version > FORMAT_VERSION:
        raise _fail(path, f"motion format version {version} is newer than this reader ({FORMAT_VERSION})",
                    "Update the HKMR add-on / package")
    if version < 1:
        raise _fail(path, f"invalid motion format version {version}", "Re-export the file")
    required = ("poses", "trans", "betas", "gender", "mocap_framerate", "joint_names", "parents")
    missing = [k for k in required if k not in data]
    if missing:
        raise _fail(path, f"missing field(s) {', '.join(missing)}", "The file is incomplete; re-export it")
    mesh = None
    if "mesh_vertices" in data:
        mesh = RestMesh(data["mesh_vertices"], data["mesh_faces"], data["mesh_weights"],
                        data.get("mesh_shapedirs"))
    motion = Motion(
        poses=data["poses"], trans=data["trans"], betas=data["betas"],
        fps=_scalar(data, "mocap_framerate", path, float), gender=_scalar(data, "gender", path),
        rest_joints=data.get("rest_joints"), frame_index=data.get("frame_index"),
        confidence=data.get("confidence"), valid=data.get("valid"), camera=data.get("camera"),
        up_axis=_scalar(data, "up_axis", path) if "up_axis" in data else "y",
        body_model=_scalar(data, "body_model", path) if "body_model" in data else "unknown",
        joint_names=tuple(str(j) for j in data["joint_names"]), parents=data["parents"],
        mesh=mesh, source=path)
    return validate_motion(motion, path)


def read_motion(path: str | os.PathLike) -> Motion:
    """Read motion file v1, an AMASS npz, or a Meshcapade ``.smpl`` file (validated)."""
    p = str(path)
    if p.lower().endswith(".smpl"):
        from .motion_formats import read_smpl_codec
        return validate_motion(read_smpl_codec(p), p)
    data = load_npz(p)
    if "format" in data:
        name = _scalar(data, "format", p)
        if name != FORMAT_NAME:
            raise _fail(p, f"format '{name}' is not '{FORMAT_NAME}'", "Is this an HKMR motion file?")
        return _read_v1(data, p)
    if "poses" in data and "trans" in data:
        from .motion_formats import motion_from_amass
        return validate_motion(motion_from_amass(data, p), p)
    raise _fail(p, "not a motion file (no 'format', 'poses' or 'trans' fields)",
                "Expected an HKMR motion .npz, an AMASS .npz or a Meshcapade .smpl file")
