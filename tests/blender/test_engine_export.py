"""Must-show (issue 18, item 4): every engine preset exports one skeleton with one root — a generated Rigify
rig as its DEF bones only (+ its root) in one hierarchy, baked from the evaluated rig; Mixamo/UE names kept;
root motion on the root bone. Each FBX is read back without Blender (ufbx): one root, the expected bone set,
Blender's frame count, every bone's world position within 1 mm of the evaluated rig on every frame. The
user's scene is left exactly as it was."""
from __future__ import annotations

import numpy as np
import pytest

from hkmr_blender.export.skeleton import game_skeleton, local_keys
from tests.blender.conftest import heads_over_frames, make_motion
from tests.blender.fbx_read import read_fbx
from tests.blender.retarget_rigs import build_armature, rigify_rig

FRAMES = 12
MM = 1e-3


# ---- bpy-free: the skeleton choice and the local keys -------------------------------------------------

def test_game_skeleton_relinks_deform_bones_through_their_org_twins():
    parent_of = {"root": None, "ORG-spine": "root", "DEF-spine": "ORG-spine", "MCH-x": None, "ctl": "root",
                 "ORG-thigh": "ORG-spine", "DEF-thigh": "ORG-thigh", "DEF-shin": "DEF-thigh",
                 "face": "ctl", "ORG-lip": "ORG-spine", "DEF-lip": "face", "loose": "MCH-x"}
    deform = {n: n.startswith("DEF-") or n == "loose" for n in parent_of}
    sk = game_skeleton(list(parent_of), parent_of, deform)
    par = {n: sk.names[p] if p >= 0 else None for n, p in zip(sk.names, sk.parents)}
    assert set(sk.names) == {"root", "DEF-spine", "DEF-thigh", "DEF-shin", "DEF-lip", "loose"}
    assert par == {"root": None, "DEF-spine": "root", "DEF-thigh": "DEF-spine", "DEF-shin": "DEF-thigh",
                   "DEF-lip": "DEF-spine", "loose": "root"}
    assert sk.roots == ["root"] and all(sk.parents[i] < i for i in range(len(sk.names)))   # parents first
    with pytest.raises(ValueError, match="no deform bones"):
        game_skeleton(["a"], {"a": None}, {"a": False})


def test_game_skeleton_without_a_root_bone_keeps_the_biggest_tree_as_root():
    parent_of = {"hips": None, "spine": "hips", "leg": "hips", "prop": None}
    sk = game_skeleton(list(parent_of), parent_of, dict.fromkeys(parent_of, True))
    assert sk.roots == ["hips"] and sk.parents[sk.names.index("prop")] == sk.names.index("hips")


def test_local_keys_rebuild_the_armature_space_pose():
    rng = np.random.default_rng(0)
    parents = [-1, 0, 1, 0]
    k, f = len(parents), 5

    def rigid(n):
        q, _ = np.linalg.qr(rng.normal(size=(n, 3, 3)))
        m = np.tile(np.eye(4), (n, 1, 1))
        m[:, :3, :3] = q * np.sign(np.linalg.det(q))[:, None, None]
        m[:, :3, 3] = rng.normal(size=(n, 3))
        return m
    rest = rigid(k)
    pose = rigid(f * k).reshape(f, k, 4, 4)
    pose[:, 2, :3, :3] *= 1.3                                       # a stretched bone
    loc, quat, scale = local_keys(pose, rest, parents)
    from hkmr_blender.rig.transforms import quaternion_to_matrix
    basis = np.tile(np.eye(4), (f, k, 1, 1))
    basis[..., :3, :3] = quaternion_to_matrix(quat) * scale[..., None, :]
    basis[..., :3, 3] = loc
    out = np.empty_like(pose)
    for j, p in enumerate(parents):                                 # Blender's pose FK
        rel = rest[j] if p < 0 else np.linalg.inv(rest[p]) @ rest[j]
        out[:, j] = (rel if p < 0 else out[:, p] @ rel) @ basis[:, j]
    np.testing.assert_allclose(out, pose, atol=1e-9)
    assert np.all(np.sum(quat[1:] * quat[:-1], -1) >= 0)            # sign-continuous


# ---- in Blender, read back with ufbx ------------------------------------------------------------------

def _scene_state(bpy):
    return ({o.name: (o.type, o.parent.name if o.parent else None) for o in bpy.data.objects},
            sorted(a.name for a in bpy.data.armatures), sorted(a.name for a in bpy.data.actions))


def _check_fbx(context, rig, path, expect_bones, frames):
    """One root, the expected bones, Blender's frame count, world heads within 1 mm every frame."""
    fbx = read_fbx(path, frames)
    assert len(fbx.roots) == 1, fbx.roots
    assert set(fbx.names) == set(expect_bones)
    assert fbx.frames == len(frames)
    heads = heads_over_frames(context, rig, fbx.names, frames)
    err = np.abs(fbx.world - heads).max()
    assert err < MM, f"{path.name}: {err * 1000:.3f} mm"
    return fbx, err


@pytest.mark.blender
@pytest.mark.slow
def test_rigify_leaves_for_every_engine_as_its_deform_bones_under_one_root(empty_scene, tmp_path):
    """A generated Rigify rig animated by a retarget (FK controls, constraints, stretch), its root control
    travelling (root motion), a skinned mesh: the presets export root + 160 DEF bones as one tree."""
    import bpy
    from hkmr_blender.export.files import export_clip
    from hkmr_blender.importing.importer import ImportSettings, import_motion
    from hkmr_blender.retarget.apply import retarget
    context = empty_scene
    motion, _ = make_motion(np.random.default_rng(3), frames=FRAMES)
    smpl = import_motion(context, motion, ImportSettings(rate="set_scene", create_mesh=False)).armature
    rig = rigify_rig(context)
    mapping = retarget(context, smpl, rig).mapping
    assert mapping.family == "rigify" and {e.confidence for e in mapping.entries} == {1.0}   # was 0.5 on 3 bones
    root = rig.pose.bones["root"]
    for f, x in ((1, 0.0), (FRAMES, 0.8)):
        root.location = (0.0, x, 0.0)
        root.rotation_quaternion = (1, 0, 0, 0) if f == 1 else (0.92388, 0, 0, 0.38268)
        root.keyframe_insert("location", frame=f)
        root.keyframe_insert("rotation_quaternion", frame=f)
    bpy.ops.mesh.primitive_cube_add(size=0.3, location=(0, 0, 1.0))
    body = context.object
    body.name = "character_body"
    group = body.vertex_groups.new(name="DEF-spine.001")
    group.add(list(range(len(body.data.vertices))), 1.0, "REPLACE")
    mod = body.modifiers.new("Armature", "ARMATURE")
    mod.object = rig
    bpy.data.objects.new("Armature", None)                          # a user object holding the UE name
    context.scene.collection.objects.link(bpy.data.objects["Armature"])
    context.scene.frame_start, context.scene.frame_end = 1, FRAMES
    frames = range(1, FRAMES + 1)
    deform = {b.name for b in rig.data.bones if b.use_deform}
    assert len(rig.data.bones) == 706 and len(deform) == 160                          # Blender 5.0's human rig

    # before (what Blender's exporter does with the rig as it is): 706 bones, 10 roots
    export_clip(context, rig, None, tmp_path / "full.fbx", "fbx", "unreal", game_rig=False)
    full = read_fbx(tmp_path / "full.fbx")
    assert len(full.names) == 706 and len(full.roots) == 10

    before = _scene_state(bpy)
    sizes = {}
    for preset in ("unreal", "unity", "generic"):
        path = tmp_path / f"{preset}.fbx"
        export_clip(context, rig, body, path, "fbx", preset)
        fbx, err = _check_fbx(context, rig, path, deform | {"root"}, frames)
        assert fbx.roots == ["root"] and fbx.parent["DEF-spine"] == "root"
        assert fbx.parent["DEF-thigh.L"] == "DEF-pelvis.L" or fbx.parent["DEF-thigh.L"] == "DEF-spine"
        assert fbx.parent["DEF-upper_arm.L"] == "DEF-shoulder.L" and fbx.parent["DEF-shoulder.L"] == "DEF-spine.003"
        assert fbx.unit_meters == pytest.approx(0.01 if preset == "generic" else 1.0)   # file unit: m or cm
        assert fbx.meshes == ["character_body"]                       # skinned to the exported bones
        assert "DEF-spine.001" in fbx.skin_bones and fbx.skin_bones <= set(fbx.names)
        root_path = fbx.world[:, fbx.names.index("root")]
        assert root_path[-1, 1] == pytest.approx(0.8, abs=MM)        # root motion rides on the root bone
        assert _scene_state(bpy) == before and mod.object == rig and rig.name == "rig"
        sizes[preset] = path.stat().st_size
    assert sizes["unreal"] < (tmp_path / "full.fbx").stat().st_size / 3
    for fmt in ("glb", "bvh"):                                       # the other formats: same skeleton
        export_clip(context, rig, body, tmp_path / f"rig.{fmt}", fmt, "generic")
    bvh = (tmp_path / "rig.bvh").read_text()
    assert bvh.count("JOINT ") + bvh.count("ROOT ") == 161 and bvh.startswith("HIERARCHY\nROOT root")
    assert _scene_state(bpy) == before


@pytest.mark.blender
@pytest.mark.parametrize("preset", ["unreal", "unity", "generic"])
def test_engine_rigs_keep_their_names_and_drop_helper_bones(empty_scene, tmp_path, preset):
    """Mixamo and UE-named rigs: names kept; a non-deform IK helper bone (a second root) is dropped."""
    from mathutils import Matrix
    from hkmr_blender.export.files import export_clip
    from hkmr_blender.importing.importer import ImportSettings, import_motion
    from hkmr_blender.retarget.apply import retarget
    from hkmr_blender.rig.transforms import C_Y_TO_Z
    import bpy
    context = empty_scene
    motion, _ = make_motion(np.random.default_rng(4), frames=FRAMES)
    smpl = import_motion(context, motion, ImportSettings(rate="set_scene", create_mesh=False)).armature
    joints = np.asarray(motion.rest_joints) @ C_Y_TO_Z.T
    frames = range(1, FRAMES + 1)
    for family in ("mixamo", "unreal"):
        if family == "mixamo":      # as Blender imports a Mixamo FBX: Y-up cm bones, object 90° X, scale 0.01
            rig = build_armature(context, family, joints @ C_Y_TO_Z * 100, seed=1)
            rig.matrix_world = Matrix.Rotation(np.pi / 2, 4, "X") @ Matrix.Scale(0.01, 4)
        else:
            rig = build_armature(context, family, joints, seed=3)
        names = {b.name for b in rig.data.bones}
        context.view_layer.objects.active = rig
        bpy.ops.object.mode_set(mode="EDIT")
        helper = rig.data.edit_bones.new("IK_helper")
        helper.head, helper.tail = (0.3, 0, 0), (0.3, 0, 0.2)
        helper.use_deform = False
        bpy.ops.object.mode_set(mode="OBJECT")
        retarget(context, smpl, rig)
        context.scene.frame_start, context.scene.frame_end = 1, FRAMES
        path = tmp_path / f"{family}_{preset}.fbx"
        export_clip(context, rig, None, path, "fbx", preset)
        fbx, _ = _check_fbx(context, rig, path, names, frames)
        assert fbx.roots == (["mixamorig:Hips"] if family == "mixamo" else ["root"])
        assert "IK_helper" in rig.data.bones and rig.name == family


@pytest.mark.blender
def test_smpl_rig_with_root_motion_exports_root_as_the_single_root(empty_scene, tmp_path):
    from hkmr_blender.export.files import export_clip
    from hkmr_blender.importing.importer import ImportSettings, import_motion
    from hkmr_blender.root.settings import RootSettings
    context = empty_scene
    motion, _ = make_motion(np.random.default_rng(6), frames=FRAMES)
    motion.trans[:, 2] += np.linspace(0, 1.0, FRAMES)                # travel forward
    res = import_motion(context, motion, ImportSettings(rate="set_scene", create_mesh=False,
                                                        root=RootSettings(root_mode="root_motion")))
    names = {b.name for b in res.armature.data.bones}
    assert "root" in names
    f0, f1 = context.scene.frame_start, context.scene.frame_end
    for preset in ("unreal", "unity"):
        export_clip(context, res.armature, None, tmp_path / f"{preset}.fbx", "fbx", preset)
        fbx, _ = _check_fbx(context, res.armature, tmp_path / f"{preset}.fbx", names, range(f0, f1 + 1))
        assert fbx.roots == ["root"] and fbx.parent["pelvis"] == "root"
        travel = fbx.world[-1, fbx.names.index("root")] - fbx.world[0, fbx.names.index("root")]
        assert np.linalg.norm(travel[:2]) > 0.5                    # the root bone carries the travel


@pytest.mark.blender
@pytest.mark.parametrize("preset", ["unreal", "unity"])
def test_root_motion_when_chosen_rides_on_the_root_bone_of_the_engine_file(empty_scene, tmp_path, preset):
    """A UE-named rig retargeted from a travelling clip (its `root` bone still at the origin): exported with
    root motion chosen, the file's root node carries the hips' travel on the floor while every bone stays
    where the evaluated rig has it (within 1 mm); without it the root stays put. The user's rig, action and
    scene are unchanged."""
    import bpy
    from hkmr_blender.export.files import export_clip
    from hkmr_blender.importing.importer import ImportSettings, import_motion
    from hkmr_blender.retarget.apply import retarget
    from hkmr_blender.rig.transforms import C_Y_TO_Z
    from hkmr_blender.root.settings import RootSettings
    context = empty_scene
    motion, _ = make_motion(np.random.default_rng(7), frames=FRAMES)
    motion.trans[:, 2] += np.linspace(0, 1.2, FRAMES)                # 1.2 m forward
    smpl = import_motion(context, motion, ImportSettings(rate="set_scene", create_mesh=False)).armature
    rig = build_armature(context, "unreal", np.asarray(motion.rest_joints) @ C_Y_TO_Z.T, seed=3)
    action = retarget(context, smpl, rig).action
    context.scene.frame_start, context.scene.frame_end = 1, FRAMES
    frames = range(1, FRAMES + 1)
    before = _scene_state(bpy)
    plain = read_fbx(export_clip(context, rig, None, tmp_path / "plain.fbx", "fbx", preset), frames)
    path = export_clip(context, rig, None, tmp_path / "root.fbx", "fbx", preset, root_motion=RootSettings(),
                       hips="pelvis", feet=["foot_l", "foot_r", "ball_l", "ball_r"])
    fbx = read_fbx(path, frames)
    assert fbx.roots == ["root"] and fbx.parent["pelvis"] == "root" and fbx.names == plain.names
    assert fbx.frames == FRAMES
    # the body (pelvis and below) where the rig has it; unkeyed helpers under the root (ik_foot_*) ride with it
    body = ["pelvis"] + [b.name for b in rig.data.bones["pelvis"].children_recursive]
    err = np.abs(fbx.world[:, [fbx.names.index(n) for n in body]] - heads_over_frames(context, rig, body, frames))
    assert err.max() < MM
    root, pelvis = (fbx.world[:, fbx.names.index(n)] for n in ("root", "pelvis"))
    assert np.abs(plain.world[:, plain.names.index("root")] - plain.world[0, plain.names.index("root")]).max() < MM
    np.testing.assert_allclose(root[:, :2] - root[0, :2], pelvis[:, :2] - pelvis[0, :2], atol=0.01)
    assert np.linalg.norm(root[-1, :2] - root[0, :2]) > 1.0 and len(body) > 20 and np.abs(root[:, 2]).max() < MM   # on the floor
    assert _scene_state(bpy) == before and rig.animation_data.action == action
    assert "root" in rig.data.bones and len(rig.data.bones) == len(rig.data.bones.keys())
