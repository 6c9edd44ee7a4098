"""Body data for the add-on, numpy only: rest joints and a rest mesh for a motion's betas.

Sources, in order: the motion file's own ``rest_joints`` / rest mesh; an SMPL model file set in the
add-on preferences (official ``.pkl`` or ``.npz``, read by :mod:`.smpl_file` without chumpy/scipy);
the open default body shipped in ``assets/hkmr_open_body.npz``. All in SMPL's frame (Y-up, metres).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from ..base import Motion, MotionFileError
from ..base.smpl_file import OPEN_BODY_PATH, load_smpl_arrays

__all__ = ["OPEN_BODY_PATH", "BodyMesh", "load_body_arrays", "shaped_vertices",
           "rest_joints_for", "with_rest_joints", "body_mesh_for"]


@dataclass
class BodyMesh:
    """A skinnable body in SMPL's frame: ``basis`` (V,3) template vertices (betas = 0),
    ``faces`` (T,3), ``weights`` (V,24), ``shape_deltas`` (NB,V,3) per-beta offsets and ``betas`` (NB,)
    so that basis + Σ betas[k]·shape_deltas[k] is the body of the motion (Blender shape keys)."""

    basis: np.ndarray
    faces: np.ndarray
    weights: np.ndarray
    shape_deltas: np.ndarray
    betas: np.ndarray


def load_body_arrays(model_path: str | None = None) -> dict[str, np.ndarray] | None:
    """SMPL arrays from ``model_path`` (if set) else the shipped default body; None if neither exists."""
    if model_path:
        return load_smpl_arrays(model_path)
    return load_smpl_arrays(OPEN_BODY_PATH) if OPEN_BODY_PATH.is_file() else None


def _betas_for(arrays: dict, betas: np.ndarray) -> np.ndarray:
    """Pad or truncate ``betas`` to the model's number of shape directions."""
    nb = arrays["shapedirs"].shape[-1]
    out = np.zeros(nb)
    n = min(nb, len(betas))
    out[:n] = np.asarray(betas, np.float64)[:n]
    return out


def shaped_vertices(arrays: dict, betas: np.ndarray) -> np.ndarray:
    """(V, 3) rest vertices v_template + shapedirs·betas."""
    b = _betas_for(arrays, betas)
    return np.asarray(arrays["v_template"], np.float64) + np.asarray(arrays["shapedirs"], np.float64) @ b


def rest_joints_for(arrays: dict, betas: np.ndarray) -> np.ndarray:
    """(24, 3) rest joints J_regressor · (v_template + shapedirs·betas)."""
    return np.asarray(arrays["J_regressor"], np.float64) @ shaped_vertices(arrays, betas)


def with_rest_joints(motion: Motion, arrays: dict | None) -> Motion:
    """``motion`` with ``rest_joints`` filled from the body model when the file has none."""
    if motion.rest_joints is not None:
        return motion
    if arrays is None:
        raise MotionFileError(
            f"{motion.source}: the file has no rest joints (AMASS/.smpl files rely on a body model) and no "
            "body model is available. Set an SMPL model file in the HKMR add-on preferences, or pass "
            "--model to the batch exporter")
    return replace(motion, rest_joints=rest_joints_for(arrays, motion.betas))


def body_mesh_for(motion: Motion, arrays: dict | None) -> BodyMesh | None:
    """The motion's own rest mesh if it has one, else the body model's; None without either."""
    if motion.mesh is not None:
        m = motion.mesh
        nb = 0 if m.shapedirs is None else min(m.shapedirs.shape[-1], len(motion.betas))
        deltas = (np.moveaxis(np.asarray(m.shapedirs, np.float64)[..., :nb], -1, 0) if nb
                  else np.zeros((0, len(m.vertices), 3)))
        betas = np.asarray(motion.betas[:nb], np.float64)
        basis = np.asarray(m.vertices, np.float64) - np.tensordot(betas, deltas, axes=1)
        return BodyMesh(basis, np.asarray(m.faces), np.asarray(m.weights, np.float64), deltas, betas)
    if arrays is None:
        return None
    betas = _betas_for(arrays, motion.betas)
    deltas = np.moveaxis(np.asarray(arrays["shapedirs"], np.float64), -1, 0)
    return BodyMesh(np.asarray(arrays["v_template"], np.float64), np.asarray(arrays["f"]).astype(np.int64),
                    np.asarray(arrays["weights"], np.float64), deltas, betas)
