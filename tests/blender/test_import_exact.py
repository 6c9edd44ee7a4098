"""Must-show: armature bone heads == smplx forward kinematics (Y-up → Z-up) on every frame, within
1e-4 m, on the add-on's own armature and on a foreign armature with other rest axes, rolls, an object
transform and extra bones; plus resampling, skinned mesh, AMASS input and baking."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from hkmr_blender.rig import transforms as rm
from hkmr_blender.base.atomic import atomic_savez
from hkmr_blender.base.skeleton import SMPL_JOINT_NAMES, SMPL_PARENTS
from tests.blender.conftest import has_torch, heads_over_frames, make_motion, smplx_joints, to_blender

pytestmark = pytest.mark.blender
FRAMES = 24
TOL = 1e-4


@pytest.fixture
def clip():
    return make_motion(np.random.default_rng(21), frames=FRAMES)


def _settings(**kw):
    from hkmr_blender.importing.importer import ImportSettings
    return ImportSettings(**{"rate": "set_scene", "create_mesh": False, **kw})


def foreign_armature(context, rest_world: np.ndarray, seed: int = 4):
    """An SMPL rig as other tools build it: 'm_avg_' names, bones along random axes with random rolls,
    a 'root' bone above the pelvis and a 'jaw' leaf, object rotated, scaled 0.5 and moved. Its world rest
    heads equal ``rest_world`` (24,3)."""
    import bpy
    from mathutils import Matrix
    rng = np.random.default_rng(seed)
    names = ["m_avg_" + n.title().replace("Left_", "L_").replace("Right_", "R_") for n in SMPL_JOINT_NAMES]
    obj = bpy.data.objects.new("Foreign", bpy.data.armatures.new("Foreign"))
    context.scene.collection.objects.link(obj)
    m = Rotation.from_euler("zx", [90, 30], degrees=True).as_matrix() * 0.5
    obj.matrix_world = Matrix([[*m[0], 0.2], [*m[1], -0.4], [*m[2], 0.1], [0, 0, 0, 1]])
    local = (rest_world - [0.2, -0.4, 0.1]) @ np.linalg.inv(m).T
    context.view_layer.objects.active = obj
    bpy.ops.object.mode_set(mode="EDIT")
    root = obj.data.edit_bones.new("root")
    root.head, root.tail = (0, 0, 0), (0, 0.2, 0)
    bones = [obj.data.edit_bones.new(n) for n in names]
    for i, eb in enumerate(bones):
        d = rng.normal(size=3)
        eb.head, eb.tail = local[i], local[i] + 0.1 * d / np.linalg.norm(d)
        eb.roll = rng.uniform(-np.pi, np.pi)
        eb.parent = bones[SMPL_PARENTS[i]] if SMPL_PARENTS[i] >= 0 else root
    jaw = obj.data.edit_bones.new("jaw")
    jaw.head, jaw.tail, jaw.parent = local[15], local[15] + [0, 0.05, 0], bones[15]
    bpy.ops.object.mode_set(mode="OBJECT")
    return obj, names


def test_own_armature_heads_match_smplx_every_frame(empty_scene, clip, tmp_path):
    from hkmr_blender.importing.importer import import_motion
    motion, arrays = clip
    model = tmp_path / "body.npz"
    atomic_savez(model, arrays)
    res = import_motion(empty_scene, motion, _settings(create_mesh=True, model_path=str(model)))
    assert (res.frame_start, res.frame_end) == (1, FRAMES)
    assert empty_scene.scene.render.fps == 30
    from hkmr_blender.rig.keys import action_fcurves
    curves = action_fcurves(res.armature)          # via the slot's channelbag on 4.4+
    assert len(curves) == 24 * 4 + 3 and {len(c.keyframe_points) for c in curves} == {FRAMES}
    assert {c.group.name for c in curves} == set(SMPL_JOINT_NAMES)
    heads = heads_over_frames(empty_scene, res.armature, list(SMPL_JOINT_NAMES), range(1, FRAMES + 1))
    ref = to_blender(smplx_joints(motion, arrays))
    assert np.abs(ref[1:] - ref[0]).max() > 0.3            # the root really moves
    np.testing.assert_allclose(heads, ref, atol=TOL)

    # the skinned mesh follows smplx LBS (pose correctives off: Blender's armature modifier is plain LBS)
    mesh = res.mesh
    assert [k.name for k in mesh.data.shape_keys.key_blocks][:2] == ["Basis", "beta_00"]
    if not has_torch():
        pytest.skip("the skinned-mesh reference is smplx.lbs (torch): checked in the main venv")
    import torch
    from smplx.lbs import lbs
    t = lambda a: torch.as_tensor(np.asarray(a), dtype=torch.float64)  # noqa: E731
    verts, _ = lbs(t(motion.betas[None].repeat(FRAMES, 0)), t(motion.poses), t(arrays["v_template"]),
                   t(arrays["shapedirs"]), torch.zeros(207, len(arrays["v_template"]) * 3, dtype=torch.float64),
                   t(arrays["J_regressor"]), torch.as_tensor(SMPL_PARENTS), t(arrays["weights"]))
    for f in (0, FRAMES // 2, FRAMES - 1):
        empty_scene.scene.frame_set(f + 1)
        ev = mesh.evaluated_get(empty_scene.evaluated_depsgraph_get()).to_mesh()
        co = np.array([v.co for v in ev.vertices])
        np.testing.assert_allclose(co, to_blender(verts[f].numpy() + motion.trans[f]), atol=TOL)


def test_foreign_rest_axes_rolls_and_object_transform(empty_scene, clip):
    from hkmr_blender.importing.importer import import_motion
    motion, arrays = clip
    obj, names = foreign_armature(empty_scene, to_blender(motion.rest_joints))
    empty_scene.view_layer.objects.active = obj
    res = import_motion(empty_scene, motion, _settings(target="selected"))
    assert res.armature == obj and res.mesh is None
    heads = heads_over_frames(empty_scene, obj, names, range(1, FRAMES + 1))
    np.testing.assert_allclose(heads, to_blender(smplx_joints(motion, arrays)), atol=TOL)
    rest = np.array([obj.data.bones[n].matrix_local.to_3x3() for n in names])
    assert np.abs(rest - rm.C_Y_TO_Z).max() > 0.5   # really not the "B = C" special case


def test_resample_to_scene_rate_hits_source_frames(empty_scene, clip):
    from hkmr_blender.importing.importer import import_motion
    motion, arrays = clip
    empty_scene.scene.render.fps = 60
    res = import_motion(empty_scene, motion, _settings(rate="resample", start_frame=10))
    assert (res.frame_start, res.frame_end) == (10, 10 + 2 * (FRAMES - 1))
    heads = heads_over_frames(empty_scene, res.armature, list(SMPL_JOINT_NAMES), range(10, 10 + 2 * FRAMES, 2))
    np.testing.assert_allclose(heads, to_blender(smplx_joints(motion, arrays)), atol=TOL)


def test_amass_z_up_file_without_rest_joints_uses_the_body_model(empty_scene, clip, tmp_path, monkeypatch):
    from hkmr_blender.importing import body
    from hkmr_blender.importing.importer import HKMRImportError, import_motion_file
    from hkmr_blender.base.amass import write_amass
    motion, arrays = clip
    atomic_savez(tmp_path / "body.npz", arrays)
    write_amass(tmp_path / "clip.npz", rm.convert_up_axis(motion, "z"))   # AMASS: Z-up, no rest joints
    res = import_motion_file(empty_scene, str(tmp_path / "clip.npz"), _settings(model_path=str(tmp_path / "body.npz")))
    heads = heads_over_frames(empty_scene, res.armature, list(SMPL_JOINT_NAMES), range(1, FRAMES + 1))
    np.testing.assert_allclose(heads, to_blender(smplx_joints(motion, arrays)), atol=TOL)

    monkeypatch.setattr(body, "OPEN_BODY_PATH", tmp_path / "absent.npz")   # no model anywhere
    before = len(empty_scene.scene.objects)
    with pytest.raises(HKMRImportError, match="no rest joints"):
        import_motion_file(empty_scene, str(tmp_path / "clip.npz"), _settings(model_path=""))
    assert len(empty_scene.scene.objects) == before


def test_betas_beyond_the_body_s_are_dropped_with_a_warning(empty_scene, clip, tmp_path):
    """An AMASS file with 300 betas (SMPL-X's shape space) on a 10-beta body: as smplx and AMASS's readers do, the body
    uses its first 10 (the armature is exactly the 10-beta one) and the import says the other 290 were dropped."""
    from hkmr_blender.importing.importer import import_motion_file
    motion, arrays = clip
    atomic_savez(tmp_path / "body.npz", arrays)
    z = rm.convert_up_axis(motion, "z")
    wide = np.r_[motion.betas, np.full(290, 0.1)]
    np.savez(tmp_path / "wide.npz", poses=z.poses, trans=z.trans, betas=wide, mocap_framerate=np.array(30.0),
             gender=np.array("neutral"))
    res = import_motion_file(empty_scene, str(tmp_path / "wide.npz"), _settings(model_path=str(tmp_path / "body.npz")))
    assert any("wide.npz has 300 shape coefficients; the body model uses 10, so the other 290" in w
               for w in res.warnings), res.warnings
    heads = heads_over_frames(empty_scene, res.armature, list(SMPL_JOINT_NAMES), (1, FRAMES))
    np.testing.assert_allclose(heads, to_blender(smplx_joints(motion, arrays))[[0, -1]], atol=TOL)


def test_open_default_body_gives_armature_and_mesh(empty_scene, clip, tmp_path):
    from hkmr_blender.importing.body import OPEN_BODY_PATH, load_body_arrays
    from hkmr_blender.importing.importer import import_motion_file
    from hkmr_blender.base.amass import write_amass
    if not OPEN_BODY_PATH.is_file():
        pytest.skip(f"open default body not shipped yet ({OPEN_BODY_PATH})")
    motion, _ = clip
    write_amass(tmp_path / "clip.npz", rm.convert_up_axis(motion, "z"))
    res = import_motion_file(empty_scene, str(tmp_path / "clip.npz"), _settings(create_mesh=True))
    open_body = load_body_arrays(None)
    assert len(res.mesh.data.vertices) == len(open_body["v_template"])
    heads = heads_over_frames(empty_scene, res.armature, list(SMPL_JOINT_NAMES), (1, FRAMES))
    # note: convert_up_axis used the test body's J0; the file itself carries no rest joints
    from hkmr_blender.importing.body import rest_joints_for
    from dataclasses import replace
    z = rm.convert_up_axis(motion, "z")
    y = rm.convert_up_axis(replace(z, rest_joints=rest_joints_for(open_body, motion.betas)), "y")
    ref = to_blender(smplx_joints(y, open_body))
    np.testing.assert_allclose(heads, ref[[0, FRAMES - 1]], atol=TOL)


def test_bake_onto_foreign_armature_and_self(empty_scene, clip):
    from hkmr_blender.bake.apply import bake_armature
    from hkmr_blender.importing.importer import import_motion
    motion, arrays = clip
    ref = to_blender(smplx_joints(motion, arrays))
    res = import_motion(empty_scene, motion, _settings())
    obj, names = foreign_armature(empty_scene, to_blender(motion.rest_joints))
    bake_armature(empty_scene, res.armature, obj)
    np.testing.assert_allclose(heads_over_frames(empty_scene, obj, names, range(1, FRAMES + 1)), ref, atol=TOL)
    old = res.armature.animation_data.action
    baked = bake_armature(empty_scene, res.armature, smooth_sigma=0.0)
    assert baked != old and res.armature.animation_data.action == baked
    np.testing.assert_allclose(heads_over_frames(empty_scene, res.armature, list(SMPL_JOINT_NAMES),
                                                 range(1, FRAMES + 1)), ref, atol=TOL)
    bake_armature(empty_scene, res.armature, smooth_sigma=2.0)
    smooth = heads_over_frames(empty_scene, res.armature, list(SMPL_JOINT_NAMES), range(1, FRAMES + 1))
    jerk = lambda x: np.abs(np.diff(x, 2, axis=0)).mean()  # noqa: E731  (the test motion is white noise)
    assert jerk(smooth) < 0.5 * jerk(ref)
