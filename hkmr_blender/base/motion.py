"""The motion contract: :class:`Motion`, its validation and the safe npz loader (numpy only).

Every file format (:mod:`.formats`) reads into and writes from a :class:`Motion`; ``core`` and the
add-on share this one implementation. The file format is documented in docs/motion-format.md.

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

from .inputs import file_problem
from .motion_ranges import check_betas, check_frame_index, check_trans
from .npz import NpzError, load_npz_checked
from .options import MAX_FPS, MAX_FRAMES
from .skeleton import GENDERS, HAND_POSE_PARAMS, NUM_JOINTS, SMPL_JOINT_NAMES, SMPL_PARENTS

FORMAT_NAME = "hkmr-motion"
#: The one place that says which format version added which optional field (a reader of an older file
#: reads it as None; "view" is the group of VIEW_KEYS). Versions only grow; every older version still reads.
OPTIONAL_FIELDS: dict[str, int] = {"contacts": 2, "timestamps": 3, "hand_pose": 4, "view": 5, "hand_seen": 6}
FORMAT_VERSION = max(OPTIONAL_FIELDS.values())
#: File keys of the ``view`` group (all or none).
VIEW_KEYS = ("view_K", "view_size", "view_R", "view_t")
UP_AXES = ("y", "z")

#: :class:`Motion` fields holding one row per frame (besides ``view``'s ``R`` and ``t``); the rest are the clip's.
PER_FRAME_FIELDS = ("poses", "trans", "frame_index", "confidence", "valid", "camera", "contacts", "timestamps",
                    "hand_pose", "hand_seen")

__all__ = ["FORMAT_NAME", "FORMAT_VERSION", "OPTIONAL_FIELDS", "VIEW_KEYS", "UP_AXES", "PER_FRAME_FIELDS", "Motion",
           "RestMesh",
           "ViewCamera", "MotionFileError",
           "validate_motion", "load_npz", "fail"]


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
class ViewCamera:
    """The real camera that filmed the motion, per frame (pinhole, OpenCV axes: x right, y down, z forward).

    ``K`` (3,3) intrinsics in pixels; ``size`` (2,) int image [width, height] px; ``R`` (F,3,3) and ``t`` (F,3)
    world → camera, ``P_cam = R @ P_world + t``, the world being the motion's own frame (its ``up_axis``).
    A static camera repeats one pose; a moving one (issue 22) follows the footage.
    """

    K: np.ndarray
    size: np.ndarray
    R: np.ndarray
    t: np.ndarray


@dataclass
class Motion:
    """One clip of SMPL motion. F = frames. All arrays numpy.

    poses (F,72) axis-angle, joint 0 = global orientation about the pelvis joint;
    trans (F,3) SMPL ``transl`` (added after posing, metres); betas (NB,);
    rest_joints (24,3) joint positions of the T-pose body with these betas and zero
    translation, or None when unknown (AMASS/.smpl: the add-on then uses its body model);
    frame_index (F,) source frame of each sample; confidence (F,) in [0,1];
    valid (F,) False where the person was lost (pose is a placeholder, not an estimate);
    camera (F,3) weak-perspective [s, tx, ty] of the crop, or None;
    contacts (F,2) bool planted foot [left, right] per frame, or None when unknown (v1 files,
    motions without a fit); timestamps (F,) float64 seconds of each sample from the first (the source's
    presentation times, strictly increasing), or None: the samples are evenly spaced at ``fps`` (see
    :func:`sample_times`);
    hand_pose (F,90) axis-angle of SMPL-H's 2×15 finger joints (``skeleton.HAND_JOINT_NAMES``: left hand
    then right, MANO order index, middle, pinky, ring, thumb; joint-local like ``poses``, zero = the flat
    hand), or None when the motion has no hands;
    view: the filming camera (:class:`ViewCamera`, v5) or None;
    hand_seen (F,2) bool [left, right]: True where that hand was detected in the frame, False where
    ``hand_pose`` holds the fit's bridge (v6; only beside ``hand_pose``), or None when unknown.
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
    contacts: np.ndarray | None = None
    timestamps: np.ndarray | None = None
    hand_pose: np.ndarray | None = None
    view: ViewCamera | None = None
    hand_seen: np.ndarray | None = None
    up_axis: str = "y"
    body_model: str = "unknown"
    joint_names: tuple[str, ...] = SMPL_JOINT_NAMES
    parents: np.ndarray = field(default_factory=lambda: np.array(SMPL_PARENTS, dtype=np.int64))
    mesh: RestMesh | None = None
    source: str = ""

    def __post_init__(self) -> None:
        n = len(self.poses) if np.ndim(self.poses) else 0  # a scalar is refused by validate_motion
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
        per_frame = {k: getattr(self, k)[frames] for k in PER_FRAME_FIELDS if getattr(self, k) is not None}
        if self.view is not None:
            per_frame["view"] = replace(self.view, R=np.asarray(self.view.R)[frames], t=np.asarray(self.view.t)[frames])
        return replace(self, **per_frame)


def fail(path: str, problem: str, fix: str) -> MotionFileError:
    where = f"{path}: " if path else ""
    return MotionFileError(f"{where}{problem}. {fix}")


def _check_shape(path: str, name: str, arr: np.ndarray, shape: tuple) -> None:
    ok = arr.ndim == len(shape) and all(s is None or s == a for s, a in zip(shape, arr.shape))
    if not ok:
        want = "(" + ", ".join("F" if s is None else str(s) for s in shape) + ")"
        raise fail(path, f"field '{name}' has shape {arr.shape}, expected {want}",
                    "Re-export the file with `hkmr` or fix the writer that produced it")
    if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
        bad = int(np.argwhere(~np.isfinite(arr.reshape(len(arr), -1) if arr.ndim else arr[None]))[0][0])
        raise fail(path, f"field '{name}' contains NaN or infinite values (first at index {bad})",
                    "Mark lost frames with valid=False and a finite placeholder pose instead of NaN")


#: Skin weights of a vertex must sum to 1 within this (float32 files of SMPL sum to 1 within ~1e-6).
WEIGHT_SUM_TOLERANCE = 1e-3


def _check_bool(path: str, name: str, arr: np.ndarray, fix: str) -> None:
    """A boolean field: bool, or integers that are all 0 or 1 (2 or −1 would silently read as True)."""
    if arr.dtype.kind == "b":
        return
    if arr.dtype.kind not in "ui" or (arr.size and not np.isin(arr, (0, 1)).all()):
        seen = np.unique(arr)[:4] if arr.dtype.kind in "uif" else arr.dtype
        raise fail(path, f"field '{name}' must be boolean (or 0/1), got {arr.dtype} values {seen}", fix)


def _check_skeleton(path: str, names, parents: np.ndarray) -> None:
    """SMPL's joint names in SMPL's order and SMPL's parents (a tree: each parent before its child)."""
    names = tuple(str(j) for j in names)
    if names != SMPL_JOINT_NAMES:
        k = next(i for i, (a, b) in enumerate(zip(names, SMPL_JOINT_NAMES)) if a != b)
        raise fail(path, f"field 'joint_names' is not SMPL's joints in SMPL's order (joint {k} is '{names[k]}', "
                   f"expected '{SMPL_JOINT_NAMES[k]}')", "Write the 24 SMPL joint names in SMPL's order (poses "
                   "follow that order)")
    if parents.dtype.kind not in "ui" or parents[0] != -1 or np.any(parents[1:] >= np.arange(1, NUM_JOINTS)) \
            or np.any(parents[1:] < 0):
        raise fail(path, f"field 'parents' {parents.tolist()} is not a tree rooted at joint 0 (a joint's parent "
                   "must come before it: this one is cyclic or rootless)", "Write SMPL's parents "
                   f"{list(SMPL_PARENTS)}")
    if not np.array_equal(parents, SMPL_PARENTS):
        k = int(np.argmax(parents != np.asarray(SMPL_PARENTS)))
        raise fail(path, f"field 'parents' is not SMPL's (joint {k} '{SMPL_JOINT_NAMES[k]}' has parent "
                   f"{parents[k]}, expected {SMPL_PARENTS[k]})", f"Write SMPL's parents {list(SMPL_PARENTS)}")


def _check_numbers(path: str, m: "Motion") -> None:
    """Numeric fields hold real numbers (strings or complex values would fail or lose their imaginary part in
    the float conversion) and ``frame_index`` integers (0.5 would collapse onto 0 and 1)."""
    fields = {"poses": "fiu", "trans": "fiu", "betas": "fiu", "confidence": "fiu", "frame_index": "iu",
              "rest_joints": "fiu", "camera": "fiu"}
    for name, kinds in fields.items():
        arr = getattr(m, name)
        if arr is not None and np.asarray(arr).dtype.kind not in kinds:
            want = "integers" if kinds == "iu" else "real numbers"
            raise fail(path, f"field '{name}' must hold {want}, got {np.asarray(arr).dtype}",
                       "Re-export the file with `hkmr` or fix the writer that produced it")


#: shortest rest bone accepted (metres): Blender removes zero-length bones, so the armature would lose joints
MIN_BONE = 1e-4


def _check_span(path: str, m: "Motion") -> None:
    """The clip spans at most MAX_FRAMES of its own rate (``frame_index`` gaps or ``timestamps``): Blender keys no
    further (a frame_index jump to 10**12 ended in Blender's "Scene.frame_end value not in 'int' range")."""
    fi = np.asarray(m.frame_index, np.int64)
    step = float(np.median(np.diff(fi))) if len(fi) > 1 else 1.0
    span = (float(fi[-1] - fi[0]) / step, "frame_index")
    if m.timestamps is not None:
        ts = np.asarray(m.timestamps, np.float64)
        span = max(span, ((ts[-1] - ts[0]) * float(m.fps), "timestamps"))
    if span[0] > MAX_FRAMES:
        raise fail(path, f"field '{span[1]}' spans {span[0]:.4g} frames at {float(m.fps):g} fps, more than Blender's "
                   f"{MAX_FRAMES} (a broken jump?)", f"Store the source frame numbers (or times) of the clip, which "
                   f"must fit in {MAX_FRAMES} frames")


def _check_weights(path: str, w: np.ndarray) -> None:
    if w.dtype.kind != "f" or not len(w):
        return
    sums = w.sum(1)
    bad = np.flatnonzero(~(np.abs(sums - 1) <= WEIGHT_SUM_TOLERANCE) | (w.min(1) < -WEIGHT_SUM_TOLERANCE))
    if bad.size:
        raise fail(path, f"field 'mesh_weights': {bad.size} vertices' skin weights do not sum to 1 or are negative "
                   f"(vertex {bad[0]} sums to {sums[bad[0]]:.4g})", "Normalise each row of mesh_weights to sum to "
                   "1 (non-negative), or drop the mesh_* fields")


def validate_motion(m: Motion, path: str = "") -> Motion:
    """Check shapes, finiteness and ranges; return ``m`` with canonical dtypes. Raises MotionFileError."""
    _check_shape(path, "poses", np.asarray(m.poses), (None, 3 * NUM_JOINTS))
    n = len(m.poses)
    if n == 0:
        raise fail(path, "the motion has zero frames", "Check that inference found the person in the input")
    if len(m.joint_names) != NUM_JOINTS or np.asarray(m.parents).shape != (NUM_JOINTS,):
        raise fail(path, f"expected SMPL's {NUM_JOINTS} joints, got {len(m.joint_names)} joint names",
                    "Only SMPL (24-joint) motions are supported; convert SMPL-H/X poses to their 22 body joints")
    _check_skeleton(path, m.joint_names, np.asarray(m.parents))
    _check_shape(path, "poses", m.poses, (None, 3 * NUM_JOINTS))
    for name, shape in (("trans", (n, 3)), ("frame_index", (n,)), ("confidence", (n,)), ("valid", (n,))):
        _check_shape(path, name, np.asarray(getattr(m, name)), shape)
    _check_shape(path, "betas", m.betas, (None,))
    if not len(m.betas):
        raise fail(path, "field 'betas' is empty (no shape coefficients)", "Store the body's shape coefficients "
                   "(10 for HKMR), or zeros(10) for the template body")
    _check_numbers(path, m)
    check_betas(path, np.asarray(m.betas))
    check_trans(path, np.asarray(m.trans))
    if m.rest_joints is not None:
        _check_shape(path, "rest_joints", m.rest_joints, (NUM_JOINTS, 3))
    if m.camera is not None:
        _check_shape(path, "camera", m.camera, (n, 3))
    if m.contacts is not None:
        _check_shape(path, "contacts", np.asarray(m.contacts), (n, 2))
        _check_bool(path, "contacts", np.asarray(m.contacts), "Store foot contacts as an (F, 2) bool array [left, right]")
    _check_bool(path, "valid", np.asarray(m.valid), "Store 'valid' as an (F,) bool array")
    if m.timestamps is not None:
        _check_shape(path, "timestamps", np.asarray(m.timestamps), (n,))
        if np.asarray(m.timestamps).dtype.kind not in "fiu" or np.any(np.diff(np.asarray(m.timestamps)) <= 0):
            raise fail(path, "field 'timestamps' must be strictly increasing numbers (seconds)",
                       "Store each sample's presentation time in seconds, or drop the field for an even rate")
    if m.hand_pose is not None:
        _check_shape(path, "hand_pose", np.asarray(m.hand_pose), (n, HAND_POSE_PARAMS))
        if np.asarray(m.hand_pose).dtype.kind != "f":
            raise fail(path, f"field 'hand_pose' must be float axis-angle, got {np.asarray(m.hand_pose).dtype}",
                       "Store finger rotations as an (F, 90) float array (left hand's 15 joints, then the right's)")
    if m.hand_seen is not None:
        if m.hand_pose is None:
            raise fail(path, "field 'hand_seen' without 'hand_pose'", "Drop hand_seen, or store the finger rotations "
                       "it describes as hand_pose")
        _check_shape(path, "hand_seen", np.asarray(m.hand_seen), (n, 2))
        _check_bool(path, "hand_seen", np.asarray(m.hand_seen), "Store hand_seen as an (F, 2) bool array [left, right]")
    view = None if m.view is None else _check_view(path, m.view, n)
    if m.gender not in GENDERS:
        raise fail(path, f"gender '{m.gender}' is not one of {GENDERS}", "Use neutral, male or female")
    if m.up_axis not in UP_AXES:
        raise fail(path, f"up_axis '{m.up_axis}' is not one of {UP_AXES}", "Use 'y' (SMPL) or 'z' (AMASS)")
    if not (np.isfinite(m.fps) and m.fps > 0):
        raise fail(path, f"frame rate {m.fps} is not a positive number", "Set mocap_framerate, e.g. 30")
    if m.fps > MAX_FPS:
        raise fail(path, f"frame rate {m.fps:g} is above {MAX_FPS:g} fps (broken timing metadata?)",
                   "Set mocap_framerate to the clip's real rate, e.g. 30")
    conf = np.asarray(m.confidence)
    if np.any((conf < 0) | (conf > 1)):
        raise fail(path, "confidence values must lie in [0, 1]", "Rescale the per-frame confidence")
    if np.any(np.diff(np.asarray(m.frame_index)) <= 0):
        raise fail(path, "frame_index must be strictly increasing", "Sort the frames by source index")
    check_frame_index(path, np.asarray(m.frame_index))
    _check_span(path, m)
    if m.rest_joints is not None:
        rj = np.asarray(m.rest_joints, np.float64)
        bone = np.linalg.norm(rj[1:] - rj[list(SMPL_PARENTS[1:])], axis=1)
        if np.any(bone < MIN_BONE):
            k = int(np.argmin(bone)) + 1
            raise fail(path, f"field 'rest_joints': joint {k} '{SMPL_JOINT_NAMES[k]}' lies on its parent (bone "
                       f"length {bone[k - 1]:.2g} m; Blender deletes zero-length bones)", "Store the T-posed body's "
                       "joint positions in metres (hkmr writes them), or drop rest_joints")
    if m.mesh is not None:
        v = m.mesh.vertices
        _check_shape(path, "mesh_vertices", v, (None, 3))
        _check_shape(path, "mesh_faces", m.mesh.faces, (None, 3))
        _check_shape(path, "mesh_weights", m.mesh.weights, (len(v), NUM_JOINTS))
        if m.mesh.shapedirs is not None:
            _check_shape(path, "mesh_shapedirs", m.mesh.shapedirs, (len(v), 3, None))
        if m.mesh.faces.size and (m.mesh.faces.min() < 0 or m.mesh.faces.max() >= len(v)):
            raise fail(path, "mesh_faces index vertices that do not exist", "Re-export the rest mesh")
        _check_weights(path, np.asarray(m.mesh.weights))
    return replace(
        m, poses=np.asarray(m.poses, np.float64), trans=np.asarray(m.trans, np.float64),
        betas=np.asarray(m.betas, np.float64), fps=float(m.fps),
        frame_index=np.asarray(m.frame_index, np.int64), confidence=np.asarray(conf, np.float32),
        valid=np.asarray(m.valid, bool), contacts=None if m.contacts is None else np.asarray(m.contacts, bool),
        timestamps=None if m.timestamps is None else np.asarray(m.timestamps, np.float64),
        hand_pose=None if m.hand_pose is None else np.asarray(m.hand_pose, np.float64),
        hand_seen=None if m.hand_seen is None else np.asarray(m.hand_seen, bool), view=view, parents=np.asarray(m.parents, np.int64),
        joint_names=tuple(str(j) for j in m.joint_names))


def _check_view(path: str, v: ViewCamera, n: int) -> ViewCamera:
    K, size = np.asarray(v.K, np.float64), np.asarray(v.size)
    R, t = np.asarray(v.R, np.float64), np.asarray(v.t, np.float64)
    _check_shape(path, "view_K", K, (3, 3))
    _check_shape(path, "view_R", R, (n, 3, 3))
    _check_shape(path, "view_t", t, (n, 3))
    if size.shape != (2,) or size.dtype.kind not in "iu" or np.any(size <= 0):
        raise fail(path, f"field 'view_size' must be two positive integers [width, height], got {size.tolist()}",
                   "Store the footage's size in pixels")
    if not (K[0, 0] > 0 and K[1, 1] > 0 and K[2, 2] == 1 and not K[2, :2].any()):
        raise fail(path, "field 'view_K' is not a pinhole intrinsic matrix (fx, fy > 0, last row 0 0 1)",
                   "Store K = [[fx, 0, cx], [0, fy, cy], [0, 0, 1]] in pixels")
    err = np.abs(R @ np.swapaxes(R, 1, 2) - np.eye(3)).max(initial=0.0)
    if err > 1e-4 or np.any(np.linalg.det(R) <= 0):
        raise fail(path, f"field 'view_R' holds matrices that are not rotations (|R Rᵀ − I| up to {err:.2g})",
                   "Store proper world → camera rotations")
    return ViewCamera(K, size.astype(np.int64), R, t)


def load_npz(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Open an .npz safely (no pickles, array headers checked before allocation, :mod:`.npz`); clear
    errors for missing/corrupt/hostile files."""
    p = Path(path)
    problem = file_problem(p)
    if problem is not None:
        raise fail(str(p), problem, "Check the path (run `hkmr infer` to create a motion file)")
    if not zipfile.is_zipfile(p):
        raise fail(str(p), "not a readable .npz archive (no zip structure)",
                    "The file is truncated or not an npz; re-export it")
    try:
        return load_npz_checked(p)
    except NpzError as exc:
        raise fail(str(p), str(exc), "The file is truncated, corrupt or not a motion file; re-export it") from exc


def scalar_field(data: dict, key: str, path: str, kind=str):
    if key not in data:
        raise fail(path, f"missing field '{key}'", "The file is incomplete; re-export it")
    value = data[key]
    if value.size != 1:   # a one-element array (some AMASS writers) reads as its element
        raise fail(path, f"field '{key}' must be a scalar, got shape {value.shape}", "Re-export the file")
    value = value.reshape(())
    item = value.item().decode(errors="replace") if isinstance(value.item(), bytes) else value.item()
    if kind is not str and value.dtype.kind == "b":   # True would read as 1 (a 1 fps clip), False as 0
        raise fail(path, f"field '{key}' is {item!r}, not a number", "Re-export the file")
    try:
        return kind(item)
    except (TypeError, ValueError, OverflowError):
        raise fail(path, f"field '{key}' is {item!r}, not a valid {kind.__name__}", "Re-export the file") from None
