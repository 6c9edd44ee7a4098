"""The keypoint encoder: a window of detector landmarks → the feature Φ that both heads take.

Input (B, T, 33, C) with T = ``window`` frames and C = :data:`core.model.keypoint_input.NUM_CHANNELS`
per BlazePose landmark (box-normalised 2D, visibility, hip-centred world xyz; built by
:func:`core.model.keypoint_input.keypoint_features`). Each frame's 33 × C values go through a two-layer
MLP (→ ``hidden``), then ``layers`` residual temporal 1D convolutions mix neighbouring frames (zero
padding at the window's ends; ``dilated``: layer i dilated by kernel**i, VideoPose3D's receptive field). ``output="centre"``: Φ (B, hidden) is the centre frame's feature (one
prediction per window); ``output="window"``: Φ (B·T, hidden), every frame's feature in frame order
(one prediction per frame). A small, fast model on purpose (docs/keypoint-model.md): the regressor
heads are unchanged, so HKMR and the HMR/IEF head run on it exactly as on a ResNet's Φ.
"""
from __future__ import annotations

import torch
from torch import nn

from core.model.config import KeypointEncoderConfig
from core.model.keypoint_input import NUM_CHANNELS

__all__ = ["KeypointEncoder"]


class KeypointEncoder(nn.Module):
    """forward(x (B, T, 33, C)) → Φ (B, hidden) ("centre") or (B·T, hidden) ("window")."""

    def __init__(self, cfg: KeypointEncoderConfig | None = None, num_landmarks: int = 33):
        super().__init__()
        self.cfg = cfg = cfg or KeypointEncoderConfig()
        cfg.validate()
        self.feature_dim = cfg.hidden
        self.num_landmarks = num_landmarks
        self.frame = nn.Sequential(nn.Linear(num_landmarks * NUM_CHANNELS, cfg.hidden), nn.ReLU(inplace=True),
                                   nn.Linear(cfg.hidden, cfg.hidden), nn.ReLU(inplace=True))
        dil = [cfg.kernel ** i if cfg.dilated else 1 for i in range(cfg.layers)]
        self.temporal = nn.ModuleList(nn.Conv1d(cfg.hidden, cfg.hidden, cfg.kernel, padding=d * (cfg.kernel // 2),
                                                dilation=d) for d in dil)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, t = x.shape[:2]
        if x.dim() != 4 or t != self.cfg.window or x.shape[2:] != (self.num_landmarks, NUM_CHANNELS):
            raise ValueError(f"keypoint encoder: expected (B, {self.cfg.window}, {self.num_landmarks}, {NUM_CHANNELS}) "
                             f"input, got {tuple(x.shape)}")
        h = self.frame(x.reshape(b, t, -1)).transpose(1, 2)  # (B, hidden, T)
        for conv in self.temporal:
            h = h + torch.relu(conv(h))
        if self.cfg.output == "centre":
            return h[:, :, t // 2]
        return h.transpose(1, 2).reshape(b * t, -1)
