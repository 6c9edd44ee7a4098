"""Camera-frame SMPL estimates → a static-camera world: Y up, feet on the ground at the start.

Camera frame (regressor output): OpenCV, x right, y down, z forward. World frame: SMPL's
canonical Y-up, metres, ``C = diag(1, −1, −1)`` (180° about x) applied to the camera frame, so
a person facing the camera faces +Z. The camera is assumed static and level (no tilt is
estimated). The world is then shifted by ``o`` so that the lowest mesh vertex of the first
valid frame is at y = 0 and (``origin="first_frame"``) that frame's pelvis is above x = z = 0,
or (``origin="camera"``) the camera stays at x = z = 0.

SMPL rotates the global orientation about the pelvis joint J0, so with camera translation T
(``core.geometry.full_image_camera.crop_cam_to_full``) the world ``transl`` is ``C (J0 + T) − J0 + o`` and
the root rotation becomes ``C R0``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

__all__ = ["CAMERA_TO_WORLD", "WorldTrajectory", "to_world"]

CAMERA_TO_WORLD = np.diag([1.0, -1.0, -1.0])


@dataclass
class WorldTrajectory:
    """rotmats (F, 24, 3, 3) with joint 0 in the world frame; trans (F, 3) SMPL ``transl`` (world);
    world → camera: ``P_cam = cam_R @ P_world + cam_t`` (cam_R (3, 3), cam_t (3,))."""

    rotmats: np.ndarray
    trans: np.ndarray
    cam_R: np.ndarray
    cam_t: np.ndarray


@torch.no_grad()
def to_world(body: torch.nn.Module, rotmats: np.ndarray, betas: np.ndarray, cam_t: np.ndarray,
             valid: np.ndarray, origin: str = "first_frame") -> WorldTrajectory:
    """rotmats (F, 24, 3, 3) camera frame, betas (NB,), cam_t (F, 3) camera-frame translation of the
    body model's output (no ``transl``), valid (F,) → :class:`WorldTrajectory`."""
    if origin not in ("first_frame", "camera"):
        raise ValueError(f"origin must be 'first_frame' or 'camera', got {origin!r}")
    valid = np.asarray(valid, bool)
    if not valid.any():
        raise ValueError("no valid frame to anchor the world frame on")
    c = CAMERA_TO_WORLD
    b = torch.as_tensor(np.asarray(betas), dtype=torch.float32)[None]
    j0 = body.rest_joints(b)[0, 0].double().numpy()
    rot = np.array(rotmats, np.float64)
    rot[:, 0] = c @ rot[:, 0]
    trans = (np.asarray(cam_t, np.float64) + j0) @ c.T - j0
    f0 = int(np.flatnonzero(valid)[0])
    verts = body(torch.as_tensor(rot[f0:f0 + 1], dtype=torch.float32), b,
                 torch.as_tensor(trans[f0:f0 + 1], dtype=torch.float32)).vertices[0].double().numpy()
    o = np.array([0.0, -verts[:, 1].min(), 0.0])
    if origin == "first_frame":
        o[[0, 2]] = -(trans[f0] + j0)[[0, 2]]
    return WorldTrajectory(rot, trans + o, c, -c @ o)
