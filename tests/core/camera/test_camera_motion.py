"""Camera motion (issue 22): rotation from a rendered background with exact truth, static-camera detection, and
the camera's path from planted feet of a procedural walk seen by a trucking, panning camera."""
from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch

from core.camera.background import estimate_rotations, person_mask_boxes
from core.camera.path import camera_path_from_feet, to_reference
from core.render.room import room_background, room_textures

W, H, F = 480, 270, 24
K = np.array([[420.0, 0, W / 2], [0, 420.0, H / 2], [0, 0, 1]])
BOX = (-6.0, 6.0, -8.0, 4.0)


def _look(yaw: float, pitch: float, roll: float) -> np.ndarray:
    """World (Y up) → OpenCV camera looking along −Z turned by yaw (about up), pitch, roll."""
    base = np.diag([1.0, -1.0, -1.0])
    return cv2.Rodrigues(np.array([0, 0, roll]))[0] @ cv2.Rodrigues(np.array([pitch, 0, 0]))[0] @ base @ \
        cv2.Rodrigues(np.array([0, yaw, 0]))[0].T


def _frames(rotations, centre, tex):
    boxes = np.tile([W * 0.42, H * 0.2, W * 0.58, H * 0.95], (len(rotations), 1))
    frames = []
    for R in rotations:
        img = room_background(R, -R @ centre, K, W, H, tex, BOX)
        x0, y0, x1, y1 = boxes[0].astype(int)
        img[y0:y1, x0:x1] = np.random.default_rng(len(frames)).integers(0, 255, (y1 - y0, x1 - x0, 3))  # a "person"
        frames.append(img)
    return frames, boxes


@pytest.fixture(scope="module")
def tex():
    return room_textures(3)


def test_a_panning_shaking_camera_is_followed_to_a_fraction_of_a_degree(tex):
    g = np.random.default_rng(0)
    t = np.arange(F)
    rots = [_look(0.012 * k + 0.003 * g.normal(), -0.12 + 0.004 * np.sin(k), 0.05 + 0.002 * g.normal()) for k in t]
    frames, boxes = _frames(rots, np.array([0.0, 1.5, 0.0]), tex)
    est = estimate_rotations(iter(frames), K, boxes)
    assert not est.static and est.measured.all()
    truth = [R @ rots[0].T for R in rots]
    err = [np.degrees(np.linalg.norm(cv2.Rodrigues(a @ b.T)[0])) for a, b in zip(est.rotations, truth)]
    total = np.degrees(np.linalg.norm(cv2.Rodrigues(truth[-1])[0]))
    assert total > 15 and max(err) < 0.3, (total, max(err))


def test_a_camera_on_a_tripod_is_static(tex):
    R = _look(0.2, -0.1, 0.0)
    frames, boxes = _frames([R] * 8, np.array([0.5, 1.4, 0.0]), tex)
    est = estimate_rotations(iter(frames), K, boxes)
    assert est.static and np.median(est.motion_px[1:]) < 0.05


def test_person_boxes_fill_frames_without_a_person():
    boxes = np.array([[1, 1, 2, 2], [0, 0, 0, 0], [5, 5, 6, 6.0]])
    out = person_mask_boxes(boxes, np.array([True, False, True]), 4)
    np.testing.assert_array_equal(out[[0, 2, 3]], boxes[[0, 2, 2]])
    assert np.isfinite(out[1]).all()
    assert np.isnan(person_mask_boxes(boxes, np.zeros(3, bool), 3)).all()


def test_camera_path_from_the_planted_feet_of_a_walk():
    from core.body.model import load_body_model
    from core.geometry.rotations import axis_angle_to_matrix
    from tests.blender.gait import walk

    body = load_body_model(None)
    rest = body.rest_joints(torch.zeros(1, body.num_betas))[0].numpy()
    n, fps = 150, 30.0
    m, _ = walk(rest, frames=n, fps=fps, slip=0.0, turn=0.25, seed=2)
    rot = axis_angle_to_matrix(torch.as_tensor(np.asarray(m.poses).reshape(n, 24, 3), dtype=torch.float32))
    tr = torch.as_tensor(m.trans, dtype=torch.float32)
    with torch.no_grad():   # this procedural walk pins its ankles (its heels and toes rock): the ankles stand in
        ankles = body.joints(rot, torch.zeros(n, body.num_betas), tr)[:, [7, 8]]
        feet = ankles.double().numpy()
    pelvis = np.asarray(m.trans) + rest[0]
    # the camera trucks along at half the walker's pace, 5 m to the side, and pans to keep them centred
    centre = np.c_[pelvis[:, 0] * 0.5 + 5.0, np.full(n, 1.5), pelvis[:, 2] * 0.5]
    rots = []
    for c, p in zip(centre, pelvis):
        f = (p - c) / np.linalg.norm(p - c)
        r = np.cross(f, [0, 1.0, 0])
        r /= np.linalg.norm(r)
        rots.append(np.stack([r, np.cross(f, r), f]))
    rots = np.array(rots)
    feet_cam = np.einsum("fij,fnj->fni", rots, feet - centre[:, None])
    # the fit's typical error (bench: 7–13 cm depth std on rendered footage; a milder 5 cm here): the whole body shifts a few cm per frame, mostly in depth
    feet_cam += np.random.default_rng(0).normal(size=(n, 1, 3)) * [0.015, 0.015, 0.05]
    rel = np.einsum("fij,jk->fik", rots, rots[0].T)
    hips_cam = np.einsum("fij,fj->fi", rots, pelvis - centre)
    path, planted, floor = camera_path_from_feet(feet_cam, rel, np.ones(n, bool), fps, hips_cam)
    truth = (centre - centre[0]) @ rots[0].T
    err = np.linalg.norm(path.centres - truth, axis=1)
    travel = np.linalg.norm(truth[-1])
    assert travel > 1.5 and err.mean() < 0.3 and err[-1] < 0.15 * travel, (err.mean(), err[-1], travel)
    tilt = np.degrees(np.arccos(abs(float(floor.normal @ rots[0] @ [0, 1.0, 0]))))
    assert planted.mean() > 0.3 and tilt < 3.0, (planted.mean(), tilt)
    # planted points stay put in the world: over each contact span they drift by the fit's noise only, while
    # seen from the turned but untranslated camera they drift with the camera's travel
    turned = np.einsum("fji,fnj->fni", rel, feet_cam)
    world = to_reference(feet_cam, path)
    drift_w, drift_t = [], []
    for k in range(planted.shape[1]):
        d = np.diff(np.r_[0, planted[:, k].astype(int), 0])
        for a, b in zip(np.flatnonzero(d == 1), np.flatnonzero(d == -1)):
            if b - a >= 8:
                drift_w.append(np.linalg.norm((world[b - 1, k] - world[a, k])[[0, 2]]))
                drift_t.append(np.linalg.norm((turned[b - 1, k] - turned[a, k])[[0, 2]]))
    assert len(drift_w) >= 4 and np.median(drift_w) < 0.5 * np.median(drift_t), (drift_w, drift_t)


def _truck(tex, speed: float, pitch: float = 0.3):
    """A camera 1.5 m above the floor that pans by ~4° and trucks sideways at ``speed`` m/frame → (estimate, true
    rotations reference → t, true centres in the reference frame, up in the reference frame). ``pitch`` 0.3: much
    floor in view."""
    from core.camera.background import CameraMotionConfig

    rots = [_look(0.003 * k, pitch, 0.04) for k in range(F)]
    centres = np.array([[speed * k, 1.5, 0.0] for k in range(F)])
    frames = []
    for R, c in zip(rots, centres):
        frames.append(room_background(R, -R @ c, K, W, H, tex, BOX))
    boxes = np.full((F, 4), np.nan)
    est = estimate_rotations(iter(frames), K, boxes, CameraMotionConfig(), fps=16.0)   # key frames 8 apart
    rel = np.array([R @ rots[0].T for R in rots])
    return est, rel, (centres - centres[0]) @ rots[0].T, rots[0] @ [0, 1.0, 0]


def test_the_floor_gives_a_trucking_camera_its_travel_and_true_turn(tex):
    from core.camera.odometry import floor_odometry

    est, rel, truth, up = _truck(tex, 0.02)                        # 0.46 m sideways while turning 4°
    assert not est.static and not est.still[1:].any()
    assert len(est.key_pairs) >= 2
    odo = floor_odometry(est.key_pairs, est.rotations, up, np.full(F, -1.5))
    ok = np.isfinite(odo.steps[:, 0])
    assert odo.pairs[0] >= 2 and ok.sum() >= 16
    moved = np.nansum(odo.steps, axis=0)
    true_moved = truth[np.flatnonzero(ok)[-1]] - truth[np.flatnonzero(ok)[0] - 1]
    # measured: 0.41 of 0.46 m and 0.09 m off in all (floor tracks at a grazing view followed over 8 frames)
    assert np.linalg.norm(moved - true_moved) < 0.3 * np.linalg.norm(true_moved), (moved, true_moved)
    turn_err = lambda R: [np.degrees(np.linalg.norm(cv2.Rodrigues(a @ b.T)[0])) for a, b in zip(R, rel)]  # noqa: E731
    before, after = max(turn_err(est.rotations)), max(turn_err(odo.rotations))
    assert after < 0.5 * before, (before, after)       # the truck's parallax read as pan, taken back out


def test_a_camera_that_only_turns_is_found_standing(tex):
    # the view of the rotation test above (floor tiles seen steeply from pitch 0.3 leave >10 % of the long tracks
    # drifting by 1–12 px, which reads as parallax: a known limit of the 90 % quantile)
    est, *_ = _truck(tex, 0.0, pitch=-0.12)
    assert not est.static and est.still[1:].mean() > 0.9, est.parallax_px
