"""Each loss: zero at the ground truth, gradient pointing the right way, masking that masks."""
from __future__ import annotations

import torch

from core.geometry.projection import weak_perspective_project
from core.geometry.rotations import matrix_to_axis_angle
from core.model.head_base import RegressorOutput
from core.geometry.rotations import matrix_to_rot6d
from training.losses import (HKMRLoss, LossWeights, betas_loss, camera_scale_loss, keypoint_2d_loss,
                             keypoint_3d_loss, pose_loss)
from training.losses.total import SmplTargets
from tests.core.fitting.conftest import camera_facing_poses


def _joints(b=3, j=24, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(b, j, 3, generator=g)


def test_keypoint_3d_zero_at_gt_and_translation_invariant():
    gt = _joints()
    gt4 = torch.cat([gt, torch.ones(3, 24, 1)], -1)
    assert keypoint_3d_loss(gt + torch.tensor([0.3, -2.0, 5.0]), gt4) < 1e-6
    assert keypoint_3d_loss(gt + 0.1 * _joints(seed=1), gt4) > 0


def test_keypoint_3d_ignores_invisible_joints_and_samples_without_3d():
    gt = _joints()
    gt4 = torch.cat([gt, torch.ones(3, 24, 1)], -1)
    gt4[0, 5, 3] = 0  # joint 5 of sample 0 not annotated
    pred = gt.clone()
    pred[0, 5] += 10.0
    assert keypoint_3d_loss(pred, gt4) == 0
    pred[1] += _joints(1, seed=2)[0]  # sample 1 wrong everywhere, but has no 3D label
    assert keypoint_3d_loss(pred, gt4, has_3d=torch.tensor([1.0, 0.0, 1.0])) == 0
    assert keypoint_3d_loss(pred, gt4, has_3d=torch.ones(3)) > 0


def test_keypoint_3d_gradient_points_towards_gt():
    gt = _joints()
    gt4 = torch.cat([gt, torch.ones(3, 24, 1)], -1)
    pred = (gt + 0.2 * _joints(seed=3)).requires_grad_(True)
    loss = keypoint_3d_loss(pred, gt4)
    loss.backward()
    stepped = pred.detach() - 0.01 * pred.grad / pred.grad.abs().max()
    assert keypoint_3d_loss(stepped, gt4) < loss


def test_keypoint_2d_zero_at_gt_visibility_weighting_and_gradient():
    gt = torch.cat([torch.rand(2, 24, 2) * 2 - 1, torch.ones(2, 24, 1)], -1)
    assert keypoint_2d_loss(gt[..., :2].clone(), gt) == 0
    gt[:, :12, 2] = 0
    pred = gt[..., :2].clone()
    pred[:, :12] += 5.0  # only invisible joints are wrong
    assert keypoint_2d_loss(pred, gt) == 0
    pred = (gt[..., :2] + 0.1).requires_grad_(True)
    keypoint_2d_loss(pred, gt).backward()
    assert torch.all(pred.grad[:, :12] == 0)  # invisible: no gradient
    assert torch.all(pred.grad[:, 12:] > 0)  # visible and too large: pushed down


def test_smpl_param_losses_zero_at_gt_and_masked():
    rot = camera_facing_poses(4)
    other = camera_facing_poses(4, seed=5)
    betas = torch.randn(4, 10)
    mask = torch.tensor([1.0, 1.0, 0.0, 0.0])
    assert pose_loss(rot, rot, torch.ones(4)) == 0 and betas_loss(betas, betas, torch.ones(4)) == 0
    mixed = torch.cat([rot[:2], other[2:]])
    assert pose_loss(mixed, rot, mask) == 0  # wrong only where there is no target
    assert pose_loss(mixed, rot, torch.ones(4)) > 0
    assert pose_loss(other, rot, torch.zeros(4)) == 0  # no targets at all: 0, not NaN


def test_camera_loss_penalises_small_or_negative_scale():
    s = torch.tensor([[-0.2, 0, 0], [0.1, 0, 0], [0.9, 0, 0]])
    per = torch.stack([camera_scale_loss(c[None]) for c in s])
    assert per[0] > per[1] > per[2] and per[2] < 1e-6


def _iteration(rot, betas, cam):
    return RegressorOutput(rot, matrix_to_rot6d(rot), betas, cam)


def _batch_from(body, rot, betas, cam):
    joints = body(rot, betas).joints
    kp2d = torch.cat([weak_perspective_project(joints, cam), torch.ones(len(rot), 24, 1)], -1)
    return {"keypoints_2d": kp2d, "joints_3d": torch.cat([joints - joints[:, :1], torch.ones(len(rot), 24, 1)], -1),
            "has_3d": torch.ones(len(rot)), "pose": matrix_to_axis_angle(rot).reshape(len(rot), 72)}


def test_total_loss_zero_at_gt_and_summed_over_iterations(small_body):
    rot, betas, cam = camera_facing_poses(2), torch.randn(2, 10) * 0.5, torch.tensor([[0.9, 0.1, -0.1]] * 2)
    batch = _batch_from(small_body, rot, betas, cam)
    targets = SmplTargets(rot, betas, torch.ones(2))
    loss_fn = HKMRLoss(small_body, LossWeights(camera=0.0))
    out = loss_fn([_iteration(rot, betas, cam)] * 3, batch, targets)
    assert float(out.total) < 1e-5
    wrong = _iteration(camera_facing_poses(2, seed=9), betas, cam)
    one = loss_fn([wrong], batch, targets).total
    three = loss_fn([wrong] * 3, batch, targets).total
    torch.testing.assert_close(three, 3 * one)


def test_total_loss_gradient_reaches_every_iteration(small_body):
    rot, betas, cam = camera_facing_poses(2), torch.zeros(2, 10), torch.tensor([[0.9, 0.0, 0.0]] * 2)
    batch = _batch_from(small_body, rot, betas, cam)
    its = []
    for seed in (1, 2, 3):
        r = camera_facing_poses(2, seed=seed).requires_grad_(True)
        its.append(_iteration(r, betas, cam))
    HKMRLoss(small_body)(its, batch, SmplTargets(rot, betas, torch.ones(2))).total.backward()
    assert all(it.rotmats.grad is not None and it.rotmats.grad.abs().sum() > 0 for it in its)
