"""Crops, CLIFF crop → full camera, world frame: checked against direct projections."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from core.body.model import load_body_model
from core.geometry.full_image_camera import crop_cam_to_full, default_focal_length
from core.inference.crops import box_from_points, crop, crop_to_image, full_frame_box, image_to_crop
from core.inference.world import to_world
from core.render import PinholeCamera, project


def test_crop_maps_points_where_crop_to_image_says():
    img = np.zeros((120, 160, 3), np.uint8)
    p = np.array([97.0, 40.0])
    img[40, 97] = 255
    box = np.array([90.0, 50.0, 64.0])
    c = crop(img, box, res=128)  # 2× magnification: the dot covers about 2×2 crop pixels
    ys, xs = np.nonzero(c[..., 0] > 60)
    n_dot = (2 * np.array([xs.mean(), ys.mean()]) + 1) / 128 - 1  # crop pixel → normalised
    np.testing.assert_allclose(crop_to_image(n_dot[None, None], box[None])[0, 0], p, atol=0.3)
    np.testing.assert_allclose(image_to_crop(crop_to_image(n_dot[None, None], box[None]), box[None])[0, 0], n_dot)


def test_full_frame_box_letterboxes_and_point_box():
    np.testing.assert_allclose(full_frame_box(640, 360), [319.5, 179.5, 640.0])
    box = box_from_points(np.array([[10, 20], [30, 80], [np.nan, 0]]), scale=1.0)
    np.testing.assert_allclose(box, [20, 50, 60])
    assert box_from_points(np.array([[1.0, 2.0]])) is None


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_cliff_matches_perspective_projection(seed):
    rng = np.random.default_rng(seed)
    w, h = 1280, 720
    f = default_focal_length(w, h)
    box = np.array([rng.uniform(200, 1000), rng.uniform(150, 550), rng.uniform(150, 400)])
    cam = np.array([rng.uniform(0.6, 1.1), rng.uniform(-0.2, 0.2), rng.uniform(-0.2, 0.2)])
    t = crop_cam_to_full(cam[None], box[None], w, h)[0]
    camera = PinholeCamera(f, f, (w - 1) / 2, (h - 1) / 2, w, h)
    # planar body (z = 0 relative): weak perspective is exact, so both must agree to rounding
    planar = np.c_[rng.uniform(-0.8, 0.8, (30, 2)), np.zeros(30)]
    weak_px = crop_to_image((cam[0] * (planar[:, :2] + cam[1:]))[None], box[None])[0]
    np.testing.assert_allclose(project(planar + t, camera)[0], weak_px, atol=1e-6)
    # a 3D body (±0.15 m depth): only the perspective depth effect remains, f·|p_xy|·dz / (Tz (Tz − dz))
    dz = rng.uniform(-0.15, 0.15, 30)
    err = np.linalg.norm(project(np.c_[planar[:, :2], dz] + t, camera)[0] - weak_px, axis=1)
    bound = f * np.linalg.norm(planar[:, :2] + t[:2], axis=1) * np.abs(dz) / (t[2] * (t[2] - np.abs(dz)))
    assert (err <= bound + 1e-6).all() and err.max() > 0


@pytest.fixture(scope="module")
def body(assets):
    return load_body_model(assets["body"])


def test_world_frame_round_trip_ground_and_up(body):
    rng = np.random.default_rng(0)
    n = 5
    rot = torch.eye(3).repeat(n, 24, 1, 1).numpy()
    flip = np.diag([1.0, -1.0, -1.0])  # upright in the camera (y down), facing it: SPIN's mean root
    turn = [np.array([[np.cos(a), 0, np.sin(a)], [0, 1, 0], [-np.sin(a), 0, np.cos(a)]]) for a in rng.normal(0, .3, n)]
    rot[:, 0] = [flip @ r for r in turn]
    rot[:, 18] = torch.linalg.matrix_exp(torch.tensor([[0, -.5, 0], [.5, 0, 0], [0, 0, 0.]])).numpy()
    betas = rng.normal(0, 1, 10)
    cam_t = np.c_[rng.normal(0, .3, (n, 2)), rng.uniform(4, 6, n)]
    valid = np.array([False, True, True, True, True])
    w = to_world(body, rot, betas, cam_t, valid)
    b = torch.as_tensor(betas, dtype=torch.float32)[None].expand(n, -1)
    cam_pts = body(torch.as_tensor(rot, dtype=torch.float32), b).vertices.double().numpy() + cam_t[:, None]
    world_pts = body(torch.as_tensor(w.rotmats, dtype=torch.float32), b,
                     torch.as_tensor(w.trans, dtype=torch.float32)).vertices.double().numpy()
    np.testing.assert_allclose(world_pts @ w.cam_R.T + w.cam_t, cam_pts, atol=1e-4)
    assert abs(world_pts[1, :, 1].min()) < 1e-5          # feet on the ground at the first valid frame
    joints = body(torch.as_tensor(w.rotmats, dtype=torch.float32), b, torch.as_tensor(w.trans, dtype=torch.float32)).joints
    np.testing.assert_allclose(joints[1, 0, [0, 2]].numpy(), 0, atol=1e-5)  # pelvis above the origin
    assert (joints[:, 15, 1] > joints[:, 0, 1] + 0.3).all()  # head above pelvis: Y is up
    cam_origin = torch.as_tensor(cam_t)
    with pytest.raises(ValueError, match="no valid frame"):
        to_world(body, rot, betas, cam_origin.numpy(), np.zeros(n, bool))


def test_world_frame_from_the_fitted_floor_undoes_a_tilted_camera(body):
    from core.fitting.contacts import Floor
    n = 3
    rot_w = torch.eye(3).repeat(n, 24, 1, 1)
    betas = torch.zeros(1, 10)
    t_w = torch.tensor([[0.2, 0.95, -0.3], [0.25, 0.96, -0.2], [0.3, 0.95, -0.1]])
    pitch = 0.3  # the phone looks down by 17°
    c, s = np.cos(pitch), np.sin(pitch)
    cam_r = np.array([[1, 0, 0], [0, c, -s], [0, s, c]]) @ np.diag([1.0, -1.0, -1.0])
    cam_off = np.array([0.0, 0.5, 5.0])
    j0 = body.rest_joints(betas)[0, 0].double().numpy()
    rot_c = rot_w.double().numpy().copy()
    rot_c[:, 0] = cam_r @ rot_c[:, 0]
    cam_t = (j0 + t_w.double().numpy()) @ cam_r.T + cam_off - j0
    normal = cam_r @ np.array([0.0, 1.0, 0.0])
    w = to_world(body, rot_c, betas[0].numpy(), cam_t, np.ones(n, bool), floor=Floor(normal, -normal @ cam_off, True))
    got = body.joints(torch.as_tensor(w.rotmats, dtype=torch.float32), betas.expand(n, -1),
                      torch.as_tensor(w.trans, dtype=torch.float32)).numpy()
    true = body.joints(rot_w, betas.expand(n, -1), t_w).numpy()
    np.testing.assert_allclose(got[..., 1], true[..., 1], atol=1e-4)  # heights above the floor: float32 FK
    np.testing.assert_allclose(got - got[:1, :1], true - true[:1, :1], atol=1e-4)  # the same walk, up to the origin
