"""Fingers on engine rigs, from a real clip: the ``hkmr infer --hands`` motion of ``core/assets/walk.mp4``
(tests/data/mocap/walk_hands.npz) retargeted onto a UE5 mannequin (``thumb_01_l``, ``index_metacarpal_l`` …,
engine-style bone axes and rolls) and a Unity humanoid (``LeftIndexProximal`` … ``LeftLittleDistal``), what an
animator would check: every finger bone found by auto-map and keyed, each finger curling the way the source
curls (its tip towards the palm), no finger bent backwards past the fit's joint limits, and the FBX export
(the add-on's, the engine's preset) keeping the finger bones with their motion."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hkmr_blender.base.skeleton import BODY_HAND_NAMES, HAND_JOINT_NAMES
from tests.blender.conftest import heads_over_frames
from tests.blender.retarget_rigs import build_armature

pytestmark = pytest.mark.blender
WALK = Path(__file__).resolve().parents[1] / "data" / "mocap" / "walk_hands.npz"
FINGERS = ("index", "middle", "pinky", "ring")
#: Hyperextension the finger fit allows (core.fitting.hands.LIMITS: MCP −0.5 rad, PIP −0.1, DIP −0.2), degrees,
#: plus 3° for the retarget's own rounding.
BACKWARDS_DEG = {1: 29.0 + 3, 2: 6.0 + 3, 3: 11.5 + 3}
EXPECT = {"unreal_hands": ("unreal", {"left_index1": "index_01_l", "left_thumb1": "thumb_01_l",
                                      "right_pinky3": "pinky_03_r", "right_middle2": "middle_02_r"}),
          "unity_hands": ("unity", {"left_index1": "LeftIndexProximal", "left_thumb1": "LeftThumbProximal",
                                    "right_pinky3": "RightLittleDistal", "right_middle2": "RightMiddleIntermediate"})}


@pytest.fixture(scope="module")
def walk():
    from hkmr_blender.base import read_motion
    return read_motion(WALK)


def _signed_bends(heads: np.ndarray, idx: dict, side: str, f: str) -> np.ndarray:
    """(F,3) signed flexion (degrees, + towards the palm) at a finger's joints 1..3 from world heads (F,J,3):
    the angle of each segment from the one before it (wrist→joint1 for the first) in the plane of that segment
    and the palm's normal. The last segment is joint 3's bone towards the finger's end: not known from heads,
    so joint 3's column is the bend of joint2→joint3 from joint1→joint2 (the PIP)."""
    h = lambda n: heads[:, idx[n]]  # noqa: E731
    wrist, i1, p1 = h(f"{side}_wrist"), h(f"{side}_index1"), h(f"{side}_pinky1")
    normal = np.cross(i1 - wrist, p1 - wrist) * (-1.0 if side == "left" else 1.0)  # palm side (base/hands.py)
    pts = [wrist, h(f"{side}_{f}1"), h(f"{side}_{f}2"), h(f"{side}_{f}3")]
    out = []
    for k in (1, 2):
        a, b = pts[k] - pts[k - 1], pts[k + 1] - pts[k]
        a = a / np.linalg.norm(a, axis=-1, keepdims=True)
        up = normal - np.sum(normal * a, -1, keepdims=True) * a
        up /= np.linalg.norm(up, axis=-1, keepdims=True)
        out.append(np.degrees(np.arctan2(np.sum(b * up, -1), np.sum(b * a, -1))))
    return np.stack(out + [out[1]], axis=1)


@pytest.mark.parametrize("family", sorted(EXPECT))
def test_engine_rig_fingers_from_a_real_clip(empty_scene, walk, family, tmp_path):
    import bpy
    from hkmr_blender.export.files import export_clip
    from hkmr_blender.importing.importer import ImportSettings, import_motion
    from hkmr_blender.retarget.apply import retarget
    from hkmr_blender.rig.keys import action_fcurves
    from tests.blender.fbx_read import read_fbx
    context = empty_scene
    preset, names = EXPECT[family]
    assert walk.hand_pose is not None and walk.hand_seen is not None and walk.hand_seen.any()
    smpl = import_motion(context, walk, ImportSettings(rate="set_scene", create_mesh=False)).armature
    rest = np.array([tuple(smpl.data.bones[n].head_local) for n in BODY_HAND_NAMES])
    rig = build_armature(context, family, rest, seed=5)
    result = retarget(context, walk, rig)
    assert result.mapping.family == preset
    bone_of = {e.joint: e.bone for e in result.mapping.entries}
    assert set(HAND_JOINT_NAMES) <= set(bone_of) and all(bone_of[j] == b for j, b in names.items())
    assert not any("metacarpal" in b for b in bone_of.values())  # UE5's metacarpals stay at rest
    keyed = {fc.group.name for fc in action_fcurves(rig) if len(fc.keyframe_points) > 1}
    assert {bone_of[j] for j in HAND_JOINT_NAMES} <= keyed
    frames = list(range(context.scene.frame_start, context.scene.frame_end + 1))
    src = heads_over_frames(context, smpl, list(BODY_HAND_NAMES), frames)
    tgt_names = [bone_of.get(n) for n in BODY_HAND_NAMES]
    body = {n: i for i, n in enumerate(BODY_HAND_NAMES)}
    tgt = heads_over_frames(context, rig, [b for b in tgt_names if b], frames)
    tidx = {n: [b for b in tgt_names if b].index(bone_of[n]) for n in BODY_HAND_NAMES if bone_of.get(n)}
    moved = 0
    for side in ("left", "right"):
        for f in FINGERS:
            s, t = _signed_bends(src, body, side, f), _signed_bends(tgt, tidx, side, f)
            # never bent backwards past the limits, source and target alike
            for k in (0, 1):
                assert t[:, k].min() >= -BACKWARDS_DEG[k + 1], (family, side, f, k, t[:, k].min())
            # curls the way the source curls: the same bend on every frame (a finger whose curl axis were
            # flipped would open when the source closes)
            np.testing.assert_allclose(t[:, :2], s[:, :2], atol=2.0)
            if np.ptp(s[:, :2].sum(1)) > 5.0:
                moved += 1
                top, low = np.argmax(s[:, :2].sum(1)), np.argmin(s[:, :2].sum(1))
                tip = tgt[:, tidx[f"{side}_{f}3"]] - tgt[:, tidx[f"{side}_{f}1"]]
                w = tgt[:, tidx[f"{side}_wrist"]]
                n = np.cross(tgt[:, tidx[f"{side}_index1"]] - w, tgt[:, tidx[f"{side}_pinky1"]] - w)
                n = n / np.linalg.norm(n, axis=-1, keepdims=True) * (-1.0 if side == "left" else 1.0)
                toward = np.sum(tip * n, -1) / np.linalg.norm(tip, axis=-1)  # + : the tip is on the palm side
                assert toward[top] > toward[low], (family, side, f)
    assert moved >= 2, "the real clip's fingers hardly move: nothing checked"
    context.scene.frame_start, context.scene.frame_end = frames[0], frames[-1]
    path = tmp_path / f"{family}.fbx"
    export_clip(context, rig, None, path, "fbx", preset)
    fbx = read_fbx(path, frames)
    fingers = [bone_of[j] for j in HAND_JOINT_NAMES]
    assert set(fingers) <= set(fbx.names)
    got = fbx.world[:, [fbx.names.index(b) for b in fingers]]
    np.testing.assert_allclose(got, heads_over_frames(context, rig, fingers, frames), atol=1e-3)
    assert np.ptp(got, axis=0).max() > 0.01  # they move in the file, not only in Blender
    assert bpy.data.objects.get(rig.name) is rig
