"""BlazePose's facing bias undone (:mod:`core.fitting.facing`), on real motion: CMU subject 7's walk 007_01
(tests/data/mocap/007_01_walk.npz, the open body fitted to the capture; Y-up world, 30 fps; credit mocap.cs.cmu.edu,
NSF EIA-0196217) seen by cameras all round it, its 33 landmark points in each camera's axes as BlazePose's world
landmarks are (hip-centred)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from core.body.landmark_points import landmark_points
from core.fitting.facing import FACING_DEG, facing_angle, turn_about_camera_up, unbias_facing
from core.fitting.terms import HIPS
from core.geometry.rotations import axis_angle_to_matrix

CLIP = Path(__file__).resolve().parents[2] / "data" / "mocap" / "007_01_walk.npz"
FLIP = np.diag([1.0, -1.0, -1.0])  # SMPL Y-up → a camera looking along the world's −Z (OpenCV y down, z forward)


def _yaw(deg: float) -> np.ndarray:
    a = np.radians(deg)
    return np.array([[np.cos(a), 0, np.sin(a)], [0, 1, 0], [-np.sin(a), 0, np.cos(a)]])


@pytest.fixture(scope="module")
def walk(open_body):
    """→ world landmark points (F,33,3), Y-up, hip-centred; the root's forward (F,3) in the world."""
    d = np.load(CLIP)
    rot = axis_angle_to_matrix(torch.as_tensor(d["poses"].reshape(-1, 24, 3), dtype=torch.float32))
    with torch.no_grad():
        pts = landmark_points(open_body, rot, torch.as_tensor(d["betas"], dtype=torch.float32)[None].expand(len(rot), -1))
    pts = pts.double().numpy()
    return pts - pts[:, list(HIPS)].mean(1, keepdims=True), rot[:, 0, :, 2].double().numpy()


def _seen(points: np.ndarray, forward: np.ndarray, azimuth: float):
    """The walk turned so that its mean facing is ``azimuth`` degrees from the camera (positive: towards the camera's
    right), in camera axes → (points (F,33,3), the root's forward angle (F,) degrees from the camera, same sign)."""
    mean = np.degrees(np.arctan2(forward[:, 0].mean(), forward[:, 2].mean()))
    # a body facing the world's +Z faces this camera (which looks along −Z): turn its heading by azimuth − mean
    turn = FLIP @ _yaw(azimuth - mean)
    cam_pts = np.einsum("ij,fnj->fni", turn, points)
    f = np.einsum("ij,fj->fi", turn, forward)
    return cam_pts, np.degrees(np.arctan2(f[:, 0], -f[:, 2]))


@pytest.mark.parametrize("azimuth", [0.0, 45.0, -90.0, 135.0, 180.0])
def test_facing_angle_is_where_the_real_walk_faces(walk, azimuth):
    pts, fwd = walk
    cam_pts, truth = _seen(pts, fwd, azimuth)
    assert abs(np.median((truth - azimuth + 180.0) % 360.0 - 180.0)) < 3.0
    d = (np.degrees(facing_angle(cam_pts)) - truth + 180.0) % 360.0 - 180.0
    # the hip line's normal swings with the gait about the root's forward: within ±15°, ~0 on average
    assert np.abs(d).max() < 15.0 and abs(np.median(d)) < 4.0, (np.abs(d).max(), np.median(d))


def test_turn_about_camera_up_turns_the_facing_rigidly(walk):
    pts, fwd = walk
    cam_pts, _ = _seen(pts, fwd, 60.0)
    angle = np.linspace(-0.5, 0.5, len(cam_pts))
    out = turn_about_camera_up(cam_pts, angle)
    d = (facing_angle(out) - facing_angle(cam_pts) + np.pi) % (2 * np.pi) - np.pi
    np.testing.assert_allclose(d, angle, atol=1e-9)
    np.testing.assert_allclose(out[:, list(HIPS)].mean(1), cam_pts[:, list(HIPS)].mean(1), atol=1e-12)
    np.testing.assert_allclose(out[..., 1], cam_pts[..., 1], atol=1e-12)   # about the camera's up: heights stay
    dist = lambda p: np.linalg.norm(p[:, :, None] - p[:, None], axis=-1)  # noqa: E731
    np.testing.assert_allclose(dist(out), dist(cam_pts), atol=1e-9)


@pytest.mark.parametrize("azimuth", [-120.0, -90.0, -60.0, 70.0, 100.0, 150.0])
def test_a_detector_like_bias_is_undone(walk, azimuth):
    """BlazePose's measured bias (the facing pulled towards the camera, most side-on) put on the real walk comes back
    off: the facing error shrinks to a third or less."""
    pts, fwd = walk
    cam_pts, _ = _seen(pts, fwd, azimuth)
    biased = turn_about_camera_up(cam_pts, -np.radians(FACING_DEG) * np.sin(facing_angle(cam_pts)))
    found = np.ones(len(pts), bool)
    fixed = unbias_facing(biased, found)
    err = lambda p: np.abs((facing_angle(p) - facing_angle(cam_pts) + np.pi) % (2 * np.pi) - np.pi)  # noqa: E731
    before, after = np.degrees(err(biased)).mean(), np.degrees(err(fixed)).mean()
    assert before > 0.5 * FACING_DEG * abs(np.sin(np.radians(azimuth)))
    assert after < before / 3 + 0.3, (before, after)


def test_frontal_and_back_views_and_lost_frames_stay(walk):
    pts, fwd = walk
    for azimuth in (0.0, 180.0):
        cam_pts, _ = _seen(pts, fwd, azimuth)
        out = unbias_facing(cam_pts, np.ones(len(pts), bool))
        d = np.abs((facing_angle(out) - facing_angle(cam_pts) + np.pi) % (2 * np.pi) - np.pi)
        assert np.degrees(d).max() < FACING_DEG * np.sin(np.radians(15.0)) + 0.1   # the gait's swing only
    cam_pts, _ = _seen(pts, fwd, 90.0)
    world = cam_pts.astype(np.float32)
    found = np.ones(len(world), bool)
    found[10:20] = False
    world[~found] = 0.0                                     # BlazePose's frames without a person hold zeros
    out = unbias_facing(world, found)
    assert out.dtype == np.float32 and np.all(out[~found] == 0.0)
    assert np.degrees(np.abs(facing_angle(out[found]) - facing_angle(world[found]))).min() > 0.5 * FACING_DEG
    assert unbias_facing(world, found, 0.0) is world


def test_the_fit_faces_where_the_walker_faces_with_biased_landmarks(open_body):
    """The real walk side-on at 5 m (facing 90° from the camera), its 3D landmarks turned towards the camera as
    BlazePose's are (its measured 15° at side-on): the fit with the default turn is off by less in facing than the fit
    that follows the biased landmarks (``facing_deg=0``), and its 2D error stays as low — with the 3D term on the
    landmarks' positions (the setting the turn was chosen with, experiments "Moving camera, part 5") and with the
    default torso directions (part 7), which follow the landmarks' heading more fully."""
    from dataclasses import replace

    from core.detect.simulated import DetectorNoise, simulate_landmarks
    from core.fitting.clip import ClipFitConfig, fit_clip
    from core.fitting.full_camera import FullCamera

    d = np.load(CLIP)
    n = 30
    rot = axis_angle_to_matrix(torch.as_tensor(d["poses"][:n].reshape(-1, 24, 3), dtype=torch.float64)).numpy()
    fwd = rot[:, 0, :, 2]
    turn = FLIP @ _yaw(90.0 - np.degrees(np.arctan2(fwd[:, 0].mean(), fwd[:, 2].mean())))
    rot[:, 0] = np.einsum("ij,fjk->fik", turn, rot[:, 0])              # root in the camera frame, side-on
    trans = np.einsum("ij,fj->fi", turn, d["trans"][:n] - d["trans"][:n].mean(0)) + [0.0, 0.2, 5.0]
    size = (640, 480)
    cam = FullCamera.for_image(*size)
    lm = simulate_landmarks(open_body, torch.as_tensor(rot), torch.as_tensor(d["betas"]), torch.as_tensor(trans), cam,
                            size, 30.0, noise=DetectorNoise(outlier_rate=0.0, dropout_rate=0.0), seed=1)
    truth = facing_angle(lm.world)
    biased = turn_about_camera_up(lm.world, -np.radians(15.0) * np.sin(truth)).astype(np.float32)
    lm = replace(lm, world=biased)
    default = ClipFitConfig(window=20, overlap=5, start_iterations=20, iterations=30, lock_iterations=0)
    positions = replace(default, w_torso_dir=0.0, w3d_torso=1.0)

    def facing_errors(cfg):
        errs, reproj = {}, {}
        with torch.no_grad():
            for deg in (0.0, FACING_DEG):
                fit = fit_clip(open_body, lm, cfg=replace(cfg, facing_deg=deg))
                pts = landmark_points(open_body, torch.as_tensor(fit.rotmats, dtype=torch.float32),
                                      torch.as_tensor(fit.betas, dtype=torch.float32)[None].expand(n, -1))
                e = (facing_angle(pts.double().numpy()) - truth + np.pi) % (2 * np.pi) - np.pi
                errs[deg], reproj[deg] = np.degrees(e.mean()), np.nanmedian(fit.reprojection)
        return errs, reproj

    # facing +90°: a negative error is a body turned towards the camera. Measured with the landmark positions: −8.1° →
    # +4.1° (2D exact here, so the fit follows the 3D a little less than on real footage, where it is the −13…−15° of
    # docs/experiments.md); with the torso's directions −9.0° → +6.4°: the turn, made for a fit that followed ~60 %
    # of it, over-turns this exactly-15° bias (on the choosing renders 25° stayed best with it, part 7 section 4)
    for cfg, ratio in ((positions, 0.6), (default, 0.8)):
        errs, reproj = facing_errors(cfg)
        assert errs[0.0] < -5.0, errs                          # the fit follows the biased landmarks
        assert abs(errs[FACING_DEG]) < ratio * abs(errs[0.0]), errs
        assert reproj[FACING_DEG] < 1.1 * reproj[0.0], reproj  # and the 2D agrees as well as before


def test_a_3d_without_blazepose_bias_is_not_turned(open_body):
    """The turn undoes BlazePose's bias; on a 3D that has none (the world lifter's, ``world_from`` "lifter") it would
    add one. The real walk side-on with its true 3D: flagged as BlazePose's, the default fit turns the body away from
    the camera by several degrees; flagged as the lifter's, the fit is the one without the turn, and faces where the
    walker faces."""
    from dataclasses import replace

    from core.detect.simulated import DetectorNoise, simulate_landmarks
    from core.fitting.clip import ClipFitConfig, fit_clip

    d = np.load(CLIP)
    n = 30
    rot = axis_angle_to_matrix(torch.as_tensor(d["poses"][:n].reshape(-1, 24, 3), dtype=torch.float64)).numpy()
    fwd = rot[:, 0, :, 2]
    turn = FLIP @ _yaw(90.0 - np.degrees(np.arctan2(fwd[:, 0].mean(), fwd[:, 2].mean())))
    rot[:, 0] = np.einsum("ij,fjk->fik", turn, rot[:, 0])
    trans = np.einsum("ij,fj->fi", turn, d["trans"][:n] - d["trans"][:n].mean(0)) + [0.0, 0.2, 5.0]
    from core.fitting.full_camera import FullCamera
    lm = simulate_landmarks(open_body, torch.as_tensor(rot), torch.as_tensor(d["betas"]), torch.as_tensor(trans),
                            FullCamera.for_image(640, 480), (640, 480), 30.0,
                            noise=DetectorNoise(outlier_rate=0.0, dropout_rate=0.0), seed=1)
    truth = facing_angle(lm.world)
    cfg = ClipFitConfig(window=20, overlap=5, start_iterations=20, iterations=30, lock_iterations=0)

    def fitted(landmarks, c):
        fit = fit_clip(open_body, landmarks, cfg=c)
        with torch.no_grad():
            pts = landmark_points(open_body, torch.as_tensor(fit.rotmats, dtype=torch.float32),
                                  torch.as_tensor(fit.betas, dtype=torch.float32)[None].expand(n, -1))
        e = (facing_angle(pts.double().numpy()) - truth + np.pi) % (2 * np.pi) - np.pi
        return fit, float(np.degrees(e.mean()))

    lifted = replace(lm, world_from="lifter")
    fit, err = fitted(lifted, cfg)
    plain, _ = fitted(lifted, replace(cfg, facing_deg=0.0))
    np.testing.assert_array_equal(fit.rotmats, plain.rotmats)  # no turn at all
    _, turned = fitted(lm, cfg)                                 # the same 3D taken for BlazePose's: turned away
    assert abs(err) < 5.0 and turned > err + 8.0, (err, turned)  # measured 3.1° and 18.8°
    with pytest.raises(ValueError, match="world_from must be one of"):  # a misspelt source is not taken for one
        fit_clip(open_body, replace(lm, world_from="lifted"), cfg=cfg)
