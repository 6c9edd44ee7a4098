"""Crops, flips and rotations agree between images, 2D keypoints, 3D joints and SMPL poses."""
from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch
from scipy.spatial.transform import Rotation

from core.geometry.rotations import axis_angle_to_matrix
from training.data.augment import AugParams, augment_joints3d, augment_pose
from core.geometry.crop import crop_image, crop_matrix, rotation_z, to_normalized, transform_points
from training.data.joints import J24_TO_SMPL, SMPL_FLIP_PERM, flip_pose, j24_to_smpl, smpl_to_j24


def test_crop_maps_the_box_onto_the_crop():
    m = crop_matrix(np.array([300.0, 200.0]), 1.5, 224)  # box side 300 px
    ends = transform_points(np.array([[300.0, 200.0], [150.0, 50.0], [450.0, 350.0]]), m)
    np.testing.assert_allclose(ends, [[111.5, 111.5], [-0.5, -0.5], [223.5, 223.5]], atol=1e-9)
    np.testing.assert_allclose(to_normalized(ends, 224), [[0, 0], [-1, -1], [1, 1]], atol=1e-9)
    with pytest.raises(ValueError, match="scale"):
        crop_matrix(np.zeros(2), 0.0, 224)


def test_flip_is_an_exact_mirror_of_normalised_coordinates():
    c, s = np.array([120.0, 90.0]), 0.8
    pts = np.random.default_rng(0).uniform(0, 200, (10, 2))
    a = to_normalized(transform_points(pts, crop_matrix(c, s, 64, rot=17)), 64)
    b = to_normalized(transform_points(pts, crop_matrix(c, s, 64, rot=17, flip=True)), 64)
    np.testing.assert_allclose(b, a * [-1, 1], atol=1e-12)


@pytest.mark.parametrize("rot,flip", [(0, False), (25, False), (-40, True), (90, True)])
def test_image_and_points_go_through_the_same_warp(rot, flip):
    img = np.zeros((200, 260), np.uint8)
    pt = np.array([150.0, 70.0])
    cv2.circle(img, (150, 70), 2, 255, -1)
    m = crop_matrix(np.array([130.0, 100.0]), 1.2, 128, rot, flip)
    crop = crop_image(img, m, 128).astype(float)
    ys, xs = np.nonzero(crop > 0)
    centroid = np.array([np.average(xs, weights=crop[ys, xs]), np.average(ys, weights=crop[ys, xs])])
    np.testing.assert_allclose(centroid, transform_points(pt[None], m)[0], atol=0.3)


def test_rotation_z_is_the_2d_rotation_the_crop_applies():
    m = crop_matrix(np.zeros(2), 1.0, 200, rot=30)
    lin = m[:, :2] / np.linalg.norm(m[:, 0])
    np.testing.assert_allclose(rotation_z(30)[:2, :2], lin, atol=1e-12)


def test_flip_pose_is_the_mirrored_rotation_per_joint():
    rng = np.random.default_rng(1)
    pose = rng.normal(0, 0.8, 72)
    out = flip_pose(pose)
    mirror = np.diag([-1.0, 1.0, 1.0])
    for j in range(24):
        r = Rotation.from_rotvec(pose[3 * SMPL_FLIP_PERM[j]:3 * SMPL_FLIP_PERM[j] + 3]).as_matrix()
        np.testing.assert_allclose(Rotation.from_rotvec(out[3 * j:3 * j + 3]).as_matrix(), mirror @ r @ mirror,
                                   atol=1e-9)
    np.testing.assert_allclose(flip_pose(out), pose, atol=1e-12)


def test_j24_mapping_moves_named_joints_and_round_trips():
    j24 = np.concatenate([np.random.default_rng(2).normal(size=(24, 2)), np.ones((24, 1))], 1)
    smpl = j24_to_smpl(j24)
    assert smpl[:, 2].sum() == len(J24_TO_SMPL)
    np.testing.assert_array_equal(smpl[8], j24[0])  # right ankle
    np.testing.assert_array_equal(smpl[16], j24[9])  # left shoulder
    assert smpl[3, 2] == 0 and smpl[22, 2] == 0  # spine1, left hand: no J24 counterpart
    back = smpl_to_j24(smpl)
    keys = sorted(J24_TO_SMPL)
    np.testing.assert_array_equal(back[keys], j24[keys])


@pytest.mark.parametrize("aug", [AugParams(rot=35.0), AugParams(flip=True), AugParams(flip=True, rot=-50.0)])
def test_augmented_pose_produces_the_augmented_3d_joints(open_body, aug):
    """pose and 3D joints are transformed consistently: SMPL(augment_pose(p)) == augment_joints3d(SMPL(p)).
    The flip part relies on the open body being left/right symmetric (to ~0.4 mm)."""
    rng = np.random.default_rng(3)
    pose = np.concatenate([[np.pi, 0, 0], rng.normal(0, 0.3, 69)])
    betas = torch.zeros(1, 10)

    def joints(p):
        out = open_body(axis_angle_to_matrix(torch.tensor(p, dtype=torch.float32).reshape(1, 24, 3)), betas)
        j = out.joints[0].numpy().astype(np.float64)
        return j - j[0]

    ref = augment_joints3d(np.concatenate([joints(pose), np.ones((24, 1))], 1), aug)[:, :3]
    np.testing.assert_allclose(joints(augment_pose(pose, aug)), ref, atol=2e-3)
