"""The full model: crop → ResNet → regressor head → (optional) SMPL forward → 2D projections.

Build it with :func:`core.model.builder.build_model`. The body model is attached but *not*
saved: its arrays stay out of ``state_dict()`` (checkpoints stay small and never carry a
licensed SMPL file); the checkpoint records the body's identity instead.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from core.geometry.projection import weak_perspective_project, weak_perspective_to_translation
from core.model.config import ModelConfig
from core.model.head_base import RegressorOutput

__all__ = ["ModelOutput", "MeshRegressor", "predict"]

_BODY = "body."


@dataclass
class ModelOutput:
    """iterations: one RegressorOutput per outer iteration (last = final); features Φ (B, F).
    With a body model (final iteration only; camera frame, metres, SPIN convention — no
    translation applied): vertices (B, V, 3), joints (B, 24, 3), keypoints (B, K, 3);
    joints2d (B, 24, 2) / keypoints2d (B, K, 2) weak-perspective projections in normalised crop
    coordinates; cam_t (B, 3) the equivalent perspective translation."""

    iterations: list[RegressorOutput]
    features: torch.Tensor
    vertices: torch.Tensor | None = None
    joints: torch.Tensor | None = None
    keypoints: torch.Tensor | None = None
    joints2d: torch.Tensor | None = None
    keypoints2d: torch.Tensor | None = None
    cam_t: torch.Tensor | None = None

    @property
    def final(self) -> RegressorOutput:
        return self.iterations[-1]


class MeshRegressor(nn.Module):
    """backbone (B,3,H,W) → Φ → head → list[RegressorOutput] (+ body forward when attached)."""

    def __init__(self, backbone: nn.Module, head: nn.Module, config: ModelConfig, body: nn.Module | None = None):
        super().__init__()
        self.backbone = backbone
        self.head = head
        self.config = config
        self.body = body
        self.register_state_dict_post_hook(_drop_body_keys)
        self.register_load_state_dict_post_hook(_ignore_missing_body_keys)

    def use_channels_last(self, on: bool = True) -> "MeshRegressor":
        """Backbone weights and input images in NHWC (same values; faster convolutions under bf16 on
        GPUs and on CPUs with AMX / AVX-512 BF16). Returns self."""
        self.config.channels_last = on
        self.backbone.to(memory_format=torch.channels_last if on else torch.contiguous_format)
        return self

    def forward(self, images: torch.Tensor, run_body: bool = True) -> ModelOutput:
        if self.config.channels_last:
            images = images.contiguous(memory_format=torch.channels_last)
        phi = self.backbone(images)
        out = ModelOutput(iterations=self.head(phi), features=phi)
        if run_body and self.body is not None:
            self.body_forward(out)
        return out

    def body_forward(self, out: ModelOutput) -> ModelOutput:
        """Fill ``out``'s body fields from its final iteration (float32, autocast off)."""
        fin = out.final
        with torch.autocast(device_type=fin.rotmats.device.type, enabled=False):
            cam = fin.cam.float()
            body = self.body(fin.rotmats.float(), fin.betas.float())
            out.vertices, out.joints, out.keypoints = body.vertices, body.joints, body.keypoints
            out.joints2d = weak_perspective_project(body.joints, cam)
            out.keypoints2d = weak_perspective_project(body.keypoints, cam)
            out.cam_t = weak_perspective_to_translation(cam, self.config.focal_length, self.config.img_res)
        return out


def _drop_body_keys(module: nn.Module, state_dict: dict, prefix: str, local_metadata: dict) -> None:
    for k in [k for k in state_dict if k.startswith(prefix + _BODY)]:
        del state_dict[k]


def _ignore_missing_body_keys(module: nn.Module, incompatible) -> None:
    incompatible.missing_keys[:] = [k for k in incompatible.missing_keys if not k.startswith(_BODY)]


@torch.inference_mode()
def predict(model: MeshRegressor, images: torch.Tensor, amp: bool | None = None,
            run_body: bool = True) -> ModelOutput:
    """Eval-mode batch inference. ``amp`` (default: on for CUDA) runs the backbone and head
    under bf16 autocast; rotations and the body forward stay float32. Restores train mode."""
    was_training = model.training
    model.eval()
    device = images.device.type
    amp = device == "cuda" if amp is None else amp
    try:
        with torch.autocast(device_type=device, dtype=torch.bfloat16, enabled=amp):
            return model(images, run_body=run_body)
    finally:
        model.train(was_training)
