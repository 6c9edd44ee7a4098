"""What the animator met in the Retarget panel, on the installed extension: the Rigify preset on the real Rigify
rig loads without a warning (its finger-tip controls 'f_index.01.L.001' were taken for second 'f_index.01.L'
bones: ten "2nd candidate … check it" warnings and ten red rows), while a real second bone of a mapped name is
still named; the Source / Target pickers list armatures, and another object set by a script is named."""
from __future__ import annotations

import re

import pytest

from tests.blender.conftest import clear_scene
from tests.blender.retarget_rigs import rigify_rig

pytestmark = pytest.mark.blender


@pytest.fixture
def rigify_target(installed, bpy_module):
    """The real Rigify rig (generated from the human metarig) set as the retarget target."""
    bpy = bpy_module
    clear_scene(bpy)
    rig = rigify_rig(bpy.context)
    bpy.context.scene.hkmr_retarget.target = rig
    return rig


def _load_rigify(bpy, capfd) -> list[str]:
    """The warnings the Rigify button reports (Blender prints each report as 'Warning: …')."""
    capfd.readouterr()
    assert bpy.ops.hkmr.retarget_load_preset(shipped="rigify") == {"FINISHED"}
    out = capfd.readouterr().out
    assert re.search(r"Preset 'rigify': 53 bones found on 'rig'", out), out
    return [line for line in out.splitlines() if line.startswith("Warning")]


def test_rigify_preset_on_the_rigify_rig_warns_about_nothing(rigify_target, bpy_module, capfd):
    bpy = bpy_module
    assert "f_index.01.L.001" in rigify_target.data.bones and "thumb.01.R.001" in rigify_target.data.bones
    assert _load_rigify(bpy, capfd) == []
    rows = rigify_target.data.hkmr_map.items           # the Target's own mapping
    bone_of = {i.joint: i.bone for i in rows}
    assert bone_of["left_index1"] == "f_index.01.L" and bone_of["right_thumb1"] == "thumb.01.R"
    assert [(i.bone, i.confidence) for i in rows if i.confidence < 1.0] == []      # no red row
    assert not any("2nd candidate" in i.how for i in rows)


def test_a_real_second_bone_of_a_mapped_name_is_still_named(rigify_target, bpy_module, capfd):
    """A bone 'F_INDEX.01.L' (names compare without case) hung on the palm answers to the preset's 'f_index.01.L'
    too: the control above the finger's next bone is keyed, and the other is named in one warning."""
    bpy = bpy_module
    context = bpy.context
    context.view_layer.objects.active = rigify_target
    bpy.ops.object.mode_set(mode="EDIT")
    bone = rigify_target.data.edit_bones.new("F_INDEX.01.L")
    bone.head, bone.tail = (0.5, 0, 1), (0.5, 0.05, 1)
    bone.parent = rigify_target.data.edit_bones["ORG-palm.01.L"]
    bpy.ops.object.mode_set(mode="OBJECT")
    warnings = _load_rigify(bpy, capfd)
    assert len(warnings) == 1 and "left_index1 → 'f_index.01.L'" in warnings[0] \
        and "2nd candidate 'F_INDEX.01.L'" in warnings[0], warnings


def test_the_pickers_list_armatures_and_a_mesh_set_by_a_script_is_named(installed, bpy_module, tmp_path):
    """Source and Target (and the bake's Bake onto) list armatures only (the poll Blender's search list calls); a
    mesh set anyway (a script can) is named under the pickers in red, the Retarget, Auto-map and preset buttons are greyed out saying which
    field holds what and what to choose (before: "Choose the Target above", or a retarget that failed inside),
    and the plain function refuses it before the scene changes."""
    from tests.blender.conftest import import_with_mixamo_target
    from tests.blender.layout_probe import draw
    bpy = bpy_module
    _, module = installed
    source, target = import_with_mixamo_target(bpy, tmp_path, seed=3, frames=4)
    mesh = bpy.data.objects.new("Body", bpy.data.meshes.new("Body"))
    bpy.context.scene.collection.objects.link(mesh)
    rt = bpy.context.scene.hkmr_retarget
    props = module.retarget.props
    for field in ("source", "target"):     # the declaration Blender registered (annotations are strings here)
        poll = eval(props.HKMRRetargetSettings.__annotations__[field], vars(props)).keywords["poll"]
        assert poll(rt, source) and poll(rt, target) and not poll(rt, mesh), field
    bake_onto = module.ui.properties.HKMRSettings.__annotations__["bake_target"].keywords["poll"]
    assert bake_onto(bpy.context.scene.hkmr, target) and not bake_onto(bpy.context.scene.hkmr, mesh)  # Bake onto too

    panel = module.retarget.panel.HKMR_PT_retarget
    assert not any("not an armature" in line for line in draw(panel, bpy.context))
    rt.source = mesh
    said = "Source 'Body' is a mesh, not an armature: choose the imported SMPL armature as the Source"
    lines = draw(panel, bpy.context)
    assert any("label \"Source 'Body' is a mesh, not an armature\"" in line for line in lines), lines
    assert any("label 'Choose the imported SMPL armature as the Source'" in line for line in lines), lines
    with pytest.raises(RuntimeError, match=re.escape(said)):
        bpy.ops.hkmr.retarget()
    actions = set(bpy.data.actions)
    with pytest.raises(ValueError, match=re.escape(said)):
        module.retarget.apply.retarget(bpy.context, mesh, target)
    assert set(bpy.data.actions) == actions and target.animation_data is None

    rt.source, rt.target = source, mesh
    said = "Target 'Body' is a mesh, not an armature: choose your character's armature as the Target"
    assert any("label \"Target 'Body' is a mesh, not an armature\"" in line for line in draw(panel, bpy.context))
    for op in (bpy.ops.hkmr.retarget, bpy.ops.hkmr.retarget_auto_map):
        with pytest.raises(RuntimeError, match=re.escape(said)):
            op()
    with pytest.raises(RuntimeError, match=re.escape(said)):
        bpy.ops.hkmr.retarget_load_preset(shipped="mixamo")
    rt.target = target
    assert bpy.ops.hkmr.retarget() == {"FINISHED"}
