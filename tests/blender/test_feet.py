"""Feet pinning math without Blender: pose-track FK, two-bone IK, contact detection, pinning a sliding walk."""
from __future__ import annotations

import numpy as np
import pytest

from hkmr_blender.rig import transforms as rm
from hkmr_blender.base.skeleton import SMPL_JOINT_NAMES, SMPL_PARENTS
from hkmr_blender.importing.body import load_body_arrays, rest_joints_for
from hkmr_blender.feet.pin import (SMPL_LEGS, FootSettings, contact_spans, contact_travel, detect_contacts,
                               flags_at_times, pin_feet, pin_targets, pin_weights, two_bone_ik)
from hkmr_blender.importing.plan import KeyOptions, plan_keys
from hkmr_blender.rig.track import PoseTrack, forward, local_transforms
from tests.blender.gait import walk
from tests.blender.reference_fk import forward_kinematics


@pytest.fixture(scope="module")
def rest_joints():
    return rest_joints_for(load_body_arrays(), np.zeros(10))   # the shipped open body (real proportions)


def smpl_track(motion, rest_rot=None) -> PoseTrack:
    """A PoseTrack of the SMPL armature keyed by the importer's key plan (bone rests: heads on the joints,
    rotations ``rest_rot`` (24,3,3), identity by default)."""
    rest_rot = np.repeat(np.eye(3)[None], 24, 0) if rest_rot is None else rest_rot
    plan = plan_keys(motion, rest_rot, KeyOptions(fps=motion.fps, resample=False))
    rest = np.repeat(np.eye(4)[None], 24, 0)
    rest[:, :3, :3] = rest_rot
    rest[:, :3, 3] = motion.rest_joints @ rm.C_Y_TO_Z.T
    loc = np.zeros(plan.quats.shape[:2] + (3,))
    loc[:, 0] = plan.root_loc
    return PoseTrack(list(SMPL_JOINT_NAMES), np.array(SMPL_PARENTS), rest, plan.frames, plan.quats, loc,
                     fps=motion.fps)


def heads(track):
    return forward(track)[..., :3, 3]


def test_forward_matches_smpl_fk_for_any_rest_rotation(rest_joints):
    motion, _ = walk(rest_joints, frames=40, turn=0.8)
    ref, _ = forward_kinematics(motion.poses, motion.trans, rest_joints)
    rng = np.random.default_rng(3)
    rest_rot = rm.axis_angle_to_matrix(rng.normal(0, 1.5, (24, 3)))      # foreign bone axes and rolls
    for rr in (None, rest_rot):
        track = smpl_track(motion, rr)
        np.testing.assert_allclose(heads(track), ref @ rm.C_Y_TO_Z.T, atol=1e-9)   # float64 FK, same math
        q, loc = local_transforms(track, forward(track), range(24))         # and the inverse
        np.testing.assert_allclose(np.abs(np.sum(q * track.quat, -1)), 1.0, atol=1e-9)
        np.testing.assert_allclose(loc, track.loc, atol=1e-9)


def test_two_bone_ik_reaches_keeps_lengths_and_bend_plane():
    rng = np.random.default_rng(0)
    k = 200
    hip = rng.normal(0, 0.1, (k, 3))
    knee = hip + rm.axis_angle_to_matrix(rng.normal(0, 0.5, (k, 3))) @ [0, 0, -0.42]
    bend = rm.axis_angle_to_matrix(rng.normal(0, 0.6, (k, 3)))
    ankle = knee + np.einsum("kij,j->ki", bend, [0, 0, -0.40])
    toe = ankle + [0, -0.12, -0.05]
    target = ankle + rng.normal(0, 0.03, (k, 3))
    reach = np.linalg.norm(target - hip, axis=-1) < 0.82 * (1 - 1e-5)
    d1, d2, new_knee, reached = two_bone_ik(hip, knee, ankle, target, toe)
    np.testing.assert_allclose(reached[reach], target[reach], atol=1e-9)
    np.testing.assert_allclose(np.linalg.norm(new_knee - hip, axis=-1), 0.42, atol=1e-9)
    np.testing.assert_allclose(np.linalg.norm(reached - new_knee, axis=-1), 0.40, atol=1e-9)
    # the thigh rotation moves the knee where the IK put it; the shin then turns about the hinge only
    np.testing.assert_allclose(hip + np.einsum("kij,kj->ki", d1, knee - hip), new_knee, atol=1e-9)
    normal = np.cross(new_knee - hip, reached - hip)
    normal /= np.linalg.norm(normal, axis=-1, keepdims=True)
    axis = rm.matrix_to_axis_angle(d2)
    big = np.linalg.norm(axis, axis=-1) > 1e-6
    cos = np.abs(np.sum(axis[big] * normal[big], -1)) / np.linalg.norm(axis[big], axis=-1)
    np.testing.assert_allclose(cos, 1.0, atol=1e-6)                    # hinge axis ∥ the leg-plane normal
    # the new knee lies in the plane through hip, target and the original knee
    plane = np.cross(target - hip, knee - hip)
    plane /= np.linalg.norm(plane, axis=-1, keepdims=True)
    assert np.abs(np.sum((new_knee - hip) * plane, -1))[reach].max() < 1e-9


def test_spans_weights_and_resampled_flags():
    flags = np.array([0, 1, 1, 1, 0, 0, 0, 0, 0, 1, 1, 0], bool)
    assert contact_spans(flags) == [(1, 3), (9, 10)]
    w = pin_weights(flags, 2)
    assert np.all(w[flags] == 1.0) and w[6] == 0.0 and 0 < w[5] < w[4] < 1 and 0 < w[7] < w[8] < 1
    t = np.arange(5) / 10.0
    assert flags_at_times(t, [0, 1, 0, 0, 1], np.array([0.0, 0.06, 0.14, 0.31, 0.4])).tolist() == \
        [False, True, True, False, True]


def test_pin_ramps_keep_the_swinging_foot_on_its_own_path():
    """Before a span the ankle's goal is its animated path moved by the span's correction at the span's first
    frame, eased in (after it: at its last frame); inside the span the span's mean. A foot swinging in at
    10 cm/frame is not pulled towards its landing spot ahead of time (blending towards the span's mean moved it
    up to 10 cm off its path here, out of a leg's reach a few frames before heel strike: the knee snapped
    straight, issue 20)."""
    flags = np.zeros(16, bool)
    flags[6:10] = True
    ankle = np.zeros((16, 3))
    ankle[:6, 0] = np.arange(6) * 0.1 - 0.6                   # swing in, 10 cm a frame
    ankle[6:10, 0] = [-0.02, -0.01, 0.0, 0.01]                 # a slipping stance (mean −5 mm)
    ankle[10:, 0] = np.arange(6) * 0.1 + 0.1                   # swing out
    ankle[:, 2] = 0.08
    goals = pin_targets(ankle, flags, 3)
    w = pin_weights(flags, 3)[:, None]
    mean = ankle[6:10].mean(0)
    np.testing.assert_allclose(goals[6:10], np.tile(mean, (4, 1)), atol=1e-12)
    np.testing.assert_allclose(goals[:6], ankle[:6] + w[:6] * (mean - ankle[6]), atol=1e-12)
    np.testing.assert_allclose(goals[10:], ankle[10:] + w[10:] * (mean - ankle[9]), atol=1e-12)
    np.testing.assert_array_equal(goals[w[:, 0] == 0], ankle[w[:, 0] == 0])     # outside the ramps: untouched
    assert np.linalg.norm(goals - ankle, axis=-1).max() <= 0.015 + 1e-12          # ≤ the edge correction
    assert pin_targets(ankle, np.zeros(16, bool), 3) is not ankle


def test_a_sole_set_on_the_floor_is_eased_in_and_out_over_the_ramps_too():
    """The retarget plants the ankle where the sole sits on the floor (``planted``: the path lifted or lowered inside
    the spans). That lift is part of the span's correction: the ramps ease it in and out with the pin. Eased against
    the lifted path instead, the goal dropped by the whole lift in one frame at the span's end — 5–7 cm on the real
    walk's first stance, a 22.9° knee pop on the Mixamo rig (tests/blender/test_e2e_real_motion.py, issue 20)."""
    flags = np.zeros(16, bool)
    flags[:5] = True                                           # a stance at the clip's start, as on the real walk
    ankle = np.zeros((16, 3))
    ankle[5:, 0] = np.arange(11) * 0.05                        # then the foot swings off, 5 cm a frame
    lift = np.where(flags, 0.06, 0.0)
    planted = ankle + lift[:, None] * [0.0, 0.0, 1.0]
    goals = pin_targets(ankle, flags, 3, planted=planted)
    w = pin_weights(flags, 3)[:, None]
    np.testing.assert_allclose(goals[:5], np.tile(planted[:5].mean(0), (5, 1)), atol=1e-12)
    np.testing.assert_allclose(goals[5:], ankle[5:] + w[5:] * (planted[:5].mean(0) - ankle[4]), atol=1e-12)
    off = goals - ankle                                        # the pin's correction of the path, frame by frame
    assert np.abs(np.diff(off[:, 2])).max() <= 0.06 * np.abs(np.diff(w[:, 0])).max() + 1e-12  # eased, no drop
    assert off[-1, 2] == 0.0                                   # and gone after the ramp


def test_detects_the_stance_phases(rest_joints):
    motion, stance = walk(rest_joints, frames=150, slip=0.0)
    pose = heads(smpl_track(motion))
    s = FootSettings()
    for leg, (ankle, toe) in enumerate(((7, 10), (8, 11))):
        found = detect_contacts(pose[:, ankle], pose[:, toe], motion.fps, s)
        inter, union = np.sum(found & stance[:, leg]), np.sum(found | stance[:, leg])
        spans = len(contact_spans(stance[:, leg]))
        assert found[~stance[:, leg]].sum() <= 2 * spans                 # never in swing but at span edges
        assert inter / union > 0.75, (leg, inter / union)                # most of each stance found


def test_pin_feet_plants_sliding_feet(rest_joints):
    motion, stance = walk(rest_joints, frames=150, slip=0.03)
    track = smpl_track(motion)
    before = heads(track)
    pinned, report = pin_feet(track, SMPL_LEGS, FootSettings(pin_feet=True, blend_frames=4), contacts=stance)
    after = heads(pinned)
    for leg, ankle in enumerate((7, 8)):
        assert contact_travel(before[:, ankle], stance[:, leg]) > 0.02        # it slid by centimetres
        assert contact_travel(after[:, ankle], stance[:, leg]) < 2e-3         # the goal: < 2 mm
    assert report.travel_after.max() < 2e-3 and report.out_of_reach.sum() == 0
    np.testing.assert_allclose(report.travel_after, [contact_travel(after[:, a], stance[:, i])
                                                     for i, a in enumerate((7, 8))], atol=1e-9)
    # the upper body only moved down (where a pinned leg was too short), rigidly, by <= max_hip_drop;
    # the feet keep their world orientation; bones keep their lengths
    upper = [0, 3, 6, 9, 12, 15, 20, 21]
    shift = after[:, upper] - before[:, upper]
    np.testing.assert_allclose(shift[..., :2], 0, atol=1e-12)                   # float64 FK round-off
    np.testing.assert_allclose(shift[..., 2], shift[:, :1, 2].repeat(len(upper), 1), atol=1e-12)
    assert 0.0 < -shift[:, 0, 2].min() <= 0.06 + 1e-9 and shift[:, 0, 2].max() <= 1e-12
    rot_b, rot_a = forward(track)[..., :3, :3], forward(pinned)[..., :3, :3]
    np.testing.assert_allclose(rot_a[:, [7, 8, 10, 11]], rot_b[:, [7, 8, 10, 11]], atol=1e-9)
    np.testing.assert_allclose(np.linalg.norm(after[:, 4] - after[:, 1], axis=-1),
                               np.linalg.norm(before[:, 4] - before[:, 1], axis=-1), atol=1e-9)
    # no knee pop: the knee's per-frame speed stays in the range of the original motion's
    speed = lambda p: np.linalg.norm(np.diff(p, axis=0), axis=-1).max()   # noqa: E731
    assert speed(after[:, 4]) < 1.5 * speed(before[:, 4])


def test_pin_feet_detects_contacts_when_none_given(rest_joints):
    motion, stance = walk(rest_joints, frames=150, slip=0.02, seed=1)
    track = smpl_track(motion)
    pinned, report = pin_feet(track, SMPL_LEGS, FootSettings(pin_feet=True))
    assert report.contacts.any(axis=0).all()
    assert np.all(report.travel_before > 0.01) and report.travel_after.max() < 2e-3
    after = heads(pinned)
    assert contact_travel(after[:, 7], report.contacts[:, 0]) < 2e-3


def test_pin_feet_bad_contacts_shape(rest_joints):
    motion, _ = walk(rest_joints, frames=20)
    with pytest.raises(ValueError, match="contacts have shape"):
        pin_feet(smpl_track(motion), SMPL_LEGS, FootSettings(pin_feet=True), contacts=np.zeros((20, 3), bool))


def test_leg_chains_from_typed_bone_names():
    from hkmr_blender.feet.pin import legs_from_bones
    from hkmr_blender.feet.settings import RigBones
    assert legs_from_bones(RigBones()) is None                          # none typed: SMPL names are used
    names = {f"{s}_{p}": f"{s}:{p}" for s in ("left", "right") for p in ("upper", "lower", "foot", "toe")}
    left, right = legs_from_bones(RigBones(**names))
    assert left.bones == ("left:upper", "left:lower", "left:foot", "left:toe") and right.toe == "right:toe"
    with pytest.raises(ValueError, match="empty: right_toe"):
        legs_from_bones(RigBones(**{**names, "right_toe": ""}))
