"""The rig bone fields of a character (``armature.data.hkmr_bones``) left empty: Pin Feet, Apply Root Motion and
Export Actions with Root motion take the bones from the rig's retarget mapping when it has one, and otherwise say what
to fill. Before: "the armature has no bones for SMPL joint(s) pelvis, left_hip, … select an SMPL armature or create a
new one" (Export Actions: per action, then "Exported 0 action(s) …, 1 failed"), the wrong fix for a character."""
from __future__ import annotations

import pytest

from tests.blender.conftest import bone_ops_refuse, import_with_mixamo_target

pytestmark = pytest.mark.blender


def test_empty_bone_fields_of_a_character(installed, bpy_module, tmp_path, capfd):
    bpy = bpy_module
    _, target = import_with_mixamo_target(bpy, tmp_path, seed=6, frames=8)
    assert bpy.ops.hkmr.retarget() == {"FINISHED"}
    context = bpy.context
    for key in list(target.data.hkmr_bones.keys()):           # cleared (or never filled, as on a linked character)
        setattr(target.data.hkmr_bones, key, "")
    context.view_layer.objects.active = target
    capfd.readouterr()
    assert bpy.ops.hkmr.pin_feet() == {"FINISHED"}            # the rig's mapping names its legs
    assert "Pinned feet; travel during contact" in capfd.readouterr().out
    target.data.hkmr_map.items.clear()                        # no mapping either
    bone_ops_refuse(bpy, target, tmp_path / "out", r"'mixamo' has no rig bone fields and its bones are not named like "
                    r"SMPL's: choose its hips, thigh, shin, foot and toe bones in HKMR › Clips, Feet, Root Motion, or "
                    r"map it in HKMR › Retarget \(Retarget Motion fills them\)")
