"""HKMR's hierarchical kinematic regressor (Georgakis et al., ECCV 2020), batched over chains.

Per outer iteration t = 1..T (weights shared across iterations, like IEF):

1. **root + camera**: ``[φ, Θ^{t-1}, β^{t-1}, cam^{t-1}] → Δθ_root (pelvis, spine1–3), Δcam``.
2. **limb chains** (head, right arm, left arm, right leg, left leg — from
   ``core.body.skeleton.kinematic_chains``): ``inner_iters`` sweeps, each a forward pass
   (root→leaf) and, with ``passes="fb"``, a backward pass (leaf→root). Joint j's update
   ``Δθ_j = g_j([φ_c, ancestors' current 6D, θ_j])`` is its own small MLP; the backward pass
   has separate networks that also see the joint's in-chain descendants as just updated
   (a parent corrects for its children, like an IK sweep). ``hierarchy="parent"`` replaces
   "all ancestors" (masked root-chain joints + earlier chain joints) by the immediate parent
   (and, backward, the immediate child) — the paper's "no joint hierarchy" ablation.
3. **shape after pose**: ``[φ, Θ^t, β^{t-1}] → Δβ``.

All updates are residuals on SPIN-layout 6D from the mean buffers. φ is a shared projection
of Φ; each limb chain gets its own projection φ_c of it. The five chains are independent given
the root, so every step runs them together: chains are ordered longest first, so at depth k
the chains still active are the first n_k (5, 5, 4, 4, 2 for SMPL), and one ``baddbmm`` over
the stacked (n_k, in, out) weights of those joints does the step — 10 batched steps per sweep
instead of 40 tiny modules, with no padded (never-trained) weights.
"""
from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from core.body.skeleton import SMPL_PARENTS, kinematic_chains
from core.model.config import HKMRHeadConfig
from core.model.head_base import NUM_JOINTS, POSE_DIM, HeadBase, RegressorOutput
from core.model.mean_params import MeanParams

__all__ = ["HKMRHead", "StackedLinear"]


class StackedLinear(nn.Module):
    """``n`` independent linear maps in one batched matmul: (B, n, in) → (B, n, out).
    ``gain`` set → xavier-uniform with that gain (small residual outputs, like SPIN's decoders)."""

    def __init__(self, n: int, d_in: int, d_out: int, gain: float | None = None):
        super().__init__()
        bound = 1.0 / math.sqrt(d_in)  # nn.Linear's default init, per map
        wb = bound if gain is None else gain * math.sqrt(6.0 / (d_in + d_out))
        self.weight = nn.Parameter(torch.empty(n, d_in, d_out).uniform_(-wb, wb))
        self.bias = nn.Parameter(torch.empty(n, d_out).uniform_(-bound, bound))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.baddbmm(self.bias.unsqueeze(1), x.transpose(0, 1), self.weight).transpose(0, 1)


class JointStep(nn.Module):
    """The update networks of the n joints at one chain depth: in → hidden (ReLU) → Δ6D."""

    def __init__(self, n: int, d_in: int, hidden: int):
        super().__init__()
        self.l1 = StackedLinear(n, d_in, hidden)
        self.l2 = StackedLinear(n, hidden, 6, gain=0.01)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.l2(F.relu(self.l1(x)))


def _mlp(d_in: int, hidden: int, d_out: int) -> nn.Sequential:
    net = nn.Sequential(nn.Linear(d_in, hidden), nn.ReLU(inplace=True), nn.Linear(hidden, d_out))
    nn.init.xavier_uniform_(net[2].weight, gain=0.01)
    return net


class HKMRHead(HeadBase):
    """forward(phi (B, F)) → list of T RegressorOutput (one per outer iteration, last = final)."""

    def __init__(self, feature_dim: int, mean: MeanParams, cfg: HKMRHeadConfig | None = None,
                 parents: tuple[int, ...] = SMPL_PARENTS):
        super().__init__(mean)
        cfg = cfg or HKMRHeadConfig()
        cfg.validate()
        self.cfg = cfg
        root, *limbs = kinematic_chains(np.asarray(parents))
        if len(parents) != NUM_JOINTS:
            raise ValueError(f"HKMR regresses SMPL's {NUM_JOINTS} joints, got a tree of {len(parents)}")
        limbs.sort(key=lambda c: -len(c.joints))  # stable: keeps CHAIN_ORDER among equal lengths
        self.chain_names = tuple(c.name for c in limbs)
        self.depth = max(len(c.joints) for c in limbs)
        self.n_at = [sum(len(c.joints) > k for c in limbs) for k in range(self.depth)]
        nr, nc, ancestors = len(root.joints), len(limbs), cfg.hierarchy == "ancestors"
        depth_idx = [[c.joints[k] for c in limbs[: self.n_at[k]]] for k in range(self.depth)]
        perm = list(root.joints) + [j for idx in depth_idx for j in idx]
        self.register_buffer("root_idx", torch.tensor(root.joints), persistent=False)
        for k, idx in enumerate(depth_idx):
            self.register_buffer(f"depth_idx{k}", torch.tensor(idx), persistent=False)
        self.register_buffer("inv_perm", torch.from_numpy(np.argsort(perm)), persistent=False)
        self.register_buffer("anchor_pos", torch.tensor([root.joints.index(c.anchor) for c in limbs]),
                             persistent=False)
        mask = torch.zeros(nc, nr, 6)  # root-chain joints that are ancestors of each chain
        for c, ch in enumerate(limbs):
            a = ch.anchor
            while a >= 0:
                mask[c, root.joints.index(a)] = 1.0
                a = int(parents[a])
        self.register_buffer("root_mask", mask.reshape(nc, nr * 6), persistent=False)

        nb, d = self.num_betas, cfg.chain_phi_dim
        self.phi_proj = nn.Linear(feature_dim, cfg.phi_dim)
        self.chain_proj = StackedLinear(nc, cfg.phi_dim, d)
        self.root_net = _mlp(cfg.phi_dim + POSE_DIM + nb + 3, cfg.root_hidden, nr * 6 + 3)
        self.shape_net = _mlp(cfg.phi_dim + POSE_DIM + nb, cfg.shape_hidden, nb)
        ctx = nr * 6 if ancestors else 6
        fwd_in = [d + (ctx + 6 * k if ancestors else 6) + 6 for k in range(self.depth)]
        bwd_in = [fwd_in[k] + (6 * (self.depth - 1 - k) if ancestors else 6) for k in range(self.depth)]
        self.fwd = nn.ModuleList(JointStep(self.n_at[k], fwd_in[k], cfg.joint_hidden) for k in range(self.depth))
        self.bwd = (nn.ModuleList(JointStep(self.n_at[k], bwd_in[k], cfg.joint_hidden) for k in range(self.depth))
                    if cfg.passes == "fb" else None)

    def _joint_input(self, k: int, phi_c: torch.Tensor, ctx: torch.Tensor, depth: list[torch.Tensor],
                     backward: bool) -> torch.Tensor:
        """(B, n_k, in_k) input of the joints at depth k: [φ_c, ancestors (or parent), own
        (, descendants (or child) zero-padded where a chain already ended)]."""
        n = self.n_at[k]
        parts = [phi_c[:, :n]]
        if self.cfg.hierarchy == "ancestors":
            parts += [ctx[:, :n]] + [depth[j][:, :n] for j in range(k)]
            kids = range(k + 1, self.depth)
        else:
            parts.append(ctx[:, :n] if k == 0 else depth[k - 1][:, :n])
            kids = [k + 1]
        parts.append(depth[k])
        if backward:
            for j in kids:
                kid = depth[j] if j < self.depth else depth[k].new_zeros(depth[k].shape)
                parts.append(F.pad(kid, (0, 0, 0, n - kid.shape[1])))
        return torch.cat(parts, dim=-1)

    def forward(self, phi: torch.Tensor, init_pose: torch.Tensor | None = None,
                init_shape: torch.Tensor | None = None, init_cam: torch.Tensor | None = None,
                n_iter: int | None = None) -> list[RegressorOutput]:
        pose, betas, cam = self.initial_state(phi, init_pose, init_shape, init_cam)
        b, nr = phi.shape[0], self.root_idx.numel()
        f = F.relu(self.phi_proj(phi))
        phi_c = F.relu(self.chain_proj(f.unsqueeze(1).expand(b, len(self.chain_names), f.shape[1])))
        outs = []
        for _ in range(self.cfg.outer_iters if n_iter is None else n_iter):
            p = pose.reshape(b, NUM_JOINTS, 6)
            d = self.root_net(torch.cat([f, pose, betas, cam], 1))
            root = p[:, self.root_idx] + d[:, : nr * 6].reshape(b, nr, 6)
            cam = cam + d[:, nr * 6:]
            if self.cfg.hierarchy == "ancestors":
                ctx = root.reshape(b, 1, nr * 6) * self.root_mask.to(root.dtype)
            else:
                ctx = root[:, self.anchor_pos]
            depth = [p[:, getattr(self, f"depth_idx{k}")] for k in range(self.depth)]
            for _ in range(self.cfg.inner_iters):
                for k in range(self.depth):
                    depth[k] = depth[k] + self.fwd[k](self._joint_input(k, phi_c, ctx, depth, False))
                if self.bwd is not None:
                    for k in reversed(range(self.depth)):
                        depth[k] = depth[k] + self.bwd[k](self._joint_input(k, phi_c, ctx, depth, True))
            pose = torch.cat([root, *depth], 1)[:, self.inv_perm].reshape(b, POSE_DIM)
            betas = betas + self.shape_net(torch.cat([f, pose, betas], 1))
            outs.append(RegressorOutput.from_state(pose, betas, cam))
        return outs
