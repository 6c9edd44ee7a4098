"""SMPLify: lowers the 2D error from a perturbed start; priors and camera helpers behave."""
from __future__ import annotations

import torch

from core.fitting.smplify import SmplifyConfig, angle_prior, estimate_translation, fit_smplify
from core.geometry.projection import perspective_project, weak_perspective_to_translation
from core.geometry.rotations import axis_angle_to_matrix
from tests.core.fitting.conftest import camera_facing_poses


def _synthetic_keypoints(body, rot, betas, cam):
    kp = perspective_project(body(rot, betas).joints, weak_perspective_to_translation(cam))
    return torch.cat([kp, torch.ones(len(rot), 24, 1)], -1)


def test_smplify_from_perturbed_start_lowers_reprojection_error(small_body):
    rot, betas = camera_facing_poses(6, seed=1), torch.zeros(6, 10)
    cam = torch.tensor([[0.9, 0.05, 0.1]]).repeat(6, 1)
    kp = _synthetic_keypoints(small_body, rot, betas, cam)
    g = torch.Generator().manual_seed(2)
    start = rot @ axis_angle_to_matrix(0.3 * torch.randn(6, 24, 3, generator=g))
    none = fit_smplify(small_body, start, betas, cam * 1.1, kp, cfg=SmplifyConfig(iterations=0, camera_iterations=0))
    fit = fit_smplify(small_body, start, betas, cam * 1.1, kp, cfg=SmplifyConfig(iterations=40, camera_iterations=10))
    assert torch.all(fit.reprojection_px < none.reprojection_px)
    assert fit.reprojection_px.mean() < 0.5 * none.reprojection_px.mean()
    assert torch.all(fit.loss < none.loss)
    det = torch.linalg.det(fit.rotmats)
    torch.testing.assert_close(det, torch.ones_like(det))


def test_smplify_lbfgs_also_improves(small_body):
    rot, betas = camera_facing_poses(2, seed=4), torch.zeros(2, 10)
    cam = torch.tensor([[0.9, 0.0, 0.0]]).repeat(2, 1)
    kp = _synthetic_keypoints(small_body, rot, betas, cam)
    start = camera_facing_poses(2, seed=5)
    base = fit_smplify(small_body, start, betas, cam, kp, cfg=SmplifyConfig(iterations=0, camera_iterations=0))
    fit = fit_smplify(small_body, start, betas, cam, kp, cfg=SmplifyConfig(optimizer="lbfgs", iterations=15,
                                                                         camera_iterations=5))
    assert torch.all(fit.reprojection_px < base.reprojection_px)


def test_angle_prior_penalises_knees_bending_backward():
    pose = torch.zeros(2, 72)
    pose[0, 4 * 3] = 1.0   # left knee bent forward (x > 0, natural)
    pose[1, 4 * 3] = -1.0  # hyper-extended
    p = angle_prior(pose)
    assert p[1] - p[0] > 5.0  # exp(1)² − exp(−1)² ≈ 7.25; the other joints add the same to both


def test_estimate_translation_recovers_the_camera(small_body):
    rot = camera_facing_poses(3, seed=7)
    joints = small_body(rot, torch.zeros(3, 10)).joints
    t = torch.tensor([[0.1, -0.2, 40.0], [0.0, 0.1, 55.0], [-0.1, 0.0, 30.0]])
    kp = torch.cat([perspective_project(joints, t), torch.ones(3, 24, 1)], -1)
    torch.testing.assert_close(estimate_translation(joints, kp), t, rtol=1e-3, atol=1e-3)
