"""An action's keys for a few bones as arrays, and Blender's pose-bone forward kinematics, numpy only.

Feet pinning and root motion edit an action on ANY armature (the SMPL rig, or a Mixamo/Rigify/UE rig after
retargeting): the bpy layer (:mod:`.track_bpy`) reads the keyed rotations/locations of the bones involved
(and all their ancestors) into a :class:`PoseTrack`; the math runs here; changed bones are written back.

Blender's pose model (bones inherit rotation and location, scale ignored): a pose bone's armature-space
matrix is P_i = P_parent · (Rest_parent⁻¹ · Rest_i) · T(loc_i) · R(quat_i), and P_i = Rest_i · T · R for a
bone without parent; ``Rest`` is ``bone.matrix_local`` (4×4, armature space). The bone's head is P_i's
translation. Frames: armature space (Z-up Blender axes, the armature's own units).
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from . import transforms as rm

__all__ = ["PoseTrack", "ancestors", "forward", "local_rotations", "local_transforms", "with_bones"]


@dataclass
class PoseTrack:
    """Keys of J bones at K shared frames. ``names`` (J,) bone names, parents before children;
    ``parents`` (J,) index into ``names`` or −1 (the bone has no parent in the armature); ``rest`` (J,4,4)
    ``matrix_local``; ``frames`` (K,) scene frames; ``quat`` (K,J,4) WXYZ ``rotation_quaternion``;
    ``loc`` (K,J,3) ``location``; ``fps`` scene frames per second; ``to_world`` (4,4) the armature
    object's ``matrix_world`` (similarity: rotation, uniform scale, translation)."""

    names: list[str]
    parents: np.ndarray
    rest: np.ndarray
    frames: np.ndarray
    quat: np.ndarray
    loc: np.ndarray
    fps: float = 30.0
    to_world: np.ndarray | None = None

    def index(self, name: str) -> int:
        try:
            return self.names.index(name)
        except ValueError:
            raise KeyError(f"bone '{name}' is not in the track ({', '.join(self.names)})") from None

    @property
    def world(self) -> np.ndarray:
        return np.eye(4) if self.to_world is None else np.asarray(self.to_world, np.float64)

    @property
    def world_scale(self) -> float:
        """Uniform scale of the armature object (armature units → metres)."""
        return float(np.linalg.norm(self.world[:3, 0]))

    @property
    def up(self) -> np.ndarray:
        """(3,) world +Z expressed in armature space (unit)."""
        u = np.linalg.solve(self.world[:3, :3], [0.0, 0.0, 1.0])
        return u / np.linalg.norm(u)


def ancestors(track: PoseTrack, i: int) -> list[int]:
    """Indices of bone i's parent, grandparent, … in the track."""
    out = []
    while track.parents[i] >= 0:
        i = int(track.parents[i])
        out.append(i)
    return out


def _relative_rest(track: PoseTrack) -> np.ndarray:
    """(J,4,4) Rest_parent⁻¹ · Rest_i (Rest_i for roots)."""
    rest = np.asarray(track.rest, np.float64)
    out = rest.copy()
    for i, p in enumerate(track.parents):
        if p >= 0:
            out[i] = np.linalg.inv(rest[p]) @ rest[i]
    return out


def forward(track: PoseTrack) -> np.ndarray:
    """(K,J,4,4) armature-space pose matrices (``pose_bone.matrix``) of every bone at every frame."""
    k, j = track.quat.shape[:2]
    basis = np.zeros((k, j, 4, 4))
    basis[..., :3, :3] = rm.quaternion_to_matrix(track.quat)
    basis[..., :3, 3] = track.loc
    basis[..., 3, 3] = 1.0
    rel = _relative_rest(track)
    pose = np.empty_like(basis)
    for i, p in enumerate(track.parents):
        local = rel[i] @ basis[:, i]
        pose[:, i] = local if p < 0 else pose[:, p] @ local
    return pose


def local_rotations(track: PoseTrack, pose_rot: np.ndarray, targets: dict) -> dict:
    """New basis rotations for the bones in ``targets`` {index: (K,3,3) wanted armature-space rotation},
    given the current armature-space rotations ``pose_rot`` (K,J,3,3). Bones not in ``targets`` keep
    their basis rotation and so turn with their parents (twist bones between chain bones, say).
    Returns {index: (K,3,3) basis rotation R_i = Rrel_iᵀ · P_parent'ᵀ · P_i'}."""
    rel = _relative_rest(track)[:, :3, :3]
    new = np.array(pose_rot, np.float64, copy=True)
    out = {}
    for i, p in enumerate(track.parents):
        parent_new = np.eye(3) if p < 0 else new[:, p]
        if i in targets:
            new[:, i] = targets[i]
            out[i] = rel[i].T @ np.swapaxes(parent_new, -1, -2) @ new[:, i]
        elif p >= 0:
            new[:, i] = parent_new @ np.swapaxes(pose_rot[:, p], -1, -2) @ pose_rot[:, i]
    return out


def local_transforms(track: PoseTrack, pose: np.ndarray, bones) -> tuple[np.ndarray, np.ndarray]:
    """Inverse of :func:`forward` for the bone indices ``bones``: the (quat (K,n,4), loc (K,n,3)) that put
    those bones at the armature-space matrices ``pose`` (K,J,4,4), given their parents' ``pose``."""
    rel = _relative_rest(track)
    quats, locs = [], []
    for i in bones:
        p = track.parents[i]
        parent = np.broadcast_to(np.eye(4), pose[:, i].shape) if p < 0 else pose[:, p]
        basis = np.linalg.inv(parent @ rel[i]) @ pose[:, i]
        quats.append(rm.matrix_to_quaternion(basis[:, :3, :3]))
        locs.append(basis[:, :3, 3])
    return np.stack(quats, 1), np.stack(locs, 1)


def with_bones(track: PoseTrack, bones, quat: np.ndarray, loc: np.ndarray | None = None) -> PoseTrack:
    """A copy of ``track`` with new keys for the bone indices ``bones``: ``quat`` (K,n,4), sign-matched
    to the old keys (so Blender interpolates the short way), and optionally ``loc`` (K,n,3)."""
    q_all, l_all = track.quat.copy(), track.loc.copy()
    bones = list(bones)
    q = np.array(quat, np.float64)
    flip = np.sum(q * q_all[:, bones], axis=-1) < 0
    q[flip] *= -1
    q_all[:, bones] = q
    if loc is not None:
        l_all[:, bones] = loc
    return replace(track, quat=q_all, loc=l_all)
