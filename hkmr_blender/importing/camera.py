"""The filming camera (motion file v5 ``view_*``) as an animated Blender camera: the rendered body lines up with
the footage (compositing), also when the camera panned, followed or shook (issue 22).

:func:`camera_keys` is the numpy math (no bpy): the file's world → OpenCV camera pose per frame becomes a
Blender camera object's location and rotation in Blender's Z-up world (the same Y-up → Z-up turn the importer
gives the body), and ``view_K`` becomes lens, sensor and shift. :func:`create_filming_camera` is the bpy layer.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..base.rotations import C_Y_TO_Z, matrix_to_quaternion

__all__ = ["SENSOR_MM", "CameraKeys", "camera_keys", "create_filming_camera"]

#: Sensor width of the created camera, mm (its field of view comes from lens / sensor).
SENSOR_MM = 36.0
_CV_TO_BLENDER_CAMERA = np.diag([1.0, -1.0, -1.0])   # OpenCV camera axes → Blender's (looks down −Z, +Y up)


@dataclass
class CameraKeys:
    """location (F,3) and rotation_quaternion (F,4) WXYZ of the camera object (Blender world, Z up);
    lens (mm) for a horizontal sensor of :data:`SENSOR_MM`; shift_x / shift_y (fractions of the larger image
    side); size (width, height) px for the render resolution."""

    location: np.ndarray
    quaternion: np.ndarray
    lens: float
    shift_x: float
    shift_y: float
    size: tuple[int, int]


def camera_keys(view, up_axis: str = "y") -> CameraKeys:
    """``view``: :class:`hkmr_blender.base.ViewCamera` of a motion whose world has ``up_axis`` → :class:`CameraKeys`.
    Blender world = A · file world (A: Y-up → Z-up, or identity for a Z-up file); camera → Blender world
    rotation = A Rᵀ F (F flips OpenCV's y, z), camera centre = A (−Rᵀ t)."""
    a = C_Y_TO_Z if up_axis == "y" else np.eye(3)
    R, t = np.asarray(view.R, np.float64), np.asarray(view.t, np.float64)
    centre = -np.einsum("fji,fj->fi", R, t)
    rot = a @ np.swapaxes(R, 1, 2) @ _CV_TO_BLENDER_CAMERA
    q = matrix_to_quaternion(rot)
    for i in range(1, len(q)):                             # no sign flips between keys (the short way round)
        if np.dot(q[i], q[i - 1]) < 0:
            q[i] = -q[i]
    K = np.asarray(view.K, np.float64)
    w, h = (int(v) for v in view.size)
    big = float(max(w, h))
    return CameraKeys(centre @ a.T, q, float(K[0, 0] / w * SENSOR_MM), float((w / 2 - K[0, 2]) / big),
                      float((K[1, 2] - h / 2) / big), (w, h))


def create_filming_camera(context, keys: CameraKeys, frames: np.ndarray, name: str, parent=None):
    """A new camera object ``name`` keyed at ``frames`` (K,) (linear), made the scene's camera, the render
    resolution set to the footage's; parented to ``parent`` (the armature: its object transform then moves the
    camera with the body). Returns the object."""
    import bpy

    from ..rig.keys import Channel, write_action

    data = bpy.data.cameras.new(name)
    data.sensor_fit, data.sensor_width, data.lens = "HORIZONTAL", SENSOR_MM, keys.lens
    data.shift_x, data.shift_y = keys.shift_x, keys.shift_y
    obj = bpy.data.objects.new(name, data)
    context.scene.collection.objects.link(obj)
    obj.rotation_mode = "QUATERNION"
    if parent is not None:
        obj.parent = parent
    channels = [Channel("location", i, "Camera", keys.location[:, i]) for i in range(3)]
    channels += [Channel("rotation_quaternion", i, "Camera", keys.quaternion[:, i]) for i in range(4)]
    write_action(obj, f"{name}_action", np.asarray(frames, np.float64), channels)
    context.scene.camera = obj
    context.scene.render.resolution_x, context.scene.render.resolution_y = keys.size
    context.scene.render.resolution_percentage = 100
    return obj
