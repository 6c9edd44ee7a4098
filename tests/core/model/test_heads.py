"""Regressor heads: parameter budgets, valid rotations, gradients, chain bookkeeping, ablations."""
from __future__ import annotations

import pytest
import torch

from core.body.skeleton import SMPL_PARENTS, kinematic_chains
from core.model.builder import build_head, build_model, count_parameters
from core.model.config import BodyConfig, HKMRHeadConfig, ModelConfig
from core.model.hkmr_head import HKMRHead
from core.model.mean_params import default_mean_params

ABLATIONS = [HKMRHeadConfig(), HKMRHeadConfig(hierarchy="parent"), HKMRHeadConfig(passes="f"),
             HKMRHeadConfig(hierarchy="parent", passes="f", inner_iters=2, outer_iters=2)]


def _head(cfg: HKMRHeadConfig = HKMRHeadConfig(), feature_dim: int = 512) -> HKMRHead:
    torch.manual_seed(0)
    return HKMRHead(feature_dim, default_mean_params(), cfg)


@pytest.mark.parametrize("head,paper", [("hkmr", 26.2e6), ("hmr", 26.8e6)])
def test_paper_parameter_counts_resnet50(head, paper):
    model = build_model(ModelConfig(head=head, body=BodyConfig(enabled=False)))
    n = count_parameters(model)
    print(f"{head}: total {n:,} (head {count_parameters(model.head):,})")
    assert abs(n - paper) / paper < 0.05
    assert count_parameters(model.head) == {"hkmr": 2_716_485, "hmr": 3_469_469}[head]


def test_hkmr_head_is_small_per_joint_networks():
    head = _head(feature_dim=2048)
    assert 2.5e6 < count_parameters(head) < 2.9e6  # the paper's 26.2 M − ResNet-50's 23.5 M
    assert head.chain_names == ("right_arm", "left_arm", "right_leg", "left_leg", "head")
    assert head.n_at == [5, 5, 4, 4, 2]  # 20 limb joints, one stacked weight slice each
    assert sum(head.fwd[k].l1.weight.shape[0] for k in range(5)) == 20


@pytest.mark.parametrize("cfg", ABLATIONS, ids=lambda c: f"{c.hierarchy}-{c.passes}-{c.inner_iters}")
def test_outputs_are_rotations_and_gradients_reach_every_parameter(cfg):
    head = _head(cfg)
    with torch.no_grad():  # large residual outputs so the rotations are far from the mean
        for name, p in head.named_parameters():
            if name.endswith("l2.weight") or name in ("root_net.2.weight", "shape_net.2.weight"):
                p.mul_(300.0)
    outs = head(torch.randn(3, 512))
    assert len(outs) == cfg.outer_iters
    for o in outs:
        assert o.rotmats.shape == (3, 24, 3, 3) and o.betas.shape == (3, 10) and o.cam.shape == (3, 3)
        eye = torch.eye(3).expand(3, 24, 3, 3)
        torch.testing.assert_close(o.rotmats.transpose(-1, -2) @ o.rotmats, eye, atol=1e-5, rtol=0)
        torch.testing.assert_close(torch.linalg.det(o.rotmats), torch.ones(3, 24), atol=1e-5, rtol=0)
    assert (outs[-1].rotmats - outs[0].rotmats).abs().max() > 0.1  # iterations refine
    g = torch.Generator().manual_seed(1)
    fin = outs[-1]
    loss = sum((t * torch.randn(t.shape, generator=g)).sum() for t in (fin.rotmats, fin.betas, fin.cam))
    loss.backward()
    dead = [n for n, p in head.named_parameters() if p.grad is None or not p.grad.abs().sum() > 0]
    assert dead == []


def test_each_stacked_slice_updates_exactly_its_joint():
    """Chain batching bookkeeping: with all residual outputs zeroed the head returns the mean;
    a bias on one stacked slice (chain c, depth k) moves exactly joint chains[c].joints[k]."""
    head = _head()
    with torch.no_grad():
        for name, p in head.named_parameters():
            if ".l2." in name or name.startswith(("root_net.2", "shape_net.2")):
                p.zero_()
    mean = head.init_pose.reshape(24, 6)
    out = head(torch.randn(2, 512), n_iter=1)[-1]
    torch.testing.assert_close(out.rot6d, mean.expand(2, 24, 6))
    limbs = {c.name: c for c in kinematic_chains(SMPL_PARENTS)[1:]}
    for c, name in enumerate(head.chain_names):
        for k, joint in enumerate(limbs[name].joints):
            with torch.no_grad():
                head.fwd[k].l2.bias[c] = 0.5
            moved = (head(torch.randn(2, 512), n_iter=1)[-1].rot6d - mean).abs().amax(dim=(0, 2)) > 0
            with torch.no_grad():
                head.fwd[k].l2.bias[c] = 0.0
            assert moved.nonzero().flatten().tolist() == [joint], (name, k)


def test_forward_pass_conditions_on_ancestors_not_descendants():
    """In a forward-only pass a joint sees its ancestors' rotations: changing the collar's
    starting rotation changes the hand's update, changing the hand's never changes the collar's."""
    head = _head(HKMRHeadConfig(passes="f"))
    with torch.no_grad():  # isolate the limb stage: no root/camera/shape updates
        for p in (*head.root_net[2].parameters(), *head.shape_net[2].parameters()):
            p.zero_()
    phi = torch.randn(1, 512)
    base = head.init_pose.clone()

    def delta(joint: int, changed: int) -> torch.Tensor:
        pose = base.clone().reshape(24, 6)
        pose[changed] += 0.3
        out = head(phi, init_pose=pose.reshape(1, 144), n_iter=1)[-1].rot6d[0]
        return out[joint] - pose[joint]

    l_collar, l_hand, r_hand = 13, 22, 23
    assert not torch.allclose(delta(l_hand, l_collar), delta(l_hand, r_hand))  # ancestor matters
    torch.testing.assert_close(delta(l_collar, l_hand), delta(l_collar, r_hand))  # descendants don't


def test_hmr_head_via_builder_and_iterations():
    cfg = ModelConfig(head="hmr")
    head = build_head(cfg, 512).eval()
    outs = head(torch.randn(2, 512), n_iter=5)
    assert len(outs) == 5 and outs[-1].rotmats.shape == (2, 24, 3, 3)
