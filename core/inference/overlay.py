"""``--overlay``: the predicted mesh drawn over the input frames (video file or PNG folder).

Re-decodes the source (frames are never kept in memory), poses the body for each frame in the
world frame, maps it into the camera with the run's world → camera transform and renders it with
the one CPU rasterizer (:func:`core.render.overlay`). Invalid frames show the input only.
Written to a temporary path in the same folder, checked (a video is re-opened and its frames counted)
and then renamed into place, with ordinary file permissions. A PNG folder is created new (it carries the
marker :data:`OVERLAY_MARKER`): an existing folder is used only when empty or a previous overlay, never emptied.
"""
from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from pathlib import Path

import cv2
import numpy as np
import torch

from core.geometry.full_image_camera import principal_point
from hkmr_blender.base.atomic import atomic_path, clean_stale_temps, temp_prefix
from hkmr_blender.base.outputs import real

from .sources import FrameSource, VIDEO_EXTS
from .world import WorldTrajectory

__all__ = ["OVERLAY_MAX_SIZE", "OVERLAY_MARKER", "is_overlay_folder", "write_overlay", "overlay_frames"]

#: Overlay videos render the body's window at most this many pixels on its longer side (then resize it up):
#: a bounded cost per frame at any resolution (docs/BENCHMARKS.md, "Overlay").
OVERLAY_MAX_SIZE = 256


@contextlib.contextmanager
def _video_writer(path: str, fps: float, size: tuple[int, int]):
    """Yield ``write(index, rgb)`` into a temporary video next to ``path``; on success the video is
    re-opened and its frames counted (OpenCV's writer reports no errors: a full disk would otherwise
    leave an unplayable file), then renamed to ``path``."""
    with atomic_path(path) as tmp:
        vw = cv2.VideoWriter(str(tmp), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
        if not vw.isOpened():
            raise OSError(f"{path}: OpenCV cannot write this video type; use .mp4 or a folder for PNG frames")
        written = []
        try:
            yield lambda i, rgb: (vw.write(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)), written.append(i))
        finally:
            vw.release()
        cap = cv2.VideoCapture(str(tmp))
        frames = int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) if cap.isOpened() else 0
        cap.release()
        if frames < len(written):
            raise OSError(f"{path}: the overlay video was not written completely ({frames} of {len(written)} "
                          f"frames readable; disk full or no permission?); nothing was kept")


#: The file that marks a PNG folder as an overlay written by HKMR (a later run may replace such a folder).
OVERLAY_MARKER = ".hkmr-overlay"
_FRAME = re.compile(r"\d{6}\.png")


def is_overlay_folder(path: str | os.PathLike) -> bool:
    """True for a folder written by :func:`write_overlay`: the marker and frame PNGs, nothing else (so
    replacing it loses nothing of the user's)."""
    p = Path(path)
    try:
        names = [(e.name, e.is_file(follow_symlinks=False)) for e in os.scandir(p)]
    except OSError:
        return False
    return (OVERLAY_MARKER, True) in names and all(f and (n == OVERLAY_MARKER or _FRAME.fullmatch(n))
                                                   for n, f in names)


def _check_png_dest(dest: Path) -> None:
    if dest.is_file() or (dest.is_dir() and any(dest.iterdir()) and not is_overlay_folder(dest)):
        raise OSError(f"{dest}: exists and is not an HKMR overlay folder; an overlay folder is created new and "
                      f"never emptied: give a new folder name")


@contextlib.contextmanager
def _png_writer(path: str):
    """Yield ``write(index, rgb)`` into a temporary folder next to ``path``, renamed to ``path`` on success.
    ``path`` must be new, empty or a previous overlay (:func:`is_overlay_folder`): nothing else is replaced."""
    dest = real(path)
    _check_png_dest(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    clean_stale_temps(dest)
    tmp = tempfile.mkdtemp(dir=dest.parent, prefix=temp_prefix(dest))
    old = None
    try:
        def write(i: int, rgb: np.ndarray) -> None:
            name = os.path.join(tmp, f"{i:06d}.png")
            if not cv2.imwrite(name, cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)):
                raise OSError(f"{name}: cannot write the overlay frame (disk full or no permission?)")
        yield write
        Path(tmp, OVERLAY_MARKER).write_text("frames of an HKMR overlay; a later --overlay run may replace this folder\n")
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o777 & ~umask)  # mkdtemp makes 0700
        _check_png_dest(dest)
        if dest.is_dir() and any(dest.iterdir()):  # a previous overlay: moved aside, removed after the swap
            old = tempfile.mkdtemp(dir=dest.parent, prefix=temp_prefix(dest))
            os.replace(dest, old)
        os.replace(tmp, dest)
    finally:
        for leftover in (tmp, old):
            if leftover and os.path.isdir(leftover):
                shutil.rmtree(leftover)


def _overlaid(src: FrameSource, body: torch.nn.Module, world: WorldTrajectory, betas: np.ndarray,
              valid: np.ndarray, focal_length: float, picks: set[int] | None = None, batch: int = 32,
              max_size: int | None = None):
    """Yield (frame index, input RGB, RGB with the mesh drawn where valid) for every frame (or only ``picks``).
    ``world``: a :class:`WorldTrajectory` or anything with its :meth:`~WorldTrajectory.part` (a long video's, read
    from disk per batch: :class:`core.pipeline.motion_blocks.DiskTrajectory`)."""
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
            part = world.part(i, min(i + batch, len(valid)))
            rot = torch.as_tensor(part.rotmats, dtype=torch.float32)
            tr = torch.as_tensor(part.trans, dtype=torch.float32)
            verts = part.to_camera(body(rot, b.expand(len(rot), -1), tr).vertices.double().numpy())
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
    is_video = os.path.splitext(path)[1].lower() in VIDEO_EXTS
    with (_video_writer(path, info.fps, (info.width, info.height)) if is_video else _png_writer(path)) as write:
        for i, _, out in _overlaid(src, body, world, betas, valid, focal_length, None, batch, max_size):
            write(i, out)
    return path
