"""Finger IK (core/fitting/hands.py) on the open body's SMPL-H hand skeleton: known finger poses → 21 points with
noise (scaled, rotated, a gap without a hand) → the fit recovers the joint rotations; limits hold."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from core.body.model import load_body_model
from core.detect.hand_landmarks import HandLandmarks
from core.fitting import hands as fh
from core.geometry.rotations import axis_angle_to_matrix
from core.pipeline.hands import body_hand_skeleton

F = 16


@pytest.fixture(scope="module")
def skeleton():
    return body_hand_skeleton(load_body_model(None), np.zeros(10))


def _angles(rng, frames):
    """(frames, 20) smoothly varying angles inside the limits (10-90 % of each range)."""
    t = np.linspace(0, 1, frames)[:, None]
    a, b = rng.random(fh.NUM_ANGLES), rng.random(fh.NUM_ANGLES)
    return torch.tensor(fh.LOWER + (fh.UPPER - fh.LOWER) * (0.1 + 0.8 * (a * (1 - t) + b * t)), dtype=torch.float64)


def _clip(skeleton, seed=0):
    rng = np.random.default_rng(seed)
    world, image, truth = np.zeros((F, 2, 21, 3)), np.zeros((F, 2, 21, 2)), np.zeros((F, 2, 15, 3, 3))
    for side in (0, 1):
        local = fh.finger_rotations(_angles(rng, F), fh.joint_axes(skeleton, side))
        rv = rng.normal(size=3)
        orient = axis_angle_to_matrix(torch.tensor(2.0 * rv / np.linalg.norm(rv))).expand(F, 3, 3)
        pts = fh.hand_points(skeleton, side, local, orient).numpy()
        world[:, side] = 0.9 * pts + rng.normal(0, 0.002, pts.shape)  # another hand size, 2 mm noise
        image[:, side] = 600 * pts[..., :2] + [320, 240] + rng.normal(0, 1.0, pts[..., :2].shape)  # 1 px noise
        truth[:, side] = local.numpy()
    found = np.ones((F, 2), bool)
    found[6:9, 0] = False
    world[~found], image[~found] = 0.0, 0.0
    z = np.zeros
    return HandLandmarks(image.astype(np.float32), world.astype(np.float32), z((F, 2), np.float32), found,
                         z((F, 2, 4), np.float32), np.arange(F)), truth


def _geodesic_deg(a, b):
    rel = np.swapaxes(a, -1, -2) @ b
    return np.degrees(np.arccos(np.clip((np.trace(rel, axis1=-2, axis2=-1) - 1) / 2, -1, 1)))


def test_fit_recovers_finger_rotations(skeleton):
    """The IK itself: with clean points and the hand prior turned down it recovers any pose within the limits
    (the defaults' stronger pull to the relaxed hand and smoothing are for MediaPipe's noisy points; docs/hands.md)."""
    hands, truth = _clip(skeleton)
    fit = fh.fit_hands(skeleton, hands, smooth=0.3, prior=0.01, thumb_prior=1.0, coupling=0.0)
    assert fit.hand_pose.shape == (F, 90) and np.isfinite(fit.hand_pose).all()
    est = axis_angle_to_matrix(torch.tensor(fit.hand_pose.reshape(F, 2, 15, 3))).numpy()
    err = _geodesic_deg(truth, est)
    assert np.median(err[hands.found]) < 8.0, np.median(err[hands.found])  # measured ~5°
    assert np.median(err[6:9, 0]) < 15.0  # a 3-frame gap is bridged by smoothness
    assert np.nanmedian(fit.direction_error_deg) < 8.0
    assert np.isnan(fit.direction_error_deg[6:9, 0]).all()
    assert np.nanmedian(fit.reprojection_px) < 4.0  # hands ~100 px long, 1 px noise
    # a flat, unposed hand has zero finger rotations: the scale of the error is the pose's, not an offset
    assert np.median(np.linalg.norm(fit.hand_pose.reshape(F, 30, 3), axis=-1)) > 0.2


def test_landmark_order_matches_the_skeleton(skeleton):
    """Rest hand, identity: wrist at 0, fingertips further from the wrist than their knuckles."""
    eye = torch.eye(3, dtype=torch.float64)
    pts = fh.hand_points(skeleton, 0, eye.expand(15, 3, 3), eye).numpy()
    assert np.allclose(pts[0], 0)
    for mcp, tip in ((5, 8), (9, 12), (13, 16), (17, 20), (2, 4)):
        assert np.linalg.norm(pts[tip]) > np.linalg.norm(pts[mcp])
    # the left hand lies along +X (T-pose), thumb towards +Z (the body's front)
    assert pts[12, 0] > 0.12 and pts[4, 2] > pts[20, 2]


def test_flexion_bends_towards_the_palm(skeleton):
    """Positive flexion of the index MCP moves the fingertip to the palm side (-Y, palm down in the T-pose)."""
    for side in (0, 1):
        th = torch.zeros(1, fh.NUM_ANGLES, dtype=torch.float64)
        th[0, 0] = 1.0  # index MCP flexion
        eye = torch.eye(3, dtype=torch.float64)
        bent = fh.hand_points(skeleton, side, fh.finger_rotations(th, fh.joint_axes(skeleton, side)), eye[None])
        flat = fh.hand_points(skeleton, side, eye.expand(1, 15, 3, 3), eye[None])
        assert (bent - flat)[0, 8, 1] < -0.03


def test_wrists_take_the_fitted_hand_orientation():
    """A hand orientation built from a known wrist rotation is recovered exactly; a doubtful one (> 60° away)
    or a frame without a hand leaves the body's wrist alone."""
    from hkmr_blender.base.skeleton import SMPL_PARENTS
    rng = np.random.default_rng(2)
    n = 6
    rot = axis_angle_to_matrix(torch.tensor(rng.normal(0, 0.4, (n, 24, 3)))).numpy()
    want = axis_angle_to_matrix(torch.tensor(rng.normal(0, 0.3, (n, 3)))).numpy()  # true left wrist
    glob = np.empty_like(rot)
    for j, p in enumerate(SMPL_PARENTS):
        glob[:, j] = rot[:, j] if p < 0 else glob[:, p] @ rot[:, j]
    orient = np.stack([glob[:, 18] @ want, glob[:, 21]], axis=1)
    orient[3, 0] = glob[3, 18] @ rot[3, 20] @ axis_angle_to_matrix(torch.tensor([0.0, 0.0, 1.5])).numpy()  # 86°
    found = np.ones((n, 2), bool)
    found[4, 0] = False
    fit = fh.HandFit(np.zeros((n, 90)), orient, np.zeros((n, 2, 21, 3)), found, np.zeros((n, 2)),
                     np.zeros((n, 2, 21, 2)), np.zeros((n, 2)))
    out, done = fh.refine_wrists(rot, fit, SMPL_PARENTS)
    ok = np.array([True, True, True, False, False, True])
    np.testing.assert_array_equal(done[:, 0], ok)
    np.testing.assert_allclose(out[ok, 20], want[ok], atol=1e-9)
    np.testing.assert_array_equal(out[~ok, 20], rot[~ok, 20])
    np.testing.assert_allclose(out[:, 21], rot[:, 21], atol=1e-9)  # right hand = the body's own wrist already
    np.testing.assert_array_equal(np.delete(out, [20, 21], axis=1), np.delete(rot, [20, 21], axis=1))


def test_blocks_of_a_short_clip_are_the_one_fit(skeleton):
    """A clip of at most one block is one :func:`fit_hands` call, unchanged (a short clip's ``hkmr infer --hands``)."""
    hands, _ = _clip(skeleton)
    pieces = list(fh.fit_hand_blocks(skeleton, lambda a, b: hands.select(slice(a, b)), F, block=F, margin=2))
    whole = fh.fit_hands(skeleton, hands)
    assert [a for a, _ in pieces] == [0]
    for name in ("hand_pose", "orientation", "points", "found", "points2d"):
        np.testing.assert_array_equal(getattr(pieces[0][1], name), getattr(whole, name))


def test_blocks_cover_the_clip_and_agree_with_the_whole_fit(skeleton):
    """Blocks of 6 frames (the last 0.5–1.5×: [0, 6), [6, 12), [12, 16)) fitted with 2 more frames on each side and blended over
    the 4 they share: consecutive pieces covering every frame once, rotations that stay rotations, and the fingers
    and hands' orientations of the whole clip's fit within a few degrees (the same frames, each block's own
    smoothness and prior)."""
    hands, truth = _clip(skeleton)
    asked = []

    def read(a, b):
        asked.append((a, b))
        return hands.select(slice(a, b))

    pieces = list(fh.fit_hand_blocks(skeleton, read, F, block=6, margin=2))
    assert asked == [(0, 8), (4, 14), (10, 16)]
    assert [a for a, _ in pieces] == [0, 4, 10] and [len(p.found) for _, p in pieces] == [4, 6, 6]
    joined = fh.join_hand_fits([p for _, p in pieces])
    whole = fh.fit_hands(skeleton, hands)
    np.testing.assert_array_equal(joined.found, hands.found)
    o = joined.orientation
    np.testing.assert_allclose(o @ np.swapaxes(o, -1, -2), np.broadcast_to(np.eye(3), o.shape), atol=1e-9)
    est = axis_angle_to_matrix(torch.tensor(joined.hand_pose.reshape(F, 2, 15, 3))).numpy()
    ref = axis_angle_to_matrix(torch.tensor(whole.hand_pose.reshape(F, 2, 15, 3))).numpy()
    fingers = _geodesic_deg(est, ref)
    # measured (seeds 0-2): median 0.2-0.6°, max 2.1-8.6° (fingers); orientations median 0.2-0.4°, max ≤ 1.4°
    assert np.median(fingers) < 1.5 and fingers.max() < 20.0, (np.median(fingers), fingers.max())
    assert np.median(_geodesic_deg(joined.orientation, whole.orientation)) < 2.0
