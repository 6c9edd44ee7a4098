"""Helpers for the add-on tests: random-but-valid motions and the smplx reference joints."""
from __future__ import annotations

import os
import sys

import numpy as np
import pytest

from hkmr_blender.importing.body import rest_joints_for
from hkmr_blender.base import Motion
from hkmr_blender.base.skeleton import SMPL_PARENTS
from tests.conftest import make_smpl_arrays


def make_motion(rng, frames: int = 12, arrays: dict | None = None) -> tuple[Motion, dict]:
    """A Y-up Motion with large random root rotations, poses and a drifting root path, and its body arrays."""
    arrays = arrays or make_smpl_arrays()
    betas = rng.normal(0, 1, 10)
    poses = rng.normal(0, 0.4, (frames, 72))
    poses[:, :3] = rng.normal(0, 1.2, (frames, 3))
    trans = np.cumsum(rng.normal(0, 0.1, (frames, 3)), 0) + [0.3, -0.2, 1.0]
    return Motion(poses=poses, trans=trans, betas=betas, fps=30.0, rest_joints=rest_joints_for(arrays, betas)), arrays


def has_torch() -> bool:
    """Whether torch and smplx import here: not in the version-matrix venvs (.ci/bpy-versions), where
    :func:`smplx_joints` falls back to the numpy reference FK (checked equal to smplx in the main venv)."""
    try:
        import smplx.lbs  # noqa: F401
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def smplx_joints(motion: Motion, arrays: dict) -> np.ndarray:
    """(F,24,3) joints from smplx.lbs (the reference FK: betas → joints → posed) + transl; without torch,
    from :mod:`tests.blender.reference_fk` on the same betas-shaped rest joints."""
    if not has_torch():
        return numpy_joints(motion, arrays)
    import torch
    from smplx.lbs import lbs
    f = motion.num_frames
    t = lambda a, dt=torch.float64: torch.as_tensor(np.asarray(a), dtype=dt)  # noqa: E731
    nb = arrays["shapedirs"].shape[-1]
    betas = np.zeros(nb)
    betas[:len(motion.betas)] = motion.betas[:nb]
    posedirs = np.asarray(arrays["posedirs"])
    nv = len(arrays["v_template"])
    posedirs = posedirs.reshape(-1, 207).T if posedirs.size else np.zeros((207, nv * 3))  # open body: none
    _, joints = lbs(t(np.repeat(betas[None], f, 0)), t(motion.poses), t(arrays["v_template"]),
                    t(arrays["shapedirs"]), t(posedirs), t(arrays["J_regressor"]),
                    torch.as_tensor(SMPL_PARENTS), t(arrays["weights"]))
    return joints.numpy() + np.asarray(motion.trans)[:, None]


def numpy_joints(motion: Motion, arrays: dict) -> np.ndarray:
    """(F,24,3) joints by the numpy reference FK from the body's betas-shaped rest joints + transl."""
    from tests.blender.reference_fk import forward_kinematics
    rest = rest_joints_for(arrays, np.asarray(motion.betas))
    return forward_kinematics(motion.poses, motion.trans, rest)[0]


def glb_key_counts(path) -> set[int]:
    """The key counts of the animation channels in a .glb (its JSON chunk), as an engine reads them."""
    import json
    import struct
    data = path.read_bytes()
    size = struct.unpack("<I", data[12:16])[0]
    gltf = json.loads(data[20:20 + size])
    return {gltf["accessors"][a["samplers"][ch["sampler"]]["input"]]["count"]
            for a in gltf["animations"] for ch in a["channels"]}


def to_blender(points: np.ndarray) -> np.ndarray:
    """SMPL Y-up points (..., 3) → Blender Z-up."""
    from hkmr_blender.rig.transforms import C_Y_TO_Z
    return np.asarray(points) @ C_Y_TO_Z.T


@pytest.fixture(scope="session")
def bpy_module(tmp_path_factory):
    """The bpy module (one session for all Blender tests). Blender's user folders (extensions,
    config) go to a temporary folder: session fixtures run before the per-test HOME fixture."""
    if "bpy" not in sys.modules:
        os.environ.setdefault("BLENDER_USER_RESOURCES", str(tmp_path_factory.mktemp("blender_user")))
    return pytest.importorskip("bpy")


@pytest.fixture(scope="session")
def built_zip(bpy_module, tmp_path_factory):
    """The extension zip built once per session by build.py (Blender's validator included)."""
    import subprocess
    from pathlib import Path
    root = Path(__file__).resolve().parents[2]
    out = tmp_path_factory.mktemp("dist")
    proc = subprocess.run([sys.executable, str(root / "build.py"), "--out", str(out)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    zips = list(out.glob("hkmr_mocap-*.zip"))
    assert len(zips) == 1 and "validated" in proc.stdout
    return zips[0]


@pytest.fixture(scope="module")
def installed(bpy_module, built_zip):
    """The built zip installed + enabled like "Install from Disk" into the temporary user extensions repository
    (again per module: other modules reset to factory settings); (zip path, the installed module)."""
    import importlib
    bpy_module.ops.wm.read_factory_settings(use_empty=True)
    result = bpy_module.ops.extensions.package_install_files(filepath=str(built_zip), repo="user_default",
                                                             enable_on_install=True)
    assert result == {"FINISHED"}
    return built_zip, importlib.import_module("bl_ext.user_default.hkmr_mocap")


def clear_scene(bpy) -> None:
    """Remove every object, armature, mesh and action (keeps preferences and enabled add-ons,
    unlike ``read_factory_settings``)."""
    for ob in list(bpy.data.objects):
        bpy.data.objects.remove(ob)
    for coll in (bpy.data.armatures, bpy.data.meshes, bpy.data.actions):
        for item in list(coll):
            coll.remove(item)


@pytest.fixture
def empty_scene(bpy_module):
    """A fresh empty Blender file for each test; returns bpy.context."""
    bpy_module.ops.wm.read_factory_settings(use_empty=True)
    return bpy_module.context


def heads_over_frames(context, obj, bone_names, frames) -> np.ndarray:
    """(K,J,3) world bone heads of ``obj`` at each scene frame."""
    from hkmr_blender.rig.armature import world_heads
    out = []
    for f in frames:
        context.scene.frame_set(int(f))
        out.append(world_heads(obj, bone_names))
    return np.array(out)


def import_with_mixamo_target(bpy, folder, seed: int, frames: int):
    """Through the operators, as a user: a random clip written to ``folder/clip.npz`` and imported as a new SMPL
    armature (scene rate, no mesh), a Mixamo-named rig of its proportions, both set as the retarget source and
    target. Returns (source, target)."""
    from hkmr_blender.base import write_motion
    from tests.blender.retarget_rigs import build_armature
    clear_scene(bpy)
    motion, _ = make_motion(np.random.default_rng(seed), frames=frames)
    write_motion(folder / "clip.npz", motion)
    h = bpy.context.scene.hkmr
    h.target, h.rate, h.create_mesh = "new", "set_scene", False
    assert bpy.ops.hkmr.import_motion(filepath=str(folder / "clip.npz")) == {"FINISHED"}
    source = bpy.context.active_object
    target = build_armature(bpy.context, "mixamo", np.asarray(motion.rest_joints) @ [[1, 0, 0], [0, 0, 1], [0, -1, 0]])
    s = bpy.context.scene.hkmr_retarget
    s.source, s.target = source, target
    return source, target


def bone_ops_refuse(bpy, obj, out_dir, said: str) -> None:
    """Pin Feet, Apply Root Motion and Export Actions (Root motion, Unreal preset, into ``out_dir``) on ``obj`` each
    fail with the message ``said`` (a regex) and change nothing: the same action, no 'root' bone, no file written."""
    import pytest
    bpy.context.view_layer.objects.active = obj
    h = bpy.context.scene.hkmr
    action = obj.animation_data.action
    h.root_mode, h.export_dir, h.export_preset, h.export_root_motion = "root_motion", str(out_dir), "unreal", True
    try:
        for op in (bpy.ops.hkmr.pin_feet, bpy.ops.hkmr.root_motion, bpy.ops.hkmr.export_actions):
            with pytest.raises(RuntimeError, match=said):
                op()
    finally:
        h.root_mode, h.export_root_motion = "world", False
    assert obj.animation_data.action == action and "root" not in obj.data.bones
    assert not out_dir.exists()
