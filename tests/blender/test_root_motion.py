"""Root-motion modes without Blender, on the SMPL key plan with a 'root' bone added above the pelvis."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from hkmr_blender.rig import transforms as rm
from hkmr_blender.importing.body import load_body_arrays, rest_joints_for
from hkmr_blender.rig.track import PoseTrack, forward
from hkmr_blender.root.plan import RootSettings, apply_root
from tests.blender.gait import walk
from tests.blender.test_feet import smpl_track

FEET = ("left_ankle", "right_ankle", "left_foot", "right_foot")


@pytest.fixture(scope="module")
def turning_walk():
    rest = rest_joints_for(load_body_arrays(), np.zeros(10))
    motion, _ = walk(rest, frames=120, slip=0.0, turn=0.6)
    return with_root(smpl_track(motion))


def with_root(track: PoseTrack) -> PoseTrack:
    """``track`` with a bone 'root' (rest at the origin, identity rotation) parenting the pelvis."""
    k = len(track.frames)
    rest = np.concatenate([np.eye(4)[None], track.rest])
    quat = np.concatenate([np.tile([1.0, 0, 0, 0], (k, 1, 1)), track.quat], 1)
    loc = np.concatenate([np.zeros((k, 1, 3)), track.loc], 1)
    parents = np.concatenate([[-1], np.where(track.parents < 0, 0, track.parents + 1)])
    return replace(track, names=["root"] + track.names, parents=parents, rest=rest, quat=quat, loc=loc)


def test_root_motion_moves_the_root_not_the_hips(turning_walk):
    track = turning_walk
    out, plan = apply_root(track, "pelvis", RootSettings(root_mode="root_motion"), root="root")
    before, after = forward(track), forward(out)
    np.testing.assert_allclose(after[:, 1:], before[:, 1:], atol=1e-9)     # every SMPL bone: same world pose
    root = after[:, 0]
    hips = before[:, 1, :3, 3]
    np.testing.assert_allclose(root[:, :3, 3], hips * [1, 1, 0], atol=1e-9)  # root under the hips, on the floor
    assert np.ptp(root[:, 0, 3]) + np.ptp(root[:, 1, 3]) > 1.0               # it travels (metres)
    np.testing.assert_allclose(root[:, 2, :3], [[0, 0, 1]] * len(root), atol=1e-9)   # pure yaw about +Z
    yaw = np.unwrap(np.arctan2(root[:, 1, 0], root[:, 0, 0]))
    np.testing.assert_allclose(yaw - yaw[0], 0.6 * np.arange(len(yaw)) / 30.0, atol=1e-6)  # the walk's turn
    # hips relative to the root: no horizontal travel left
    rel = np.einsum("kji,kj->ki", root[:, :3, :3], hips - root[:, :3, 3])
    assert np.abs(rel[:, :2]).max() < 1e-9


def test_in_place_and_smoothing(turning_walk):
    track = turning_walk
    before = forward(track)
    out, _ = apply_root(track, "pelvis", RootSettings(root_mode="in_place"), root="root")
    after = forward(out)
    np.testing.assert_allclose(after[:, 1, :3, 3], before[:, 1, :3, 3] * [0, 0, 1], atol=1e-9)  # height kept
    np.testing.assert_allclose(after[:, 1, :3, :3], before[:, 1, :3, :3], atol=1e-9)            # heading kept
    np.testing.assert_allclose(after[:, 0], np.repeat(np.eye(4)[None], len(after), 0), atol=1e-12)
    smooth, plan = apply_root(track, "pelvis", RootSettings(root_mode="in_place", root_smooth=0.5), root="root")
    sway = forward(smooth)[:, 1, :3, 3]
    # sway (and the corner the smoothed circle cuts, ~0.1 m on this 1.7 m-radius turn) stays; metres of
    # travel are gone
    assert 1e-3 < np.abs(sway[:, :2]).max() < 0.15 < np.ptp(before[:, 1, 0, 3])
    inner = slice(45, -45)                                                 # 3 sigma from the ends
    np.testing.assert_allclose(plan.trajectory[inner],
                               rm.gaussian_smooth(before[:, 1, :3, 3] * [1, 1, 0], 15.0)[inner], atol=1e-12)


def test_ground_and_world(turning_walk):
    track = turning_walk
    same, plan = apply_root(track, "pelvis", RootSettings(root_mode="world"), feet=FEET, root="root")
    np.testing.assert_array_equal(same.quat, track.quat)
    np.testing.assert_array_equal(same.loc, track.loc)
    out, plan = apply_root(track, "pelvis", RootSettings(ground=True, sole_offset=0.02), feet=FEET)
    feet = forward(out)[:, [track.index(f) for f in FEET], :3, 3]
    assert feet[..., 2].min() == pytest.approx(0.02, abs=1e-9)
    assert plan.ground > 0.5                                             # the rest pelvis sat at z = 0
    np.testing.assert_allclose(forward(out)[..., :2, 3], forward(track)[..., :2, 3], atol=1e-9)


def test_bad_settings(turning_walk):
    with pytest.raises(ValueError, match="needs a root bone"):
        apply_root(turning_walk, "pelvis", RootSettings(root_mode="root_motion"))
    with pytest.raises(ValueError, match="mode must be one of"):
        apply_root(turning_walk, "pelvis", RootSettings(root_mode="sideways"))
    with pytest.raises(ValueError, match="not an ancestor"):
        apply_root(turning_walk, "pelvis", RootSettings(root_mode="in_place"), root="left_hip")
