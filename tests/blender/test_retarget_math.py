"""Retarget mapping and math without Blender: presets, auto-mapping per family, the rotation solve
(exact world deltas for any rest), folding, rest alignment, leg-length scaling."""
from __future__ import annotations

import json

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from hkmr_blender.rig import transforms as rm
from hkmr_blender.base.skeleton import SMPL_JOINT_NAMES, SMPL_PARENTS
from hkmr_blender.importing.body import rest_joints_for
from hkmr_blender.retarget import mapping as mp
from hkmr_blender.retarget import solve as sv
from tests.blender.retarget_rigs import EXPECTED, FAMILIES, a_pose, head_position, names_and_parents
from tests.conftest import make_smpl_arrays

TOL = 1e-9   # float64 chains of ≤ 10 rotation products: ~1e-14 each


@pytest.fixture
def joints():
    return rest_joints_for(make_smpl_arrays(), np.zeros(10)) @ rm.C_Y_TO_Z.T   # Z-up


def _source(rng, joints, frames=6):
    local = Rotation.random(frames * 24, random_state=rng).as_matrix().reshape(frames, 24, 3, 3)
    deltas = sv.world_deltas(SMPL_PARENTS, np.tile(np.eye(3), (24, 1, 1)), local)
    pelvis = rng.normal(0, 0.3, (frames, 3))
    return sv.SourceMotion(deltas, pelvis, joints, np.arange(1, frames + 1, dtype=float))


def _rig(rows, joints, rng, heads=None):
    names, parents = names_and_parents(rows)
    heads = np.array([head_position(r[2], joints) for r in rows]) if heads is None else heads
    rest = Rotation.random(len(rows), random_state=rng).as_matrix()      # any rest orientation
    return sv.TargetRig(names, np.array(parents), rest, heads, heads + rest[:, :, 1] * 0.1)


def test_world_deltas_and_basis_from_world_are_inverse(rng=np.random.default_rng(0)):
    parents = np.array(SMPL_PARENTS)
    rest = Rotation.random(24, random_state=rng).as_matrix()
    basis = Rotation.random(3 * 24, random_state=rng).as_matrix().reshape(3, 24, 3, 3)
    world = sv.world_deltas(parents, rest, basis) @ rest                  # posed = delta · rest
    np.testing.assert_allclose(sv.basis_from_world(parents, rest, world), basis, atol=TOL)


def test_same_rest_positions_copy_world_deltas_exactly_for_any_bone_axes(joints):
    rng = np.random.default_rng(1)
    rows = [(n, SMPL_JOINT_NAMES[p] if p >= 0 else None, n) for n, p in zip(SMPL_JOINT_NAMES, SMPL_PARENTS)]
    rig = _rig(rows, joints, rng)
    src = _source(rng, joints)
    keys = sv.solve_retarget(src, rig, np.arange(24), sv.RetargetOptions(align_rest=True))
    basis = rm.quaternion_to_matrix(keys.quats)
    np.testing.assert_allclose(sv.world_deltas(rig.parents, rig.rest, basis)[:, :23], src.deltas[:, :23], atol=TOL)
    assert keys.location_bone == "pelvis" and keys.translation_scale == pytest.approx(1.0)


def test_unmapped_joints_fold_into_the_nearest_mapped_ancestor(joints):
    rng = np.random.default_rng(2)
    rows = [("hips", None, "pelvis"), ("spine_a", "hips", "spine1"), ("spine_b", "spine_a", "spine3"),
            ("neck", "spine_b", "neck"), ("head", "neck", "head")]
    rig = _rig(rows, joints, rng)
    jb = np.array([0, 3, 9, 12, 15])
    assert sv.folded_joints(jb).tolist() == [0, 6, 9, 12, 15]              # spine2 folds into spine1
    src = _source(rng, joints)
    keys = sv.solve_retarget(src, rig, jb, sv.RetargetOptions(align_rest=False))
    d = sv.world_deltas(rig.parents, rig.rest, rm.quaternion_to_matrix(keys.quats))
    np.testing.assert_allclose(d, src.deltas[:, [0, 6, 9, 12, 15]], atol=TOL)
    # with rest alignment the 2-bone spine's lower bone spans spine1 → spine3 and turns with spine2's delta
    rig.heads[2] += [0.0, 0.03, 0.0]                       # a target spine that bends differently at rest
    keys = sv.solve_retarget(src, rig, jb, sv.RetargetOptions(align_body=False))
    d = sv.world_deltas(rig.parents, rig.rest, rm.quaternion_to_matrix(keys.quats))
    seg = d[:, 1] @ (rig.heads[2] - rig.heads[1])
    ref = src.deltas[:, 6] @ (joints[9] - joints[3])
    np.testing.assert_allclose(seg / np.linalg.norm(seg, axis=-1, keepdims=True),
                               ref / np.linalg.norm(ref, axis=-1, keepdims=True), atol=1e-9)


def test_unmapped_bones_stay_at_rest_and_get_no_keys(joints):
    rng = np.random.default_rng(3)
    rig = _rig(FAMILIES["unreal"], joints, rng)
    m = mp.auto_map(rig.names, rig.parents)
    keys = sv.solve_retarget(_source(rng, joints), rig, mp.joint_of_bone(m, rig.names))
    assert "root" not in keys.bones and "spine_02" not in keys.bones and "upperarm_twist_01_l" not in keys.bones
    assert keys.location_bone == "pelvis"


def test_rest_alignment_turns_an_a_pose_onto_the_source_directions(joints):
    rng = np.random.default_rng(4)
    rows = FAMILIES["unity"]
    heads = np.array([head_position(r[2], a_pose(joints)) for r in rows])
    rig = _rig(rows, joints, rng, heads=heads)
    m = mp.auto_map(rig.names, rig.parents)
    jb = mp.joint_of_bone(m, rig.names)
    src = _source(rng, joints)
    keys = sv.solve_retarget(src, rig, jb)
    world = sv.world_deltas(rig.parents, rig.rest, _full_basis(keys, rig))
    for b, j in enumerate(jb):                  # posed bone (head → mapped child head) ∥ posed SMPL bone
        c = sv.SMPL_MAIN_CHILD[j] if j >= 0 else -1
        if c < 0 or c not in jb:
            continue
        tgt = world[:, b] @ (heads[list(jb).index(c)] - heads[b])
        ref = src.deltas[:, j] @ (joints[c] - joints[j])
        cos = np.sum(tgt * ref, -1) / np.linalg.norm(tgt, axis=-1) / np.linalg.norm(ref, axis=-1)
        assert np.all(cos > 1 - 1e-9), rig.names[b]
    assert not np.allclose(heads, [head_position(r[2], joints) for r in rows])   # really an A-pose


def _full_basis(keys, rig):
    basis = np.tile(np.eye(3), (len(keys.frames), len(rig.names), 1, 1))
    basis[:, [rig.names.index(b) for b in keys.bones]] = rm.quaternion_to_matrix(keys.quats)
    return basis


def test_hip_travel_scales_by_leg_length_ratio_or_keeps_world_units(joints):
    rng = np.random.default_rng(5)
    rows = FAMILIES["mixamo"]
    heads = np.array([head_position(r[2], joints) for r in rows]) * 1.5      # a taller character
    rig = _rig(rows, joints, rng, heads=heads)
    jb = mp.joint_of_bone(mp.auto_map(rig.names, rig.parents), rig.names)
    src = _source(rng, joints)
    src.deltas[:] = np.eye(3)                                                 # pure travel, no rotation
    keys = sv.solve_retarget(src, rig, jb, sv.RetargetOptions(keep_contacts=False))
    assert keys.translation_scale == pytest.approx(1.5, rel=1e-9)
    b = rig.names.index(keys.location_bone)
    # height: above the source's planted ankle level, minus its standing height, × the leg ratio — always
    stand = src.rest_joints[0, 2] - 0.5 * (src.rest_joints[7, 2] + src.rest_joints[8, 2])
    rise = 1.5 * (src.rest_joints[0, 2] + src.pelvis[:, 2] - keys.ground.source_level - stand)
    assert keys.ground.up.tolist() == [0, 0, 1]
    for scale, opts in ((1.5, sv.RetargetOptions(keep_contacts=False)),
                        (1.0, sv.RetargetOptions(scale_translation=False, keep_contacts=False))):
        keys = sv.solve_retarget(src, rig, jb, opts)
        moved = keys.location @ rig.rest[b].T
        np.testing.assert_allclose(moved[:, :2], scale * src.pelvis[:, :2], atol=TOL)    # travel
        np.testing.assert_allclose(moved[:, 2], rise, atol=TOL)


@pytest.mark.parametrize("family", ["mixamo", "unreal", "unity"])
def test_auto_map_finds_each_family_with_full_confidence(family):
    names, parents = names_and_parents(FAMILIES[family])
    m = mp.auto_map(names, parents)
    assert m.family == family
    got = {e.bone: e.joint for e in m.entries}
    for bone, joint in EXPECTED[family].items():
        assert got[bone] == joint
        twin = bone.replace("Left", "Right").replace("_l", "_r").replace(".L", ".R")
        assert got[twin] == joint.replace("left", "right")
    assert all(e.confidence == 1.0 for e in m.entries)


def test_auto_map_namespaced_and_ue4_variants():
    names, parents = names_and_parents(FAMILIES["mixamo"])
    m = mp.auto_map([n.replace("mixamorig:", "mixamorig7:") for n in names], parents)
    assert m.bone_for("pelvis") == "mixamorig7:Hips"
    ue4 = [r for r in FAMILIES["unreal"] if r[0] not in ("spine_04", "spine_05", "neck_02")]
    ue4 = [(n, {"spine_05": "spine_03", "neck_02": "neck_01"}.get(p, p), h) for n, p, h in ue4]
    m = mp.auto_map(*names_and_parents(ue4))
    assert [m.bone_for(j) for j in ("spine1", "spine2", "spine3")] == ["spine_01", "spine_02", "spine_03"]


def test_auto_map_generic_rig_by_words_and_hierarchy_with_lower_confidence():
    rows = [("Root", None), ("Pelvis", "Root"), ("Back", "Pelvis"), ("Ribs", "Back"), ("Neck", "Ribs"),
            ("Head", "Neck")]
    for s in ("L", "R"):
        rows += [(f"Clavicle.{s}", "Ribs"), (f"UpperArm.{s}", f"Clavicle.{s}"), (f"Forearm.{s}", f"UpperArm.{s}"),
                 (f"Hand.{s}", f"Forearm.{s}"), (f"Thigh.{s}", "Pelvis"), (f"Shin.{s}", f"Thigh.{s}"),
                 (f"Foot.{s}", f"Shin.{s}"), (f"Toe.{s}", f"Foot.{s}"), (f"Hand.{s}.001", "Root")]
    names = [r[0] for r in rows]
    m = mp.auto_map(names, [names.index(p) if p else -1 for _, p in rows])
    got = {e.bone: (e.joint, e.confidence) for e in m.entries}
    assert m.family == "generic"
    assert got["Pelvis"] == ("pelvis", 0.7) and got["Back"] == ("spine1", 0.6) and got["Ribs"] == ("spine3", 0.6)
    assert got["Clavicle.L"] == ("left_collar", 0.7) and got["UpperArm.R"] == ("right_shoulder", 0.7)
    assert got["Shin.L"] == ("left_knee", 0.7) and got["Toe.R"] == ("right_foot", 0.7)
    assert "Root" not in got and "Hand.L.001" not in got
    smpl = [n.title().replace("_", "") for n in SMPL_JOINT_NAMES]                 # 'LeftHip', 'Spine1'…
    m = mp.auto_map(smpl, [p for p in SMPL_PARENTS])
    assert [(e.bone, e.confidence) for e in m.entries] == [(n, 0.9) for n in smpl]


def test_hierarchy_disagreement_halves_confidence():
    names = ["Hips", "LeftUpLeg", "LeftLeg"]
    m = mp.auto_map(names, [-1, -1, 1])          # the thigh is not under the hips
    conf = {e.bone: e.confidence for e in m.entries}
    assert conf["LeftUpLeg"] < conf["LeftLeg"]


def test_preset_save_load_round_trip_and_bad_files(tmp_path):
    names, parents = names_and_parents(FAMILIES["mixamo"])
    m = mp.auto_map(names, parents)
    path = mp.save_preset(tmp_path / "mine.json", m)
    again = mp.apply_preset(mp.load_preset(path), names)
    assert [(e.bone, e.joint) for e in again.entries] == [(e.bone, e.joint) for e in m.entries]
    rigify = mp.shipped_presets()["rigify"]
    assert rigify.also == {"spine_fk": "pelvis"} and rigify.properties["thigh_parent.L"]["IK_FK"] == 1.0
    (tmp_path / "bad.json").write_text(json.dumps({"bones": {"elbow_left": ["x"]}}))
    with pytest.raises(mp.PresetError, match="bad.json.*elbow_left"):
        mp.load_preset(tmp_path / "bad.json")
    (tmp_path / "broken.json").write_text("{")
    with pytest.raises(mp.PresetError, match="broken.json"):
        mp.load_preset(tmp_path / "broken.json")
    with pytest.raises(ValueError, match="no bone.*Nope"):
        mp.joint_of_bone(mp.BoneMapping([mp.MapEntry("Nope", "pelvis")]), names)


def test_body_turn_plays_the_motion_in_a_y_up_armature_and_ignores_small_posture_tilts(joints):
    rng = np.random.default_rng(6)
    rows = FAMILIES["mixamo"]
    heads = np.array([head_position(r[2], joints) for r in rows])
    names, parents = names_and_parents(rows)
    jb = mp.joint_of_bone(mp.auto_map(names, parents), names)
    rig = _rig(rows, joints, rng, heads=heads @ rm.C_Y_TO_Z)           # Y-up armature space (FBX import)
    np.testing.assert_allclose(sv.body_turn(joints, rig, jb), rm.C_Y_TO_Z.T, atol=TOL)
    tilt = Rotation.from_euler("x", 8, degrees=True).as_matrix()
    rig = _rig(rows, joints, rng, heads=heads @ tilt.T)
    np.testing.assert_array_equal(sv.body_turn(joints, rig, jb), np.eye(3))


def test_a_bone_copying_another_follows_it_not_its_parent(joints):
    """Rigify's ORG-shoulder copies the shoulder control; the arm FK hangs below the ORG bone."""
    rng = np.random.default_rng(8)
    rows = [("hips", None, "pelvis"), ("chest", "hips", "spine3"), ("ctrl", "chest", "left_collar"),
            ("org", "chest", "left_collar"), ("arm", "org", "left_shoulder"), ("forearm", "arm", "left_elbow")]
    rig = _rig(rows, joints, rng)
    rig.rest[3] = rig.rest[2]
    rig.copies = np.array([-1, -1, -1, 2, -1, -1])
    jb = np.array([0, 9, 13, -1, 16, 18])
    src = _source(rng, joints)
    keys = sv.solve_retarget(src, rig, jb, sv.RetargetOptions(align_rest=False))
    basis = _full_basis(keys, rig)
    world = sv.world_deltas(rig.parents, rig.rest, basis)
    world[:, 3] = world[:, 2]                                              # what the constraint does
    world[:, 4] = world[:, 3] @ rig.rest[4] @ basis[:, 4] @ rig.rest[4].T     # D = D_parent·B·R·Bᵀ
    np.testing.assert_allclose(world[:, 4], src.deltas[:, 16], atol=TOL)


def test_mapping_names_the_rig_bones_for_feet_and_root_motion():
    names, parents = names_and_parents(FAMILIES["unreal"])
    bones = mp.auto_map(names, parents).rig_bones()
    assert bones == {"hips_bone": "pelvis", "left_upper": "thigh_l", "left_lower": "calf_l", "left_foot": "foot_l",
                     "left_toe": "ball_l", "right_upper": "thigh_r", "right_lower": "calf_r", "right_foot": "foot_r",
                     "right_toe": "ball_r"}
    names, parents = names_and_parents([r for r in FAMILIES["unity"] if r[0] != "LeftToes"])
    assert mp.auto_map(names, parents).rig_bones() is None                  # a leg without its toe bone
