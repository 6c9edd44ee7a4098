"""HKMR motion file (``.npz``): the writer (current version) and the reader (every version up to it), numpy only.

Fields: docs/motion-format.md. Optional fields arrived one per version (:data:`.motion.OPTIONAL_FIELDS`:
``contacts`` in 2, ``timestamps`` in 3, ``hand_pose`` in 4, the filming camera ``view_*`` in 5, ``hand_seen`` in
6); an older file reads with them None. (The module keeps its historical name.)"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable

import numpy as np

from .atomic import atomic_savez, scratch_dir
from .columns import Columns
from .motion_ranges import check_some_valid, check_version_fields
from .motion import (FORMAT_NAME, FORMAT_VERSION, OPTIONAL_FIELDS, PER_FRAME_FIELDS, VIEW_KEYS, Motion, RestMesh,
                     ViewCamera, fail, load_npz, scalar_field, validate_motion)

__all__ = ["write_v1", "write_v1_blocks", "read_v1", "PER_FRAME_KEYS"]

#: Optional per-clip arrays written under their own name when present, with their stored dtype.
_OPTIONAL_ARRAYS = (("rest_joints", np.float64), ("camera", np.float64), ("contacts", bool),
                    ("timestamps", np.float64), ("hand_pose", np.float64), ("hand_seen", bool))


#: File keys holding one row per frame (the others are the clip's).
PER_FRAME_KEYS = (*PER_FRAME_FIELDS, "view_R", "view_t")


def write_v1(path: str | os.PathLike, motion: Motion) -> Path:
    """Validate ``motion`` and write it as an HKMR motion file of :data:`FORMAT_VERSION` (atomic). Returns the path."""
    m = validate_motion(motion, str(path))
    check_some_valid(str(path), m.valid)
    atomic_savez(path, _file_arrays(m))
    return Path(path)


def write_v1_blocks(path: str | os.PathLike, blocks: Iterable[Motion]) -> int:
    """Write consecutive pieces of one motion (each a :class:`Motion` of some frames; the clip's own fields —
    betas, mesh, skeleton, fps — taken from the first) as one HKMR motion file, the same file :func:`write_v1`
    writes for the whole motion, never holding more than one block's rows in memory: each block is validated
    and its per-frame rows go to a hidden folder beside ``path``, from which the file's members are then
    written (atomic; the folder is removed, on error too). Returns the number of frames."""
    with scratch_dir(path) as tmp:
        rows, head, last, seen = Columns(tmp / "rows"), None, None, False
        for block in blocks:
            m = validate_motion(block, str(path))
            arrays = _file_arrays(m)
            if last is not None:
                _check_follows(str(path), last, m)
            rows.append({k: arrays[k] for k in PER_FRAME_KEYS if k in arrays})
            head = head or {k: None if k in PER_FRAME_KEYS else v for k, v in arrays.items()}  # in the file's order
            last, seen = m.select([-1]), seen or bool(m.valid.any())
        if head is None:
            raise fail(str(path), "the motion has zero frames", "Check that inference found the person in the input")
        if not seen:
            check_some_valid(str(path), np.zeros(rows.frames, bool))
        atomic_savez(path, {k: rows.streamed(k) if k in rows.spec else v for k, v in head.items()})
        return rows.frames


def _check_follows(path: str, last: Motion, m: Motion) -> None:
    """A block's frame indices and times go on from the previous block's last (each block checks its own)."""
    if m.frame_index[0] <= last.frame_index[-1]:
        raise fail(path, "frame_index must be strictly increasing", "Sort the frames by source index")
    if (m.timestamps is None) != (last.timestamps is None) or (
            m.timestamps is not None and m.timestamps[0] <= last.timestamps[-1]):
        raise fail(path, "field 'timestamps' must be strictly increasing numbers (seconds)",
                   "Store each sample's presentation time in seconds, or drop the field for an even rate")


def _file_arrays(m: Motion) -> dict[str, np.ndarray]:
    """A validated motion's file members (name → array), in the file's order."""
    arrays: dict[str, np.ndarray] = {
        "format": np.array(FORMAT_NAME), "format_version": np.array(FORMAT_VERSION),
        "poses": m.poses, "trans": m.trans, "betas": m.betas, "gender": np.array(m.gender),
        "mocap_framerate": np.array(m.fps), "frame_index": m.frame_index,
        "confidence": m.confidence, "valid": m.valid, "joint_names": np.array(m.joint_names),
        "parents": m.parents, "up_axis": np.array(m.up_axis), "body_model": np.array(m.body_model),
    }
    for name, dtype in _OPTIONAL_ARRAYS:
        value = getattr(m, name)
        if value is not None:
            arrays[name] = np.asarray(value, dtype)
    if m.view is not None:
        arrays.update(view_K=m.view.K, view_size=m.view.size, view_R=m.view.R, view_t=m.view.t)
    if m.mesh is not None:
        arrays.update(mesh_vertices=np.asarray(m.mesh.vertices, np.float32),
                      mesh_faces=np.asarray(m.mesh.faces, np.int32),
                      mesh_weights=np.asarray(m.mesh.weights, np.float32))
        if m.mesh.shapedirs is not None:
            arrays["mesh_shapedirs"] = np.asarray(m.mesh.shapedirs, np.float32)
    return arrays


def _motion_from_v1(data: dict, path: str) -> Motion:
    version = scalar_field(data, "format_version", path, int)
    if version > FORMAT_VERSION:
        raise fail(path, f"motion format version {version} is newer than this reader ({FORMAT_VERSION})",
                    "Update the HKMR add-on / package")
    if version < 1:
        raise fail(path, f"invalid motion format version {version}", "Re-export the file")
    check_version_fields(path, data, version)
    required = ("poses", "trans", "betas", "gender", "mocap_framerate", "joint_names", "parents")
    missing = [k for k in required if k not in data]
    if missing:
        raise fail(path, f"missing field(s) {', '.join(missing)}", "The file is incomplete; re-export it")
    mesh = None
    mesh_keys = ("mesh_vertices", "mesh_faces", "mesh_weights")
    if any(k in data for k in mesh_keys):
        if not all(k in data for k in mesh_keys):
            raise fail(path, f"incomplete rest mesh: {', '.join(k for k in mesh_keys if k not in data)} missing",
                       "Re-export the file, or drop all mesh_* fields")
        mesh = RestMesh(data["mesh_vertices"], data["mesh_faces"], data["mesh_weights"],
                        data.get("mesh_shapedirs"))
    view = None
    if version >= OPTIONAL_FIELDS["view"] and any(k in data for k in VIEW_KEYS):
        if not all(k in data for k in VIEW_KEYS):
            raise fail(path, f"incomplete camera: {', '.join(k for k in VIEW_KEYS if k not in data)} missing",
                       "Re-export the file, or drop all view_* fields")
        view = ViewCamera(data["view_K"], data["view_size"], data["view_R"], data["view_t"])
    motion = Motion(
        poses=data["poses"], trans=data["trans"], betas=data["betas"],
        fps=scalar_field(data, "mocap_framerate", path, float), gender=scalar_field(data, "gender", path),
        rest_joints=data.get("rest_joints"), frame_index=data.get("frame_index"),
        confidence=data.get("confidence"), valid=data.get("valid"), camera=data.get("camera"),
        **{k: data.get(k) if version >= v else None for k, v in OPTIONAL_FIELDS.items() if k != "view"},
        view=view, up_axis=scalar_field(data, "up_axis", path) if "up_axis" in data else "y",
        body_model=scalar_field(data, "body_model", path) if "body_model" in data else "unknown",
        joint_names=tuple(j.decode("utf-8", "replace") if isinstance(j, bytes) else str(j)  # numpy 'S' (bytes) names
                          for j in data["joint_names"]), parents=data["parents"],
        mesh=mesh, source=path)
    motion = validate_motion(motion, path)
    check_some_valid(path, motion.valid)
    return motion



def read_v1(path: str | os.PathLike) -> Motion:
    """Read and validate an HKMR motion ``.npz`` (any version up to :data:`FORMAT_VERSION`)."""
    p = str(path)
    data = load_npz(p)
    name = scalar_field(data, "format", p)
    if name != FORMAT_NAME:
        raise fail(p, f"format '{name}' is not '{FORMAT_NAME}'", "Is this an HKMR motion file?")
    return _motion_from_v1(data, p)
