"""A character linked from its own .blend into a shot file, as studios do (File › Link, then Object › Library Override
› Make): the rig bone fields and the bone mapping live on the armature data, which stays linked even in an override,
so what the shot file writes there is not saved. Before: Retarget onto a plain linked rig reported success and the
clip was gone on reopen; on an override, Auto-map and the row buttons 'worked' and vanished on reopen, and Pin Feet
after reopening refused the retargeted character ("the armature has no bones for SMPL joint(s) …, select an SMPL
armature")."""
from __future__ import annotations

import re

import pytest

from tests.blender.conftest import import_with_mixamo_target
from tests.blender.layout_probe import draw

pytestmark = pytest.mark.blender


@pytest.fixture
def character_file(installed, bpy_module, tmp_path):
    """char.blend: the Mixamo-named character in collection 'Char', mapped there (Auto-map, one row marked by hand);
    then a fresh shot file with the clip imported as the Source. Returns (the add-on module, char.blend)."""
    bpy = bpy_module
    source, rig = import_with_mixamo_target(bpy, tmp_path, seed=3, frames=8)
    coll = bpy.data.collections.new("Char")
    bpy.context.scene.collection.children.link(coll)
    bpy.context.scene.collection.objects.unlink(rig)
    coll.objects.link(rig)
    assert bpy.ops.hkmr.retarget_auto_map() == {"FINISHED"}
    rig.data.hkmr_map.items[0].how = "checked in char.blend"
    bpy.ops.wm.save_as_mainfile(filepath=str(tmp_path / "char.blend"))
    bpy.ops.wm.read_homefile(use_empty=True)
    h = bpy.context.scene.hkmr
    h.target, h.rate, h.create_mesh = "new", "set_scene", False
    assert bpy.ops.hkmr.import_motion(filepath=str(tmp_path / "clip.npz")) == {"FINISHED"}
    yield installed[1], tmp_path / "char.blend"
    bpy.ops.wm.read_homefile(use_empty=True)              # forget the saved file names (the add-on stays)


def _override_char(bpy, path):
    """File › Link, then Object › Library Override › Make: the overridden rig (its armature data stays linked)."""
    coll, inst = _link_char(bpy, path)                  # (5.3: override_hierarchy_create needs the instance)
    over = coll.override_hierarchy_create(bpy.context.scene, bpy.context.view_layer, reference=inst)
    bpy.data.objects.remove(inst)
    return next(o for o in over.all_objects if o.type == "ARMATURE")


def _link_char(bpy, path):
    """File › Link of collection 'Char' (instanced, as the link dialog does by default): (collection, instance)."""
    with bpy.data.libraries.load(str(path), link=True) as (_, into):
        into.collections = ["Char"]
    inst = bpy.data.objects.new("Char", None)
    inst.instance_type, inst.instance_collection = "COLLECTION", into.collections[0]
    bpy.context.scene.collection.objects.link(inst)
    return into.collections[0], inst


def test_retarget_refuses_a_linked_rig_whose_clip_would_be_lost(character_file, bpy_module):
    bpy = bpy_module
    module, path = character_file
    _link_char(bpy, path)
    rig = bpy.data.objects["mixamo"]
    rt = bpy.context.scene.hkmr_retarget
    rt.target = rig
    said = (r"Target 'mixamo' is linked from char.blend: a clip keyed on it would not be saved; make it a library "
            r"override \(Object › Library Override › Make\) and choose that")
    with pytest.raises(RuntimeError, match=said):
        bpy.ops.hkmr.retarget()
    assert rig.animation_data is None
    lines = draw(module.retarget.panel.HKMR_PT_retarget, bpy.context)
    assert any("label \"Target 'mixamo' is linked from char.blend\"" in line for line in lines), lines


def test_an_overridden_character_keeps_working_after_reopen(character_file, bpy_module, tmp_path, capfd):
    bpy = bpy_module
    module, path = character_file
    rig = _override_char(bpy, path)
    assert rig.override_library is not None and rig.data.library is not None     # the armature stays linked
    rt = bpy.context.scene.hkmr_retarget
    rt.target = rig
    rows = [(i.bone, i.joint, i.how) for i in rig.data.hkmr_map.items]
    assert rows[0][2] == "checked in char.blend"          # the mapping made in the character's file
    said = (r"The bones of 'mixamo' are linked from char.blend: a mapping made here is not saved; to keep one, map "
            r"the rig in char.blend and save it")
    capfd.readouterr()
    assert bpy.ops.hkmr.retarget_load_preset(shipped="mixamo") == {"FINISHED"}      # used, with a warning
    assert re.search(said, capfd.readouterr().out)
    with pytest.raises(RuntimeError, match=said):        # rows Blender shows greyed: no Add/Remove either
        bpy.ops.hkmr.retarget_map_edit(action="ADD")
    lines = draw(module.retarget.panel.HKMR_PT_retarget, bpy.context)
    assert any("label \"The bones of 'mixamo' are linked from char.blend\"" in line for line in lines), lines
    assert bpy.ops.hkmr.retarget() == {"FINISHED"}
    blend = tmp_path / "shot.blend"
    bpy.ops.wm.save_as_mainfile(filepath=str(blend))
    bpy.ops.wm.open_mainfile(filepath=str(blend))
    rig = next(o for o in bpy.data.objects if o.type == "ARMATURE" and o.override_library is not None)
    assert rig.animation_data.action.name == "mixamo_clip"             # the clip is kept (on the override)
    assert [(i.bone, i.joint, i.how) for i in rig.data.hkmr_map.items] == rows   # char.blend's mapping, as it is there
    assert not any(v for v in rig.data.hkmr_bones.values())             # Retarget's fields were not saved here ...
    bpy.context.view_layer.objects.active = rig
    capfd.readouterr()
    assert bpy.ops.hkmr.pin_feet() == {"FINISHED"}                     # ... Pin Feet takes them from its mapping
    assert "Pinned feet; travel during contact" in capfd.readouterr().out
    lines = draw(module.clips.panel.HKMR_PT_clips, bpy.context)
    assert any("Bones of 'mixamo' (empty: from its mapping, else SMPL names)" in line for line in lines), lines
    h = bpy.context.scene.hkmr                  # the engine file with root motion: through a temporary copy of the
    h.export_dir, h.export_preset, h.export_root_motion = str(tmp_path / "out"), "unreal", True   # override (was a
    try:                                        # traceback: no Edit Mode on it, then the linked original's name)
        assert bpy.ops.hkmr.export_actions() == {"FINISHED"}
    finally:
        h.export_root_motion = False
    from tests.blender.fbx_read import read_fbx
    fbx = read_fbx(tmp_path / "out" / "mixamo_clip.fbx")
    assert fbx.roots == ["root"] and fbx.parent["mixamorig:Hips"] == "root" and "root" not in rig.data.bones
    assert bpy.context.view_layer.objects.active == rig and rig.name == "mixamo"


def test_a_linked_duplicate_shares_the_mapping_and_says_so(installed, bpy_module, tmp_path):
    """Alt+D (Duplicate Linked) shares the armature data, so the two characters share one mapping and bone fields
    (the same bones): the panel says so under the list, each keeps its own retargeted clip. Shift+D copies both."""
    bpy = bpy_module
    module = installed[1]
    _, rig = import_with_mixamo_target(bpy, tmp_path, seed=3, frames=8)
    context = bpy.context
    assert bpy.ops.hkmr.retarget() == {"FINISHED"}
    for ob in context.view_layer.objects:
        ob.select_set(ob == rig)
    context.view_layer.objects.active = rig
    bpy.ops.object.duplicate(linked=True)
    twin = context.active_object
    bpy.ops.object.duplicate(linked=False)
    copy = context.active_object
    assert twin.data == rig.data and copy.data != rig.data
    rt = context.scene.hkmr_retarget
    rt.target = twin
    lines = draw(module.retarget.panel.HKMR_PT_retarget, context)
    assert any("label \"Shared with 'mixamo' (one armature data): an edit changes both\"" in line for line in lines), \
        lines
    assert bpy.ops.hkmr.retarget() == {"FINISHED"}
    assert twin.animation_data.action != rig.animation_data.action          # each its own clip
    rt.target = copy
    lines = draw(module.retarget.panel.HKMR_PT_retarget, context)
    assert not any("Shared with" in line for line in lines), lines
    assert [i.bone for i in copy.data.hkmr_map.items] == [i.bone for i in rig.data.hkmr_map.items]
    assert copy.data.hkmr_bones.hips_bone == rig.data.hkmr_bones.hips_bone == "mixamorig:Hips"


def test_editing_what_the_character_file_owns_says_so(character_file, bpy_module, tmp_path):
    """On the override: Apply Root Motion (Root motion) must add a 'root' bone, impossible on linked bones (was a
    traceback from Edit Mode: "Cannot edit library linked or non-editable override object"); a clip that came with the
    character (its action linked) was edited by Pin Feet / Apply Root Motion in memory only, reported done and lost on
    reopen. Both say why and what to do, and change nothing."""
    from hkmr_blender.rig import compat
    bpy = bpy_module
    _, path = character_file
    rig = _override_char(bpy, path)
    context = bpy.context
    context.scene.hkmr_retarget.target = rig
    assert bpy.ops.hkmr.retarget() == {"FINISHED"}                     # a clip of this file, on the override
    context.view_layer.objects.active = rig
    h = context.scene.hkmr
    h.root_mode = "root_motion"
    try:
        with pytest.raises(RuntimeError, match=r"'mixamo' has no bone 'root' and its bones are linked from char.blend, "
                                               r"so it cannot be added here: add a 'root' bone above the hips in "
                                               r"char.blend, or choose Root motion: In place"):
            bpy.ops.hkmr.root_motion()
        assert "root" not in rig.data.bones
        h.root_mode = "in_place"
        assert bpy.ops.hkmr.root_motion() == {"FINISHED"}              # no new bone needed: works on the override
        bpy.ops.wm.save_as_mainfile(filepath=str(tmp_path / "clips.blend"), copy=True)
        with bpy.data.libraries.load(str(tmp_path / "clips.blend"), link=True) as (_, into):
            into.actions = ["mixamo_clip"]                             # a clip that comes linked from another file
        linked = into.actions[0]
        rig.animation_data.action = linked
        keys = [tuple(k.co) for fc in compat.action_fcurves(linked, rig) for k in fc.keyframe_points]
        said = (r"'mixamo''s action 'mixamo_clip' is linked from clips.blend: edits to it would not be saved; make it "
                r"local first \(Outliner, Blender File view: right-click it › Make Local\) or retarget the clip onto "
                r"'mixamo' in this file")
        for op in (bpy.ops.hkmr.pin_feet, bpy.ops.hkmr.root_motion):
            with pytest.raises(RuntimeError, match=said):
                op()
        assert [tuple(k.co) for fc in compat.action_fcurves(linked, rig) for k in fc.keyframe_points] == keys
    finally:
        h.root_mode = "world"


def test_the_same_clip_over_the_character_files_own_take_exports(character_file, bpy_module, tmp_path, capfd):
    """The character file already holds a take of this clip on the rig ('mixamo_clip'). Retargeting it again in the
    shot made a local 'mixamo_clip' and pushed the linked one onto the NLA track: Export Actions then refused both
    ("several inputs would write the same file (action 'mixamo_clip', action 'mixamo_clip' → …)"). The linked take
    stays in its file; the shot's clip exports; a clash that remains names which one is linked."""
    bpy = bpy_module
    _, path = character_file
    shot = bpy.data.objects["clip"].name
    bpy.ops.wm.save_as_mainfile(filepath=str(tmp_path / "shot.blend"))
    bpy.ops.wm.open_mainfile(filepath=str(path))                     # in char.blend: a take of the clip
    assert bpy.ops.hkmr.retarget() == {"FINISHED"} and bpy.data.objects["mixamo"].animation_data.action
    bpy.ops.wm.save_mainfile()
    bpy.ops.wm.open_mainfile(filepath=str(tmp_path / "shot.blend"))
    rig = _override_char(bpy, path)
    linked = rig.animation_data.action
    assert linked.name == "mixamo_clip" and linked.library is not None
    context = bpy.context
    rt = context.scene.hkmr_retarget
    rt.source, rt.target = bpy.data.objects[shot], rig
    capfd.readouterr()
    assert bpy.ops.hkmr.retarget() == {"FINISHED"}
    assert "stays on 'mixamo' as a muted strip" not in capfd.readouterr().out
    action = rig.animation_data.action
    assert action.name == "mixamo_clip" and action.library is None and not rig.animation_data.nla_tracks
    context.view_layer.objects.active = rig
    h = context.scene.hkmr
    h.export_dir, h.export_preset, h.export_format = str(tmp_path / "out"), "unreal", "fbx"
    assert bpy.ops.hkmr.export_actions() == {"FINISHED"}
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["mixamo_clip.fbx"]
    track = rig.animation_data.nla_tracks.new()                      # both on the rig (put there by hand)
    track.strips.new("take", 1, linked)
    with pytest.raises(RuntimeError, match=r"several inputs would write the same file \(action 'mixamo_clip', action "
                                           r"'mixamo_clip' \(linked from char.blend\)"):
        bpy.ops.hkmr.export_actions()
