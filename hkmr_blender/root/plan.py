"""Root motion for game engines, numpy only: in place, a root bone carrying travel and heading, or the
world path as estimated; optional ground alignment. Works on a :class:`.pose_track.PoseTrack` of any
armature given its hips bone (and root bone), so it applies after retargeting too.

Frames: armature space; "up" is world +Z seen from the armature (:attr:`PoseTrack.up`), "horizontal" the
plane through the armature's origin perpendicular to it. The character's forward at rest is taken as
armature −Y (Blender's front view; SMPL, Mixamo, Rigify and UE rigs imported to Blender face −Y).

- ``world``: the hips' path as estimated (ground alignment may still shift it vertically).
- ``in_place``: the horizontal trajectory is removed from the hips (height and heading kept); a root bone,
  if the rig has one, rests at the origin.
- ``root_motion``: the root bone carries the horizontal trajectory and the heading (yaw about up); the
  hips keep the rest relative to it, so the hips' world path is exactly the original.
The trajectory is the hips' horizontal path, Gaussian-smoothed over ``root_smooth`` seconds (0: the path
itself, so the hips stay above the root); the heading is the yaw of the hips' rest-forward axis, unwrapped
and smoothed alike.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..rig import transforms as rm
from .settings import ROOT_MODES, RootSettings
from ..rig.track import PoseTrack, ancestors, forward, local_transforms, with_bones

__all__ = ["ROOT_MODES", "RootSettings", "RootPlan", "hips_trajectory", "ground_shift", "apply_root"]

REST_FORWARD = np.array([0.0, -1.0, 0.0])


@dataclass
class RootPlan:
    """What :func:`apply_root` did: ``trajectory`` (K,3) armature-space horizontal path, ``heading``
    (K,) yaw in radians, ``ground`` world metres the clip moved up (negative: down)."""

    trajectory: np.ndarray
    heading: np.ndarray
    ground: float


def _yaw_matrix(up: np.ndarray, yaw: np.ndarray) -> np.ndarray:
    return rm.axis_angle_to_matrix(yaw[:, None] * up[None])


def hips_trajectory(track: PoseTrack, pose: np.ndarray, hips: int, smooth: float
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Horizontal path (K,3) and heading (K,) of the hips' pose matrices ``pose[:, hips]``."""
    up = track.up
    p = pose[:, hips, :3, 3]
    horizontal = p - np.outer(p @ up, up)
    delta = pose[:, hips, :3, :3] @ track.rest[hips, :3, :3].T       # world delta from rest
    fwd = delta @ REST_FORWARD
    ref = REST_FORWARD - (REST_FORWARD @ up) * up
    yaw = np.unwrap(np.arctan2(np.cross(ref, fwd) @ up, fwd @ ref))
    sigma = smooth * track.fps
    return _smooth_path(horizontal, sigma), _smooth_path(yaw, sigma)


def _smooth_path(x: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian smoothing along frames that keeps a steady walk's straight path straight to the clip's
    ends (odd reflection at the edges: point-mirrored, so a linear trend continues)."""
    if sigma <= 0 or len(x) < 2:
        return x.copy()
    r = int(np.ceil(3 * sigma))
    pad = np.pad(x, [(r, r)] + [(0, 0)] * (x.ndim - 1), mode="reflect", reflect_type="odd")
    return rm.gaussian_smooth(pad, sigma)[r:len(pad) - r]


def ground_shift(track: PoseTrack, pose: np.ndarray, feet, sole_offset: float) -> float:
    """World metres to move the clip up so the lowest of the ``feet`` bone heads over the clip, minus
    ``sole_offset``, lands on z = 0."""
    pts = pose[:, list(feet), :3, 3] @ track.world[:3, :3].T + track.world[:3, 3]
    return float(sole_offset - pts[..., 2].min())


def apply_root(track: PoseTrack, hips: str, settings: RootSettings, feet=(), root: str | None = None
               ) -> tuple[PoseTrack, RootPlan]:
    """New keys for ``hips`` (and ``root``, an ancestor of the hips, in ``in_place``/``root_motion``)
    per ``settings``. ``feet``: bone names whose heads define the ground. The hips keep their world
    path in ``world`` and ``root_motion`` (plus the ground shift)."""
    if settings.root_mode not in ROOT_MODES:
        raise ValueError(f"root motion mode must be one of {ROOT_MODES}, got {settings.root_mode!r}")
    h = track.index(hips)
    r = track.index(root) if root is not None else None
    if settings.root_mode == "root_motion" and r is None:
        raise ValueError("root motion needs a root bone above the hips; add one (the SMPL rig gets 'root')")
    if r is not None and r not in ancestors(track, h):
        raise ValueError(f"bone '{root}' is not an ancestor of the hips '{hips}'")
    pose = forward(track)
    up = track.up
    traj, yaw = hips_trajectory(track, pose, h, settings.root_smooth)
    lift = ground_shift(track, pose, [track.index(f) for f in feet], settings.sole_offset) \
        if settings.ground and len(feet) else 0.0
    want = pose[:, h].copy()                                         # the hips' wanted armature matrices
    want[:, :3, 3] += up * lift / track.world_scale
    out = track
    if settings.root_mode != "world" and r is not None:
        root_pose = np.repeat(track.rest[r][None], len(track.frames), 0)
        if settings.root_mode == "root_motion":
            turn = _yaw_matrix(up, yaw) if settings.root_heading else np.repeat(np.eye(3)[None], len(yaw), 0)
            root_pose[:, :3, :3] = turn @ root_pose[:, :3, :3]
            root_pose[:, :3, 3] = np.einsum("kij,j->ki", turn, root_pose[0, :3, 3]) + traj
        moved = pose.copy()
        moved[:, r] = root_pose
        q, loc = local_transforms(track, moved, [r])             # the root's own parent, if any, as keyed
        out = with_bones(out, [r], q, loc)
    if settings.root_mode == "in_place":
        want[:, :3, 3] -= traj
    if settings.root_mode != "world" or lift:
        now = forward(out)                                          # the root as keyed now
        now[:, h] = want
        q, loc = local_transforms(out, now, [h])
        out = with_bones(out, [h], q, loc)
    return out, RootPlan(traj, yaw, lift)
