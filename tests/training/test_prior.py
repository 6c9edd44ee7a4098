"""Pose priors: the VAE learns a pose distribution; discriminator."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from core.geometry.rotations import axis_angle_to_matrix
from training.prior import DiscriminatorPrior, VAEPrior
from training.prior.train import load_pose_vae, save_pose_vae, train_pose_vae


def _poses(n, scale, seed):
    g = np.random.default_rng(seed)
    return (g.normal(size=(n, 72)) * scale).astype(np.float32)


@pytest.fixture(scope="module")
def trained():  # ~2–4 s on 2 idle cores (the dependent tests are marked slow)
    return train_pose_vae(_poses(3000, 0.25, 0), steps=200, batch_size=128, hidden=64, latent=8, seed=0)


@pytest.mark.slow
def test_vae_training_lowers_its_loss_and_kl_separates_plausible_from_wild(trained):
    assert np.mean(trained.losses[-20:]) < 0.5 * np.mean(trained.losses[:20])
    prior = VAEPrior(trained.vae)
    near = prior.loss(axis_angle_to_matrix(torch.from_numpy(_poses(200, 0.25, 1)).reshape(-1, 24, 3)))
    wild = prior.loss(axis_angle_to_matrix(torch.from_numpy(_poses(200, 1.5, 2)).reshape(-1, 24, 3)))
    assert near.mean() < 0.5 * wild.mean()


@pytest.mark.slow
def test_kl_gradient_moves_a_pose_towards_the_prior(trained):
    prior = VAEPrior(trained.vae)
    aa = torch.from_numpy(_poses(8, 1.0, 3)).reshape(-1, 24, 3).requires_grad_(True)
    kl = prior.loss(axis_angle_to_matrix(aa))
    kl.sum().backward()
    stepped = aa.detach() - 0.05 * aa.grad / aa.grad.norm(dim=(1, 2), keepdim=True)
    assert prior.loss(axis_angle_to_matrix(stepped)).sum() < kl.sum()
    assert not any(p.requires_grad for p in prior.parameters())  # the prior itself stays frozen


@pytest.mark.slow
def test_prior_round_trips_through_its_file(trained, tmp_path):
    save_pose_vae(trained.vae, tmp_path / "vae.pt")
    again = load_pose_vae(tmp_path / "vae.pt")
    x = axis_angle_to_matrix(torch.from_numpy(_poses(4, 0.3, 5)).reshape(-1, 24, 3))
    torch.testing.assert_close(again.kl(x), trained.vae.kl(x))


def test_discriminator_prior_learns_to_tell_real_from_fake():
    torch.manual_seed(0)
    prior = DiscriminatorPrior(hidden=128)  # HMR's layout, narrower full-pose MLP to keep the test fast
    opt = torch.optim.Adam(prior.parameters(), lr=3e-3)
    real = axis_angle_to_matrix(torch.from_numpy(_poses(32, 0.2, 6)).reshape(-1, 24, 3))
    fake = axis_angle_to_matrix(torch.from_numpy(_poses(32, 1.5, 7)).reshape(-1, 24, 3))
    betas = torch.zeros(32, 10)
    first = None
    for _ in range(40):
        loss = prior.discriminator_loss(real, betas, fake, betas)
        first = float(loss.detach()) if first is None else first
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert float(loss.detach()) < 0.7 * first
    # the generator term (what the regressor minimises) is now larger for implausible poses
    assert prior.loss(fake, betas).mean() > prior.loss(real, betas).mean() + 0.2
