"""Files saved before the rig bone fields and the bone mapping moved from the scene to each armature (``scene.hkmr``
and ``scene.hkmr_retarget``, here written where the older add-on kept them; an enum is stored as its index): opened,
or open when the add-on is enabled (or updated) — no load_post comes for that file, so before, the Target showed no
mapping, Retarget Motion auto-mapped it afresh (the older file's hand edits not shown), and on the next open the older
mapping was dropped because the Target now had one ("no Target to take it")."""
from __future__ import annotations

import pytest

from hkmr_blender.base.skeleton import BODY_HAND_NAMES
from tests.blender.conftest import import_with_mixamo_target

pytestmark = pytest.mark.blender


def _as_older_file(scene, target) -> list[tuple]:
    """Move the target's mapping (one row edited by hand) and bone fields where the older add-on kept them; the rows
    (bone, joint, how)."""
    m = target.data.hkmr_map
    rows = [(i.bone, i.joint, i.how) for i in m.items]
    rows[0] = (rows[0][0], rows[0][1], "checked by hand")
    scene.hkmr_retarget["items"] = [{"bone": b, "joint": BODY_HAND_NAMES.index(j), "confidence": 1.0, "how": h}
                                    for b, j, h in rows]
    scene.hkmr_retarget["family"], scene.hkmr_retarget["rig_properties"] = m.family, m.rig_properties
    m.items.clear()
    m.family = ""
    for key, bone in list(target.data.hkmr_bones.items()):
        scene.hkmr[key] = bone
        setattr(target.data.hkmr_bones, key, "")
    return rows


def test_enabling_the_add_on_with_an_older_file_open_moves_its_mapping(installed, bpy_module, tmp_path, capfd):
    import addon_utils
    bpy = bpy_module
    _, module = installed
    source, target = import_with_mixamo_target(bpy, tmp_path, seed=4, frames=6)
    assert bpy.ops.hkmr.retarget() == {"FINISHED"}          # fills the target's mapping and fields
    scene = bpy.context.scene
    hips = target.data.hkmr_bones.hips_bone
    rows = _as_older_file(scene, target)
    addon_utils.disable(module.__name__, default_set=True)
    capfd.readouterr()
    addon_utils.enable(module.__name__, default_set=True)      # the update installed, the file still open
    out = capfd.readouterr().out
    assert f"the retarget mapping ({len(rows)} rows) now belongs to 'mixamo'" in out, out
    assert [(i.bone, i.joint, i.how) for i in target.data.hkmr_map.items] == rows
    assert target.data.hkmr_bones.hips_bone == hips == "mixamorig:Hips" and not source.data.hkmr_bones.hips_bone
    assert "items" not in scene.hkmr_retarget.keys() and "hips_bone" not in scene.hkmr.keys()
    capfd.readouterr()
    addon_utils.disable(module.__name__, default_set=True)     # once: enabling again finds nothing left to move
    addon_utils.enable(module.__name__, default_set=True)
    assert "HKMR: scene" not in capfd.readouterr().out


def test_an_older_mapping_that_cannot_move_says_why(installed, bpy_module, tmp_path, capfd):
    """The Target already has a mapping of its own (kept): the console named no reason ("no Target to take it")."""
    bpy = bpy_module
    _, module = installed
    _, target = import_with_mixamo_target(bpy, tmp_path, seed=4, frames=6)
    assert bpy.ops.hkmr.retarget_auto_map() == {"FINISHED"}
    scene = bpy.context.scene
    rows = _as_older_file(scene, target)
    assert bpy.ops.hkmr.retarget_auto_map() == {"FINISHED"}    # mapped again with the new add-on
    mine = [(i.bone, i.joint, i.how) for i in target.data.hkmr_map.items]
    capfd.readouterr()
    module._adopt_rig_bones()                                  # what load_post runs
    assert (f"the retarget mapping ({len(rows)} rows) was dropped: the Target 'mixamo' has a mapping of its own"
            in capfd.readouterr().out)
    assert [(i.bone, i.joint, i.how) for i in target.data.hkmr_map.items] == mine


def test_opening_an_older_file_moves_its_fields_and_mapping_to_the_rig(installed, bpy_module, tmp_path):
    """Opening it hands the fields to the armature that has those bones and no fields of its own (not the SMPL
    source), the mapping to the Target, drops both from the scene, and Pin Feet and Retarget work on that rig."""
    bpy = bpy_module
    source, target = import_with_mixamo_target(bpy, tmp_path, seed=5, frames=6)
    assert bpy.ops.hkmr.retarget() == {"FINISHED"}          # the target's action; its fields as an older file had them
    old = dict(target.data.hkmr_bones.items())
    assert old["hips_bone"] == "mixamorig:Hips" and old["right_toe"] == "mixamorig:RightToeBase" and len(old) == 9
    rows = _as_older_file(bpy.context.scene, target)
    names = source.name, target.name
    blend = tmp_path / "older.blend"
    bpy.ops.wm.save_as_mainfile(filepath=str(blend), check_existing=False)
    try:
        bpy.ops.wm.open_mainfile(filepath=str(blend))
        scene = bpy.context.scene
        source, target = (bpy.data.objects[n] for n in names)
        assert {k: getattr(target.data.hkmr_bones, k) for k in old} == old
        assert not any(getattr(source.data.hkmr_bones, k) for k in old)
        assert not set(old) & set(scene.hkmr.keys())
        m = target.data.hkmr_map
        assert [(i.bone, i.joint, i.how) for i in m.items] == rows and m.family == "mixamo"
        assert not {"items", "family", "rig_properties"} & set(scene.hkmr_retarget.keys())
        assert not source.data.hkmr_map.items
        bpy.context.view_layer.objects.active = target
        assert bpy.ops.hkmr.pin_feet() == {"FINISHED"}
        assert bpy.ops.hkmr.retarget() == {"FINISHED"} and [(i.bone, i.joint, i.how) for i in m.items] == rows
    finally:
        bpy.ops.wm.read_homefile(use_empty=True)            # forget the saved file name (the add-on stays)
