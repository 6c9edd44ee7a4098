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


def retime_mp4(src, dst, factors) -> list[float]:
    """Copy the MP4 ``src`` (as OpenCV's writer makes it: one video track, moov after mdat) to ``dst`` with a
    variable frame rate: sample k lasts ``factors[k]`` × the original interval (the time-to-sample box ``stts``
    rewritten, one entry per sample; pixels untouched). Returns the new presentation times in seconds."""
    import struct

    data = open(src, "rb").read()
    found = {}

    def walk(buf: bytes) -> bytes:
        out, off = b"", 0
        while off < len(buf):
            size, kind = struct.unpack(">I4s", buf[off:off + 8])
            body = buf[off + 8:off + size]
            if kind in (b"moov", b"trak", b"mdia", b"minf", b"stbl"):
                body = walk(body)
            elif kind == b"mdhd":
                found["timescale"] = struct.unpack(">I", body[12:16])[0]
            elif kind == b"stts":
                count, delta = struct.unpack(">II", body[8:16])
                assert struct.unpack(">I", body[4:8])[0] == 1 and count == len(factors), "one stts entry expected"
                found["deltas"] = [int(round(delta * f)) for f in factors]
                body = struct.pack(">II", 0, count) + b"".join(struct.pack(">II", 1, d) for d in found["deltas"])
            out += struct.pack(">I4s", len(body) + 8, kind) + body
            off += size
        return out

    moov = data.index(b"moov") - 4
    assert data.index(b"mdat") < moov, "moov must follow mdat (chunk offsets stay valid)"
    open(dst, "wb").write(data[:moov] + walk(data[moov:]))
    return list(np.cumsum([0] + found["deltas"][:-1]) / found["timescale"])
