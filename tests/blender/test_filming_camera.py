"""The filming camera (motion file v5 ``view_*``) imported as the scene's animated camera: a point of the body's
world projects through the Blender camera onto the same pixel as through the file's camera, on every frame."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from hkmr_blender.base import ViewCamera
from hkmr_blender.base.rotations import C_Y_TO_Z
from tests.blender.conftest import make_motion

pytestmark = pytest.mark.blender
W, H, F = 1280, 720, 12


def _view(rng) -> ViewCamera:
    # a camera 4 m in front of the body (+Z, Y-up world) looking back at it, panning and shaking
    base = np.diag([1.0, -1.0, -1.0]) @ Rotation.from_euler("y", 180, degrees=True).as_matrix().T
    R = np.stack([Rotation.from_rotvec(rng.normal(0, 0.08, 3)).as_matrix() @ base for _ in range(F)])
    centre = np.array([0.3, 1.2, 4.0]) + rng.normal(0, 0.2, (F, 3))
    K = np.array([[1100.0, 0, W / 2], [0, 1100.0, H / 2], [0, 0, 1]])
    return ViewCamera(K, np.array([W, H]), R, -np.einsum("fij,fj->fi", R, centre))


def test_imported_camera_sees_the_world_as_the_file_camera_does():
    import bpy
    from bpy_extras.object_utils import world_to_camera_view
    from mathutils import Vector

    from hkmr_blender.importing.importer import ImportSettings, import_motion

    bpy.ops.wm.read_factory_settings(use_empty=True)
    rng = np.random.default_rng(5)
    motion, _ = make_motion(rng, frames=F)
    motion = replace(motion, view=_view(rng))
    res = import_motion(bpy.context, motion, ImportSettings(rate="set_scene", create_mesh=False), name="clip")
    scene = bpy.context.scene
    cam = scene.camera
    assert cam is not None and cam.parent == res.armature and cam.name.startswith("clip_camera")
    assert (scene.render.resolution_x, scene.render.resolution_y) == (W, H)
    points = rng.normal(0, 0.5, (5, 3)) + [0, 1, 0]                       # Y-up world, around the body
    for k in range(F):
        scene.frame_set(int(res.frame_start) + k)
        cam_pts = points @ motion.view.R[k].T + motion.view.t[k]
        want = cam_pts[:, :2] / cam_pts[:, 2:] * 1100.0 + [W / 2, H / 2]
        got = []
        for p in points @ C_Y_TO_Z.T:
            v = world_to_camera_view(scene, cam, Vector(p))
            got.append([v.x * W, (1 - v.y) * H])
        np.testing.assert_allclose(got, want, atol=0.05)


def test_no_camera_without_a_view_or_when_switched_off():
    import bpy

    from hkmr_blender.importing.importer import ImportSettings, import_motion

    bpy.ops.wm.read_factory_settings(use_empty=True)
    rng = np.random.default_rng(6)
    motion, _ = make_motion(rng, frames=F)
    import_motion(bpy.context, motion, ImportSettings(rate="set_scene", create_mesh=False), name="a")
    assert not [o for o in bpy.data.objects if o.type == "CAMERA"]
    import_motion(bpy.context, replace(motion, view=_view(rng)),
                  ImportSettings(rate="set_scene", create_mesh=False, create_camera=False), name="b")
    assert not [o for o in bpy.data.objects if o.type == "CAMERA"]
