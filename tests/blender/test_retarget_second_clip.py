"""A second clip onto the same character, through the operators as the animator does it (README step 5 twice): the
import makes its armature the Retarget Source, the new action is named after the clip ('mixamo_clip2', was
'mixamo_retarget.001'), the first clip stays on the character (a muted strip on its NLA track 'HKMR clips': before it
was left with no user, gone once the file was saved, and Export Actions wrote only the second), and Export Actions
writes one file per clip. Retargeting the same clip again replaces it under the same name."""
from __future__ import annotations

import numpy as np
import pytest

from hkmr_blender.base import write_motion
from tests.blender.conftest import glb_key_counts, import_with_mixamo_target, make_motion

pytestmark = pytest.mark.blender


def _strips(obj):
    ad = obj.animation_data
    return [(t.name, s.action.name, s.mute) for t in ad.nla_tracks for s in t.strips]


def test_a_second_clip_keeps_the_first_and_both_export(installed, bpy_module, tmp_path, capfd):
    bpy = bpy_module
    context = bpy.context
    source, target = import_with_mixamo_target(bpy, tmp_path, seed=7, frames=6)
    assert bpy.ops.hkmr.retarget() == {"FINISHED"}
    first = target.animation_data.action
    assert first.name == "mixamo_clip"

    motion, _ = make_motion(np.random.default_rng(8), frames=8)          # the second video's motion file
    write_motion(tmp_path / "clip2.npz", motion)
    rt = context.scene.hkmr_retarget
    capfd.readouterr()
    assert bpy.ops.hkmr.import_motion(filepath=str(tmp_path / "clip2.npz")) == {"FINISHED"}
    second_source = context.active_object
    assert second_source != source and rt.source == second_source and rt.target == target
    assert "Retarget › Source is now 'clip2'" in capfd.readouterr().out
    assert bpy.ops.hkmr.retarget() == {"FINISHED"}
    assert "The earlier clip 'mixamo_clip' stays on 'mixamo'" in capfd.readouterr().out
    assert target.animation_data.action.name == "mixamo_clip2"
    assert _strips(target) == [("HKMR clips", "mixamo_clip", True)] and first.users >= 1

    assert bpy.ops.hkmr.retarget() == {"FINISHED"}                     # the same clip again: replaced, no new strip
    assert target.animation_data.action.name == "mixamo_clip2"
    assert _strips(target) == [("HKMR clips", "mixamo_clip", True)]

    blend = tmp_path / "scene.blend"
    bpy.ops.wm.save_as_mainfile(filepath=str(blend))
    bpy.ops.wm.open_mainfile(filepath=str(blend))
    names = {a.name for a in bpy.data.actions}
    assert {"mixamo_clip", "mixamo_clip2"} <= names and not any(n.startswith("mixamo_clip2 (") for n in names)
    target = bpy.data.objects["mixamo"]
    context.view_layer.objects.active = target
    h = context.scene.hkmr
    h.export_dir, h.export_preset, h.export_format = str(tmp_path / "out"), "unity", "fbx"
    assert bpy.ops.hkmr.export_actions() == {"FINISHED"}
    h.export_format = "glb"
    assert bpy.ops.hkmr.export_actions() == {"FINISHED"}
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["mixamo_clip.fbx", "mixamo_clip.glb",
                                                                    "mixamo_clip2.fbx", "mixamo_clip2.glb"]
    assert target.animation_data.action.name == "mixamo_clip2" and _strips(target)[0][2]
    # each file is its own clip's length (6 and 8 frames)
    assert glb_key_counts(tmp_path / "out" / "mixamo_clip.glb") == {6}
    # (Blender 4.2's glTF exporter gave it 6, merging every action of the file, until export_anim_single_armature=False)
    assert glb_key_counts(tmp_path / "out" / "mixamo_clip2.glb") == {8}
