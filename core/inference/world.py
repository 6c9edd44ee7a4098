"""Camera-frame SMPL estimates → a static-camera world: Y up, feet on the ground at the start.

Camera frame (regressor or fit output): OpenCV, x right, y down, z forward. World frame: SMPL's
canonical Y-up, metres, a rotation ``C`` applied to the camera frame, so a person facing the camera
faces +Z. The camera is assumed static. Without a floor it is also assumed level: ``C = diag(1, −1, −1)``
(180° about x) and the world is shifted by ``o`` so that the lowest mesh vertex of the first valid frame
is at y = 0. With the clip fit's floor (:class:`core.fitting.contacts.Floor`, fitted to the planted feet:
"up" from gravity, not from the camera) ``C`` turns the floor normal to +Y (the camera's tilt is undone)
and the floor plane is y = 0. Then (``origin="first_frame"``) the first valid frame's pelvis is above
x = z = 0, or (``origin="camera"``) the camera stays at x = z = 0.

SMPL rotates the global orientation about the pelvis joint J0, so with camera translation T
(``core.geometry.full_image_camera.crop_cam_to_full``, or :class:`core.fitting.clip.ClipFit`'s ``transl``) the
world ``transl`` is ``C (J0 + T) − J0 + o`` and the root rotation becomes ``C R0``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

__all__ = ["CAMERA_TO_WORLD", "WorldFrame", "WorldTrajectory", "camera_to_world_rotation", "to_world", "world_frame"]

CAMERA_TO_WORLD = np.diag([1.0, -1.0, -1.0])


@dataclass
class WorldTrajectory:
    """rotmats (F, 24, 3, 3) with joint 0 in the world frame; trans (F, 3) SMPL ``transl`` (world);
    world → camera: ``P_cam = cam_R @ P_world + cam_t`` (cam_R (3, 3), cam_t (3,)) for a static camera (for a
    moving one, the first frame's); ``view_R`` (F, 3, 3) / ``view_t`` (F, 3): a moving camera's world → camera
    per frame (None when static)."""

    rotmats: np.ndarray
    trans: np.ndarray
    cam_R: np.ndarray
    cam_t: np.ndarray
    view_R: np.ndarray | None = None
    view_t: np.ndarray | None = None

    def to_camera(self, points: np.ndarray, start: int = 0) -> np.ndarray:
        """(n, ..., 3) world points of frames ``start…start+n`` → camera frame (per-frame for a moving camera)."""
        p = np.asarray(points, np.float64)
        if self.view_R is None:
            return p @ self.cam_R.T + self.cam_t
        sl = slice(start, start + len(p))
        flat = p.reshape(len(p), -1, 3)
        out = np.einsum("fij,fnj->fni", self.view_R[sl], flat) + self.view_t[sl, None]
        return out.reshape(p.shape)

    def part(self, a: int, b: int) -> "WorldTrajectory":
        """Frames [a, b) (a moving camera's per-frame view cut with them): what the overlay reads per batch."""
        sl = slice(a, b)
        return WorldTrajectory(self.rotmats[sl], self.trans[sl], self.cam_R, self.cam_t,
                               None if self.view_R is None else self.view_R[sl],
                               None if self.view_t is None else self.view_t[sl])


def camera_to_world_rotation(up: np.ndarray) -> np.ndarray:
    """(3,) unit "up" in the camera frame → (3, 3) rotation C with C·up = +Y and the camera's viewing
    direction kept in the Y–Z plane (towards −Z); up = (0, −1, 0) gives :data:`CAMERA_TO_WORLD`."""
    y = np.asarray(up, np.float64) / np.linalg.norm(up)
    z = np.array([0.0, 0.0, -1.0]) - y * -y[2]
    z /= np.linalg.norm(z)
    return np.stack([np.cross(y, z), y, z])


@dataclass(frozen=True)
class WorldFrame:
    """The camera → world map of a static camera: ``c`` (3,3) rotation, ``o`` (3,) shift, ``j0`` (3,) the
    body's rest pelvis joint (SMPL turns the orientation about it). Applied row by row, so any block of frames
    maps as the whole clip does (:meth:`trajectory`)."""

    c: np.ndarray
    o: np.ndarray
    j0: np.ndarray

    def trajectory(self, rotmats: np.ndarray, cam_t: np.ndarray) -> WorldTrajectory:
        """(n,24,3,3) camera-frame rotations, (n,3) camera-frame translation → their :class:`WorldTrajectory`."""
        rot = np.array(rotmats, np.float64)
        rot[:, 0] = self.c @ rot[:, 0]
        trans = (np.asarray(cam_t, np.float64) + self.j0) @ self.c.T - self.j0
        return WorldTrajectory(rot, trans + self.o, self.c.T, -self.c.T @ self.o)


@torch.no_grad()
def world_frame(body: torch.nn.Module, betas: np.ndarray, first_rotmats: np.ndarray, first_t: np.ndarray,
                origin: str = "first_frame", floor=None) -> WorldFrame:
    """The world of a clip whose first valid frame has camera-frame rotations ``first_rotmats`` (24,3,3) and
    translation ``first_t`` (3,) (see :func:`to_world`)."""
    if origin not in ("first_frame", "camera"):
        raise ValueError(f"origin must be 'first_frame' or 'camera', got {origin!r}")
    c = CAMERA_TO_WORLD if floor is None else camera_to_world_rotation(floor.normal)
    b = torch.as_tensor(np.asarray(betas), dtype=torch.float32)[None]
    j0 = body.rest_joints(b)[0, 0].double().numpy()
    first = WorldFrame(c, np.zeros(3), j0).trajectory(np.asarray(first_rotmats)[None], np.asarray(first_t)[None])
    if floor is None:
        verts = body(torch.as_tensor(first.rotmats, dtype=torch.float32), b,
                     torch.as_tensor(first.trans, dtype=torch.float32)).vertices[0].double().numpy()
        o = np.array([0.0, -verts[:, 1].min(), 0.0])
    else:  # floor points p: normal·p + offset = 0, and C's second row is the normal
        o = np.array([0.0, float(floor.offset), 0.0])
    if origin == "first_frame":
        o[[0, 2]] = -(first.trans[0] + j0)[[0, 2]]
    return WorldFrame(c, o, j0)


def to_world(body: torch.nn.Module, rotmats: np.ndarray, betas: np.ndarray, cam_t: np.ndarray,
             valid: np.ndarray, origin: str = "first_frame", floor=None) -> WorldTrajectory:
    """rotmats (F, 24, 3, 3) camera frame, betas (NB,), cam_t (F, 3) camera-frame translation of the
    body model's output (no ``transl``), valid (F,), floor: a :class:`core.fitting.contacts.Floor` or
    None (level camera, lowest vertex of the first valid frame on y = 0) → :class:`WorldTrajectory`."""
    valid = np.asarray(valid, bool)
    if not valid.any():
        raise ValueError("no valid frame to anchor the world frame on")
    f0 = int(np.flatnonzero(valid)[0])
    return world_frame(body, betas, rotmats[f0], cam_t[f0], origin, floor).trajectory(rotmats, cam_t)
