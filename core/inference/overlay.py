"""``--overlay``: the predicted mesh drawn over the input frames (video file or PNG folder).

Re-decodes the source (frames are never kept in memory), poses the body for each frame in the
world frame, maps it into the camera with the run's world → camera transform and renders it with
the one CPU rasterizer (:func:`core.render.overlay`). Invalid frames show the input only.
Written to a temporary path in the same folder, then renamed into place.
"""
from __future__ import annotations

import os
import shutil
import tempfile

import cv2
import numpy as np
import torch

from core.geometry.full_image_camera import principal_point
from .sources import FrameSource, VIDEO_EXTS
from .world import WorldTrajectory

__all__ = ["OVERLAY_MAX_SIZE", "write_overlay", "overlay_frames"]

#: Overlay videos render the body's window at most this many pixels on its longer side (then resize it up):
#: a bounded cost per frame at any resolution (docs/BENCHMARKS.md, "Overlay").
OVERLAY_MAX_SIZE = 256


def _writer(path: str, fps: float, size: tuple[int, int]):
    if os.path.splitext(path)[1].lower() in VIDEO_EXTS:
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(path)), suffix=os.path.splitext(path)[1])
        os.close(fd)
        vw = cv2.VideoWriter(tmp, cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
        if not vw.isOpened():
            os.unlink(tmp)
            raise OSError(f"{path}: OpenCV cannot write this video type; use .mp4 or a folder for PNG frames")
        return tmp, lambda i, rgb: vw.write(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)), vw.release
    tmp = tempfile.mkdtemp(dir=os.path.dirname(os.path.abspath(path.rstrip("/"))) or ".", prefix=".overlay-")
    return tmp, lambda i, rgb: cv2.imwrite(os.path.join(tmp, f"{i:06d}.png"), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)), \
        lambda: None


def _overlaid(src: FrameSource, body: torch.nn.Module, world: WorldTrajectory, betas: np.ndarray,
              valid: np.ndarray, focal_length: float, picks: set[int] | None = None, batch: int = 32,
              max_size: int | None = None):
    """Yield (frame index, input RGB, RGB with the mesh drawn where valid) for every frame (or only ``picks``)."""
    from core.render import PinholeCamera, overlay

    info = src.info
    cx, cy = principal_point(info.width, info.height)
    camera = PinholeCamera(focal_length, focal_length, cx, cy, info.width, info.height)
    faces = np.asarray(body.faces)
    b = torch.as_tensor(np.asarray(betas), dtype=torch.float32)[None]
    verts, start = None, -1
    for i, img in src.frames():
        if i >= len(valid) or (picks is not None and i > max(picks)):
            break
        if picks is not None and i not in picks:
            continue
        if verts is None or not start <= i < start + len(verts):
            start = i
            sl = slice(i, min(i + batch, len(valid)))
            rot = torch.as_tensor(world.rotmats[sl], dtype=torch.float32)
            tr = torch.as_tensor(world.trans[sl], dtype=torch.float32)
            verts = body(rot, b.expand(len(rot), -1), tr).vertices.double().numpy() @ world.cam_R.T + world.cam_t
        yield i, img, (overlay(img, verts[i - start], faces, camera, max_size=max_size) if valid[i] else img)


@torch.no_grad()
def overlay_frames(src: FrameSource, body: torch.nn.Module, world: WorldTrajectory, betas: np.ndarray,
                   valid: np.ndarray, focal_length: float, picks: list[int]) -> dict[int, np.ndarray]:
    """Only the frames ``picks``: {index: (input RGB, RGB with the mesh)} (for pictures, not videos)."""
    return {i: (img, out) for i, img, out in _overlaid(src, body, world, betas, valid, focal_length, set(picks),
                                                         batch=1)} if picks else {}


@torch.no_grad()
def write_overlay(src: FrameSource, body: torch.nn.Module, world: WorldTrajectory, betas: np.ndarray,
                  valid: np.ndarray, focal_length: float, path: str, batch: int = 32,
                  max_size: int | None = OVERLAY_MAX_SIZE) -> str:
    """Render ``world``'s motion over every frame of ``src`` into ``path`` (.mp4/.avi… or a folder);
    ``max_size``: see :data:`OVERLAY_MAX_SIZE` (None: full resolution)."""
    info = src.info
    tmp, write, close = _writer(path, info.fps, (info.width, info.height))
    try:
        for i, _, out in _overlaid(src, body, world, betas, valid, focal_length, None, batch, max_size):
            write(i, out)
        close()
        if os.path.isdir(path):
            shutil.rmtree(path)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            shutil.rmtree(tmp) if os.path.isdir(tmp) else os.unlink(tmp)
    return path
