"""Keeps the weak-perspective scale positive (SPIN's camera loss): mean of exp(−10 s)²."""
from __future__ import annotations

import torch

__all__ = ["camera_scale_loss"]


def camera_scale_loss(cam: torch.Tensor) -> torch.Tensor:
    """cam (B, 3) [s, tx, ty] → scalar; ≈0 for s ≳ 0.5, grows fast as s goes to 0 or below."""
    return torch.exp(-10.0 * cam[:, 0]).square().mean()
