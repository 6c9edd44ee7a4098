"""The torso's bone-direction 3D term (terms.segment_directions) and its wiring into the clip fit."""
from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
import torch

from core.body.landmark_points import landmark_points
from core.body.poses import NEUTRAL_POSE
from core.detect.simulated import simulate_landmarks
from core.fitting.clip import ClipFitConfig, fit_clip
from core.fitting.facing import facing_angle, turn_about_camera_up
from core.fitting.full_camera import FullCamera
from core.fitting.terms import HIPS, SHOULDERS, landmarks_3d, robust_sq, segment_directions
from core.fitting.windows import inputs_digest
from core.geometry.rotations import axis_angle_to_matrix

SIZE = (640, 480)
CAM = FullCamera.for_image(*SIZE)


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _pose(yaw: torch.Tensor, n: int = 1) -> torch.Tensor:
    """(n,24,3,3): the neutral pose facing the camera (π about x), turned by ``yaw`` rad about the body's up."""
    body = axis_angle_to_matrix(torch.as_tensor(NEUTRAL_POSE[1:], dtype=torch.float32)).expand(n, 23, 3, 3)
    face = axis_angle_to_matrix(torch.tensor([[math.pi, 0.0, 0.0]]))
    c, s = torch.cos(yaw), torch.sin(yaw)
    z, o = torch.zeros_like(yaw), torch.ones_like(yaw)
    turn = torch.stack([torch.stack([c, z, s]), torch.stack([z, o, z]), torch.stack([-s, z, c])])  # about SMPL's +Y
    return torch.cat([(face @ turn)[None].expand(n, 1, 3, 3), body], 1)


def _points(body, rot):
    return landmark_points(body, rot, torch.zeros(len(rot), body.num_betas))


def test_the_term_turns_a_mis_headed_torso_towards_blazepose_direction(open_body):
    """BlazePose's torso faces 35° away; the body starts facing the camera: gradient steps on the body's yaw
    through the term alone bring it to BlazePose's heading (its landmarks 30 % larger: only directions count)."""
    target = _points(open_body, _pose(torch.tensor(math.radians(35.0))))
    target = 1.3 * (target - target[:, list(HIPS)].mean(1, keepdim=True))
    weight = torch.ones(1, 33)
    yaw = torch.zeros((), requires_grad=True)
    opt = torch.optim.LBFGS([yaw], max_iter=50, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        e = segment_directions(_points(open_body, _pose(yaw)), target, weight, 0.5)
        e.backward()
        return e
    start = closure().item()
    opt.step(closure)
    assert start > 1e-3
    assert abs(math.degrees(yaw.item()) - 35.0) < 1.0
    with torch.no_grad():  # at the truth the term is zero although BlazePose's landmarks are larger (proportions)
        at_truth = segment_directions(_points(open_body, _pose(torch.tensor(math.radians(35.0)))), target, weight, 0.5)
        pos = landmarks_3d(_points(open_body, _pose(torch.tensor(math.radians(35.0)))), target, weight, 0.5)
    assert float(at_truth) < 1e-8 < float(pos)


def test_the_term_weighs_a_segment_by_its_least_visible_end_and_ignores_the_limbs(open_body):
    pts = _points(open_body, _pose(torch.tensor(0.0)))
    world = _points(open_body, _pose(torch.tensor(0.6)))
    ones = torch.ones(1, 33)
    full = float(segment_directions(pts, world, ones, 0.5))
    limbs = ones.clone()
    limbs[:, [i for i in range(33) if i not in HIPS + SHOULDERS]] = 0.0
    assert float(segment_directions(pts, world, limbs, 0.5)) == pytest.approx(full, rel=1e-6)
    hidden = ones.clone()
    hidden[:, list(HIPS + SHOULDERS)] = 0.0
    assert float(segment_directions(pts, world, hidden, 0.5)) == 0.0
    one_hip = ones.clone()
    one_hip[:, HIPS[0]] = 0.0  # the hip line, the spine and the left hip's diagonal go; the shoulder line stays
    assert 0.0 < float(segment_directions(pts, world, one_hip, 0.5)) < full


def test_options_default_on_enter_the_windows_digest_and_are_checked():
    cfg = ClipFitConfig()  # the torso's heading from its directions, not its landmarks' positions (experiments part 7)
    assert cfg.w_torso_dir == 3.0 and cfg.w3d_torso == 0.0 and cfg.sigma_dir == 0.1
    assert inputs_digest(cfg) != inputs_digest(replace(cfg, w_torso_dir=1.0))
    assert inputs_digest(cfg) != inputs_digest(replace(cfg, w3d_torso=0.5))
    assert inputs_digest(cfg) != inputs_digest(replace(cfg, sigma_dir=0.2))
    assert cfg.w3d_depth == 0.5 and inputs_digest(cfg) != inputs_digest(replace(cfg, w3d_depth=1.0))
    for bad in ({"w_torso_dir": -1.0}, {"w3d_torso": -0.1}, {"sigma_dir": 0.0}, {"w3d_depth": -0.5}):
        with pytest.raises(ValueError, match="w_torso_dir, w3d_torso, w3d_depth ≥ 0 and sigma_dir > 0"):
            replace(cfg, **bad).validate()


def test_the_3d_terms_depth_weight_scales_only_the_cameras_z(open_body):
    """``landmarks_3d(…, depth_weight)``: BlazePose's depth is its worst axis (experiments, issue 20 session 8); a body
    whose landmarks are off only along the camera's z costs ``depth_weight`` times as much, one off only across it
    costs the same."""
    pts = _points(open_body, _pose(torch.tensor(0.2), 2))
    weight = torch.ones(pts.shape[:2])
    knee = torch.zeros_like(pts)
    knee[:, 25] = torch.tensor([0.0, 0.0, 0.04])        # the left knee 4 cm further from the camera
    side = torch.zeros_like(pts)
    side[:, 25] = torch.tensor([0.04, 0.0, 0.0])        # the same, sideways
    for w in (0.0, 0.5, 2.0):
        e_z = float(landmarks_3d(pts, pts + knee, weight, 0.5, depth_weight=w))
        e_x = float(landmarks_3d(pts, pts + side, weight, 0.5, depth_weight=w))
        e_x1 = float(landmarks_3d(pts, pts + side, weight, 0.5))
        assert e_x == pytest.approx(e_x1, rel=1e-6) and e_x > 0
        # two frames, one landmark off by 4 cm along z: the robust term of w · (4 cm)²
        assert e_z == pytest.approx(2 * float(robust_sq(torch.tensor(w * 0.04 ** 2), 0.5)), rel=1e-4, abs=1e-12)
    assert e_x == pytest.approx(2 * float(robust_sq(torch.tensor(0.04 ** 2), 0.5)), rel=1e-4)


def test_the_fit_follows_the_torso_directions_only_when_the_term_is_on(open_body):
    """The start's per-frame 3D fit (no 2D term), from the true rotations, with BlazePose's landmarks turned 20°
    and the landmark term off: only the direction term turns the fitted body towards them."""
    n = 6
    rot = _pose(torch.tensor(0.3), n)
    lm = simulate_landmarks(open_body, rot, torch.zeros(open_body.num_betas), torch.tensor([0.0, 0.1, 3.5]).repeat(n, 1),
                            CAM, SIZE, 30.0, noise=None)
    lm.world = turn_about_camera_up(lm.world, np.full(n, math.radians(20.0))).astype(np.float32)
    cfg = ClipFitConfig(w3d=0.0, facing_deg=0.0, iterations=0, lock_iterations=0, output_smoothing=0.0,
                        network_start_iterations=40, w_torso_dir=0.0, w3d_torso=1.0)

    def fitted_facing(c):
        fit = fit_clip(open_body, lm, init_rotmats=rot.numpy(), cfg=c)
        with torch.no_grad():
            pts = _points(open_body, torch.as_tensor(fit.rotmats))
        return np.degrees(facing_angle(pts.numpy() - pts.numpy()[:, list(HIPS)].mean(1, keepdims=True)))

    truth = np.degrees(facing_angle(_points(open_body, rot).numpy()))
    seen = np.degrees(facing_angle(lm.world))
    np.testing.assert_allclose(seen - truth, 20.0, atol=0.5)
    off = fitted_facing(cfg)
    on = fitted_facing(replace(cfg, w_torso_dir=1.0, w3d_torso=0.0))
    assert np.abs(off - truth).max() < 2.0      # nothing turns the body
    assert np.abs(on - seen).max() < 2.0        # the torso follows BlazePose's directions


def test_w3d_torso_lets_the_landmark_term_go_of_the_hips_and_shoulders(open_body):
    """BlazePose's shoulders 8 cm too high: the start's 3D fit (from the true rotations, no 2D term) raises the
    fitted shoulders towards them with the landmark term's full weight there, and not at all with w3d_torso = 0."""
    n = 4
    rot = _pose(torch.tensor(0.3), n)
    exact = simulate_landmarks(open_body, rot, torch.zeros(open_body.num_betas),
                               torch.tensor([0.0, 0.1, 3.5]).repeat(n, 1), CAM, SIZE, 30.0, noise=None)
    high = simulate_landmarks(open_body, rot, torch.zeros(open_body.num_betas),
                              torch.tensor([0.0, 0.1, 3.5]).repeat(n, 1), CAM, SIZE, 30.0, noise=None)
    high.world[:, list(SHOULDERS), 1] -= 0.08   # camera y is down: up by 8 cm
    cfg = ClipFitConfig(facing_deg=0.0, iterations=0, lock_iterations=0, output_smoothing=0.0,
                        network_start_iterations=40, w_torso_dir=0.0, w3d_torso=1.0)

    def shoulders_above_hips(lm, c):  # β given: the shape from bone lengths would follow the shoulders
        fit = fit_clip(open_body, lm, init_rotmats=rot.numpy(), init_betas=np.zeros(open_body.num_betas), cfg=c)
        with torch.no_grad():
            pts = _points(open_body, torch.as_tensor(fit.rotmats)).numpy()
        return float((pts[:, list(HIPS), 1].mean(1) - pts[:, list(SHOULDERS), 1].mean(1)).mean())

    raised = shoulders_above_hips(high, cfg) - shoulders_above_hips(exact, cfg)
    assert raised > 0.01  # 18 mm of the 8 cm: the spine and collars give way a little (robust, limited)
    free = replace(cfg, w3d_torso=0.0)
    assert abs(shoulders_above_hips(high, free) - shoulders_above_hips(exact, free)) < 1e-4


def test_body_axes_keep_the_named_axis_and_make_a_rotation():
    from core.fitting.terms import body_axes
    rng = np.random.default_rng(3)
    left, up = rng.normal(size=(40, 3)), rng.normal(size=(40, 3))
    for keep, given in (("up", up), ("left", left)):
        r = body_axes(left, up, keep=keep)
        np.testing.assert_allclose(r @ np.swapaxes(r, -1, -2), np.broadcast_to(np.eye(3), r.shape), atol=1e-9)
        np.testing.assert_allclose(np.linalg.det(r), 1.0, atol=1e-9)
        col = r[..., 1] if keep == "up" else r[..., 0]
        np.testing.assert_allclose(col, given / np.linalg.norm(given, axis=-1, keepdims=True), atol=1e-9)
        # the other axis stays on the side of its input: the body's left is left, its up is up
        other, inp = (r[..., 0], left) if keep == "up" else (r[..., 1], up)
        assert np.all((other * inp).sum(-1) > 0)
    with pytest.raises(ValueError, match="keep must be"):
        body_axes(left, up, keep="facing")
