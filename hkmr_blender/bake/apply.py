"""Bake an armature's evaluated motion to clean keys, optionally onto another SMPL armature (bpy layer).

Visual keying: every frame is evaluated (constraints, drivers, NLA included) and the posed bone
matrices are read back; the math turning them into keys is numpy (:mod:`..rig.transforms`):

- G_i = P_i·B_iᵀ is each SMPL bone's world delta, L_i = G_parentᵀ·G_i its joint-local rotation
  (:func:`..rig.transforms.local_from_pose`), and R_bone = B'ᵀ·A·L·Aᵀ·B' re-expresses it on the target's rest
  rotations B' (:func:`..rig.transforms.rest_conjugate`), A mapping source armature space to the target's.
  Retargeting this way is exact for any rest orientation/roll on either side, unlike a world-space
  Copy Rotation constraint, which is only right when both rigs rest alike.
- The pelvis location follows the source pelvis' displacement from its rest head.
- Optional Gaussian smoothing on the rotation sphere and on the pelvis path.
"""
from __future__ import annotations

import numpy as np

from ..rig import transforms as rm
from ..rig.armature import smpl_rig
from ..rig.keys import pose_channels, write_action
from ..base.skeleton import SMPL_PARENTS

__all__ = ["sample_pose", "bake_armature"]


def sample_pose(context, obj, bone_names: list[str], frames) -> tuple[np.ndarray, np.ndarray]:
    """Evaluate ``frames``; return posed armature-space rotations (K,J,3,3) and heads (K,J,3)."""
    scene = context.scene
    current = scene.frame_current
    rots = np.empty((len(frames), len(bone_names), 3, 3))
    heads = np.empty((len(frames), len(bone_names), 3))
    bones = [obj.pose.bones[n] for n in bone_names]
    try:
        for k, f in enumerate(frames):
            scene.frame_set(int(f))
            for j, pb in enumerate(bones):
                m = np.array(pb.matrix, np.float64)
                rots[k, j], heads[k, j] = m[:3, :3], m[:3, 3]
    finally:
        scene.frame_set(current)
    return rots, heads


def bake_armature(context, source, target=None, frame_start: int | None = None, frame_end: int | None = None,
                  smooth_sigma: float = 0.0, name: str | None = None):
    """Bake ``source``'s evaluated SMPL bones over the frame range to a new action on ``target``
    (default: ``source`` itself). ``smooth_sigma`` in frames (0 = none). Returns the action."""
    scene = context.scene
    f0 = scene.frame_start if frame_start is None else frame_start
    f1 = scene.frame_end if frame_end is None else frame_end
    if f1 < f0:
        raise ValueError(f"empty frame range {f0}..{f1}")
    src = smpl_rig(source)
    dst = src if target is None or target == source else smpl_rig(target)
    frames = np.arange(f0, f1 + 1)
    pose_rot, heads = sample_pose(context, source, src.bone_names, frames)
    local = rm.local_from_pose(pose_rot, src.rest, SMPL_PARENTS)
    # A: source armature space → target armature space (rotations of the two objects)
    a = dst.object_rot.T @ src.object_rot
    rot_bone = rm.rest_conjugate(local, dst.rest, a)
    quats = rm.matrix_to_quaternion(rot_bone)
    rest_head = np.array(source.data.bones[src.bone_names[0]].head_local, np.float64)
    disp = (heads[:, 0] - rest_head) * src.object_scale          # world-scaled, source axes
    loc = rm.root_location(disp, dst.rest[0], a, dst.object_scale)
    if smooth_sigma > 0:
        quats = rm.smooth_quaternions(quats, smooth_sigma)
        loc = rm.gaussian_smooth(loc, smooth_sigma)
    quats = rm.quaternion_continuity(quats)
    return write_action(dst.obj, name or f"{dst.obj.name}_baked", frames,
                        pose_channels(dst.bone_names, quats, loc))
