"""Tiny real inputs for inference tests: a synthetic SMPL-format body file, a randomly initialised
ResNet-18 checkpoint (64 px crops, for speed) and generated videos / image folders."""
from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch

from core.model.builder import build_model
from core.model.checkpoint import save_checkpoint
from core.model.config import BackboneConfig, BodyConfig, ModelConfig
from tests.blender.conftest import bpy_module  # noqa: F401  (the one bpy session fixture)
from tests.conftest import make_smpl_arrays


def draw_frame(i: int, w: int = 96, h: int = 64, x0: int = 20, speed: int = 1) -> np.ndarray:
    """BGR frame with a bright 'person' rectangle moving right by ``speed`` px per frame."""
    img = np.full((h, w, 3), 30, np.uint8)
    cv2.rectangle(img, (x0 + speed * i, 8), (x0 + 18 + speed * i, h - 4), (180, 170, 150), -1)
    return img


def write_video(path, n: int, w: int = 96, h: int = 64, fps: float = 25.0, fourcc: str = "mp4v") -> str:
    vw = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), fps, (w, h))
    assert vw.isOpened()
    for i in range(n):
        vw.write(draw_frame(i, w, h))
    vw.release()
    return str(path)


def write_images(folder, n: int, w: int = 96, h: int = 64) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):  # unpadded names: natural sort must put 2 before 10
        cv2.imwrite(str(folder / f"frame_{i}.png"), draw_frame(i, w, h))
    return str(folder)


@pytest.fixture(scope="session")
def assets(tmp_path_factory):
    d = tmp_path_factory.mktemp("infer_assets")
    arrays = make_smpl_arrays()
    arrays["v_template"] = arrays["v_template"] - [0.0, 0.9, 0.0]  # pelvis near the origin, as in SMPL
    np.savez(d / "body.npz", **arrays)
    torch.manual_seed(0)
    cfg = ModelConfig(backbone=BackboneConfig("resnet18"), img_res=64, body=BodyConfig(path=str(d / "body.npz")))
    model = build_model(cfg)
    save_checkpoint(d / "ckpt.pt", model)
    torch.save(model.backbone.state_dict(), d / "imagenet_r18.pth")  # trunk only, like ImageNet weights
    return {"dir": d, "body": str(d / "body.npz"), "ckpt": str(d / "ckpt.pt"),
            "trunk": str(d / "imagenet_r18.pth"), "video": write_video(d / "clip.mp4", 24)}


@pytest.fixture(scope="session")
def loaded(assets):
    from core.inference.loading import load_inference_model

    return load_inference_model(assets["ckpt"])
