"""The HMR/SPIN iterative error feedback (IEF) regressor — the baseline head.

Same computation and state-dict keys as SPIN's ``HMR`` regressor (Kolotouros et al. 2019):
``[Φ, pose6d (144), betas (10), cam (3)] → fc1 (1024) → dropout → fc2 (1024) → dropout`` and three
residual decoders ``decpose/decshape/deccam`` (xavier, gain 0.01), repeated ``n_iter`` times
from the mean buffers ``init_pose/init_shape/init_cam``. Like SPIN there is no nonlinearity
between fc1 and fc2 (only dropout). With ResNet-50 (2048-d Φ) this head has 3,469,469 parameters.
"""
from __future__ import annotations

import torch
from torch import nn

from core.model.head_base import POSE_DIM, HeadBase, RegressorOutput
from core.model.mean_params import MeanParams

__all__ = ["HMRHead"]


class HMRHead(HeadBase):
    """IEF regressor. forward(phi (B, F)) → list of ``n_iter`` RegressorOutput (last = final)."""

    def __init__(self, feature_dim: int, mean: MeanParams, hidden: int = 1024, dropout: float = 0.5,
                 n_iter: int = 3):
        super().__init__(mean)
        self.n_iter = n_iter
        self.fc1 = nn.Linear(feature_dim + POSE_DIM + self.num_betas + 3, hidden)
        self.drop1 = nn.Dropout(dropout)
        self.fc2 = nn.Linear(hidden, hidden)
        self.drop2 = nn.Dropout(dropout)
        self.decpose = nn.Linear(hidden, POSE_DIM)
        self.decshape = nn.Linear(hidden, self.num_betas)
        self.deccam = nn.Linear(hidden, 3)
        for dec in (self.decpose, self.decshape, self.deccam):
            nn.init.xavier_uniform_(dec.weight, gain=0.01)

    def forward(self, phi: torch.Tensor, init_pose: torch.Tensor | None = None,
                init_shape: torch.Tensor | None = None, init_cam: torch.Tensor | None = None,
                n_iter: int | None = None) -> list[RegressorOutput]:
        pose, shape, cam = self.initial_state(phi, init_pose, init_shape, init_cam)
        outs = []
        for _ in range(self.n_iter if n_iter is None else n_iter):
            x = self.drop2(self.fc2(self.drop1(self.fc1(torch.cat([phi, pose, shape, cam], 1)))))
            pose = pose + self.decpose(x)
            shape = shape + self.decshape(x)
            cam = cam + self.deccam(x)
            outs.append(RegressorOutput.from_state(pose, shape, cam))
        return outs
