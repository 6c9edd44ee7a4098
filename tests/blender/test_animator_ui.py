"""What the animator sees, on the installed extension: every panel, the mapping list, the preferences and the file
browser's side panel of each import-like operator draw, naming only properties and operators that exist
(:mod:`tests.blender.layout_probe`: Blender's UILayout needs a window, so the draws go into a probe that looks every
name up in Blender's RNA as the real layout does); and a button that cannot run says why and what to do."""
from __future__ import annotations

import re
import sys

import numpy as np
import pytest

from tests.blender.conftest import bone_ops_refuse, import_with_mixamo_target
from tests.blender.layout_probe import LayoutProbe, draw, draw_operator_dialog

pytestmark = pytest.mark.blender


@pytest.fixture
def imported(installed, bpy_module, tmp_path):
    """An SMPL armature imported through the operator and a Mixamo-named rig auto-mapped as the retarget target."""
    source, target = import_with_mixamo_target(bpy_module, tmp_path, seed=5, frames=6)
    assert bpy_module.ops.hkmr.retarget_auto_map() == {"FINISHED"}
    return installed[1], source, target


def test_panels_and_the_mapping_list_draw(imported, bpy_module):
    module, source, target = imported
    bpy = bpy_module
    context = bpy.context
    main = draw(module.panel.HKMR_PT_motion, context)
    assert any("operator hkmr.motion_from_video" in line for line in main)
    assert any("operator hkmr.export_batch" in line for line in main)
    for active in (source, None):                     # the rig's bone fields only with an armature active
        context.view_layer.objects.active = active
        clips = draw(module.clips.panel.HKMR_PT_clips, context)
        assert any("operator hkmr.pin_feet" in line for line in clips)
        assert any("search hips_bone in bones" in line for line in clips) == (active is not None)
    m = target.data.hkmr_map                          # the Target's own mapping
    lines = draw(module.retarget.panel.HKMR_PT_retarget, context)
    assert any("list HKMR_UL_bone_map of items" in line for line in lines)
    assert any(f"Mapping of '{target.name}' (mixamo)" in line for line in lines), lines
    assert any(".shipped = 'mixamo'" in line for line in lines)
    assert any("operator hkmr.retarget " in line for line in lines)
    probe = LayoutProbe()
    bpy.types.HKMR_UL_bone_map.draw_item(None, context, probe, m, m.items[0], 0, m, "active_index", 0)
    assert any(f"search bone in bones = {m.items[0].bone!r}" in line for line in probe.lines)
    context.scene.hkmr_retarget.target = None         # no Target: no list, says what to choose
    lines = draw(module.retarget.panel.HKMR_PT_retarget, context)
    assert not any("list HKMR_UL_bone_map" in line for line in lines)
    assert any("choose the Target to see its bone mapping" in line for line in lines), lines


def test_export_actions_says_where_and_how_it_exports(imported, bpy_module):
    """Export Actions (Clips, Feet, Root Motion) takes its folder, preset and format from the main panel's Batch export
    box, which the sub-panel did not show: an animator pressed it with the Generic preset (not the engine's) without
    seeing it. A line under the button says what it will write and where those settings are."""
    module, _, _ = imported
    h = bpy_module.context.scene.hkmr
    h.export_preset, h.export_format, h.export_dir = "unreal", "fbx", "//export/"
    lines = draw(module.clips.panel.HKMR_PT_clips, bpy_module.context)
    assert any("label 'FBX, Unreal preset → //export/ (HKMR Motion › Batch export)'" in line for line in lines)
    h.export_preset = "generic"


def test_blend_relative_paths_are_taken_without_a_warning(imported, bpy_module):
    """The Output folder's default is '//export/' (beside the saved .blend, as the README says), yet Blender 4.5+ warned
    "HKMRSettings.export_dir: does not support blend relative '//' prefix" whenever it was set: the path properties that
    are resolved with bpy.path.abspath say they take '//' (PATH_SUPPORTS_BLEND_RELATIVE, where Blender knows it)."""
    import warnings
    h = bpy_module.context.scene.hkmr
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        h.export_dir = "//export/"
    assert not [str(w.message) for w in seen if "blend relative" in str(w.message)]
    video = bpy_module.ops.hkmr.motion_from_video.get_rna_type().properties
    for prop in (h.bl_rna.properties["export_dir"], video["output"], video["checkpoint"], video["boxes"]):
        assert getattr(prop, "is_path_supports_blend_relative", True), prop.identifier   # absent before 4.5


def test_preferences_draw(installed, bpy_module):
    bpy = bpy_module
    _, module = installed
    prefs = bpy.context.preferences.addons[module.__name__].preferences
    prefs.show_advanced = True
    lines = draw(type(prefs), bpy.context, prefs)
    assert any("operator hkmr.setup_video_support" in line for line in lines)
    assert any("prop runtime_wheel_dir" in line for line in lines) and any("prop python_path" in line for line in lines)
    prefs.show_advanced = False


def test_file_browser_side_panels_draw(imported, bpy_module):
    """The options shown beside the file list: Import SMPL Motion (File › Import and the panel's Import Motion…)
    raised ModuleNotFoundError on every redraw before (a relative import of a module that does not exist), so the
    animator saw no options there."""
    bpy = bpy_module
    context = bpy.context
    lines = draw_operator_dialog(bpy.ops.hkmr.import_motion, context)
    for name in ("target", "create_mesh", "rate", "pin_feet", "root_mode", "nla"):
        assert any(line.strip().startswith(f"prop {name} ") for line in lines), name
    lines = draw_operator_dialog(bpy.ops.hkmr.import_clips, context)
    assert any(line.strip().startswith("prop pin_feet ") for line in lines)
    fit = draw_operator_dialog(bpy.ops.hkmr.motion_from_video, context, method="fit")
    net = draw_operator_dialog(bpy.ops.hkmr.motion_from_video, context, method="network")
    assert any("prop height " in line for line in fit) and not any("prop checkpoint " in line for line in fit)
    assert any("prop checkpoint " in line for line in net) and not any("prop height " in line for line in net)


def test_greyed_out_buttons_say_why(imported, bpy_module):
    """A button Blender greys out shows its operator's poll message as the tooltip (and a script gets it in the
    error): with a mesh active, Pin Feet, Apply Root Motion, Export Actions and Bake name the object and what to
    select; Retarget without a target says which field to fill. Before: "context is incorrect", no reason."""
    bpy = bpy_module
    _, source, _ = imported
    context = bpy.context
    mesh = bpy.data.objects.new("Body", bpy.data.meshes.new("Body"))
    context.scene.collection.objects.link(mesh)
    context.view_layer.objects.active = mesh
    for op in (bpy.ops.hkmr.pin_feet, bpy.ops.hkmr.root_motion, bpy.ops.hkmr.export_actions, bpy.ops.hkmr.bake):
        with pytest.raises(RuntimeError, match="Select your armature first: the active object 'Body' is a mesh"):
            op()
    context.view_layer.objects.active = None
    with pytest.raises(RuntimeError, match="Select your armature first: no object is active"):
        bpy.ops.hkmr.pin_feet()
    rt = context.scene.hkmr_retarget
    rt.target = None
    with pytest.raises(RuntimeError, match=r"Choose the Source \(the imported SMPL armature\) and the Target"):
        bpy.ops.hkmr.retarget()
    with pytest.raises(RuntimeError, match="Choose the Target above"):
        bpy.ops.hkmr.retarget_auto_map()
    context.view_layer.objects.active = source
    assert bpy.ops.hkmr.pin_feet() == {"FINISHED"}


def test_a_rig_without_animation_says_to_retarget_first(imported, bpy_module, tmp_path):
    """The animator's character before Retarget Motion: Pin Feet, Apply Root Motion and Export Actions say to import
    or retarget a clip onto it (they said "import or select a clip" / "no actions to export"), and write nothing."""
    bpy = bpy_module
    _, _, target = imported
    context = bpy.context
    context.view_layer.objects.active = target
    h = context.scene.hkmr
    h.root_mode, h.export_dir, h.export_preset = "in_place", str(tmp_path / "out"), "unreal"
    for op in (bpy.ops.hkmr.pin_feet, bpy.ops.hkmr.root_motion, bpy.ops.hkmr.export_actions):
        with pytest.raises(RuntimeError, match=r"'mixamo' has no .*retarget one onto it.*HKMR › Retarget"):
            op()
    h.root_mode = "world"
    assert target.animation_data is None and not (tmp_path / "out").exists()


def test_root_motion_on_a_rig_whose_root_is_not_above_its_hips_says_so(imported, bpy_module, tmp_path, capfd):
    """Rigify has a 'root' bone, but its torso hangs from a parentless MCH bone that follows 'root' through
    constraints. Apply Root Motion and Export Actions with Root motion said "add one (the SMPL rig gets 'root')";
    they name the bone, the hips' parents and the way out, and change nothing."""
    bpy = bpy_module
    _, source, _ = imported
    context = bpy.context
    context.view_layer.objects.active = source
    bpy.ops.object.mode_set(mode="EDIT")
    bone = source.data.edit_bones.new("root")                 # a root that is not the pelvis' parent
    bone.head, bone.tail = (0, 0, 0), (0, 0.2, 0)
    bpy.ops.object.mode_set(mode="OBJECT")
    from hkmr_blender.rig import compat
    action = source.animation_data.action
    keys = {fc.data_path + str(fc.array_index): [tuple(k.co) for k in fc.keyframe_points]
            for fc in compat.action_fcurves(action, source)}
    h = context.scene.hkmr
    h.root_mode, h.export_dir, h.export_preset, h.export_root_motion = "root_motion", str(tmp_path), "unreal", True
    said = r"root motion needs its bone 'root' above the hips bone 'pelvis', whose parents are none.*export without"
    with pytest.raises(RuntimeError, match=said):
        bpy.ops.hkmr.root_motion()
    capfd.readouterr()
    assert bpy.ops.hkmr.export_actions() == {"CANCELLED"}         # per action: a warning, then "0 exported"
    assert re.search(said, capfd.readouterr().out)
    h.root_mode, h.export_root_motion = "world", False
    assert {fc.data_path + str(fc.array_index): [tuple(k.co) for k in fc.keyframe_points]
            for fc in compat.action_fcurves(action, source)} == keys
    assert list(tmp_path.iterdir()) == [tmp_path / "clip.npz"] and source.animation_data.action == action


def test_apply_root_motion_says_what_it_did(imported, bpy_module, capfd):
    """The report named the mode's identifier ("Applied 'root_motion'"); it says which bone now carries how many
    metres of travel, measured here on the evaluated rig, or that World mode has nothing to do."""
    bpy = bpy_module
    _, source, _ = imported
    context = bpy.context
    scene = context.scene
    context.view_layer.objects.active = source

    def pelvis(frame):
        scene.frame_set(frame)
        return np.array(source.matrix_world @ source.pose.bones["pelvis"].head)

    travel = float(np.linalg.norm((pelvis(scene.frame_end) - pelvis(scene.frame_start))[:2]))
    capfd.readouterr()
    assert bpy.ops.hkmr.root_motion() == {"FINISHED"}
    assert "Nothing to do: Root motion is World" in capfd.readouterr().out
    scene.hkmr.root_mode = "root_motion"
    assert bpy.ops.hkmr.root_motion() == {"FINISHED"}
    scene.hkmr.root_mode = "world"
    said = re.search(r"Root motion on 'clip': new bone 'root' carries the hips' travel \(([\d.]+) m\) and heading",
                     capfd.readouterr().out)
    assert said and travel > 0.1 and float(said.group(1)) == pytest.approx(travel, abs=0.006)
    assert "root" in source.data.bones


def test_export_actions_leaves_the_selection_as_it_was(imported, bpy_module, tmp_path):
    """Export Actions with Root motion (or of a Rigify rig) goes through a temporary armature; afterwards nothing was
    active (the temporary one, removed), so a second Export Actions (another format, another preset) was greyed out:
    "Select your armature first: no object is active". The active object and the selection are as they were."""
    bpy = bpy_module
    _, source, target = imported
    view = bpy.context.view_layer
    for ob in view.objects:
        ob.select_set(ob in (source, target))
    view.objects.active = source
    h = bpy.context.scene.hkmr
    h.export_dir, h.export_preset, h.export_format, h.export_root_motion = str(tmp_path), "unreal", "fbx", True
    try:
        assert bpy.ops.hkmr.export_actions() == {"FINISHED"}
        assert view.objects.active == source and {o.name for o in view.objects if o.select_get()} == {"clip", "mixamo"}
        h.export_format = "glb"
        assert bpy.ops.hkmr.export_actions() == {"FINISHED"}
    finally:
        h.export_root_motion = False
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.fbx", "clip.glb", "clip.npz"]
    assert view.objects.active == source and len(bpy.data.objects) == 2


def test_importing_onto_a_character_points_to_retarget(imported, bpy_module, tmp_path):
    """Apply to › Selected armature with the animator's own character selected: the refusal said "the armature has no
    bones for SMPL joint(s) …" without naming it or the way to get the motion onto it; it names the rig and points to
    a New armature + HKMR › Retarget. Nothing is imported."""
    bpy = bpy_module
    _, _, target = imported
    context = bpy.context
    context.view_layer.objects.active = target
    h = context.scene.hkmr
    before = ({o.name for o in bpy.data.objects}, {a.name for a in bpy.data.actions})
    h.target = "selected"
    try:
        with pytest.raises(RuntimeError, match=r"Apply to › Selected armature: 'mixamo' is no SMPL armature: the "
                                               r"armature has no bones for SMPL joint\(s\) pelvis.*import it as a New "
                                               r"armature, then HKMR › Retarget onto 'mixamo'"):
            bpy.ops.hkmr.import_motion(filepath=str(tmp_path / "clip.npz"))
    finally:
        h.target = "new"
    assert ({o.name for o in bpy.data.objects}, {a.name for a in bpy.data.actions}) == before
    assert target.animation_data is None
    # Motion from Video imports with the same settings: it says so before the minutes of inference, not after them
    from hkmr_blender.base.inputs import VIDEO_EXTS
    video = tmp_path / f"clip{VIDEO_EXTS[0]}"
    video.write_bytes(b"\0" * 64)
    h.target = "selected"
    try:
        with pytest.raises(RuntimeError, match=r"'mixamo' is no SMPL armature.*HKMR › Retarget onto 'mixamo'"):
            bpy.ops.hkmr.motion_from_video(filepath=str(video), python_path=sys.executable)
    finally:
        h.target = "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["clip.npz", video.name])


def test_batch_export_with_no_file_chosen_says_so(imported, bpy_module, tmp_path):
    """Batch Export Motions accepted with no file picked (a folder only, or nothing): it said "Exported 0 clip(s) to …,
    0 failed" (or that the output folder lies inside the input folder), not what was missing. Nothing is written."""
    bpy = bpy_module
    h = bpy.context.scene.hkmr
    h.export_dir = str(tmp_path / "out")
    for kw in ({"filepath": ""}, {"filepath": str(tmp_path) + "/"}, {"directory": str(tmp_path)}):
        with pytest.raises(RuntimeError, match=r"no motion file chosen; pick one or more \.npz/\.smpl files"):
            bpy.ops.hkmr.export_batch(**kw)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.npz"]


def test_two_characters_keep_their_own_mapping_and_rig_bone_fields(imported, bpy_module):
    """The bone mapping and the rig bone fields belong to each armature: Retarget Motion auto-maps and fills its
    target's. Retargeting onto a second character (UE-named) left the first one's mapping (with an edit) and fields
    alone, so Pin Feet on either (and on the SMPL source, whose fields stay empty) finds its own bones — before, both
    were scene-wide: the second character showed the first one's mapping (Retarget refused it: bones it lacks), and the second retarget
    overwrote the first character's fields (Pin Feet on it then refused bones it does not have)."""
    from hkmr_blender.base.skeleton import SMPL_JOINT_NAMES
    from tests.blender.retarget_rigs import build_armature
    bpy = bpy_module
    module, source, mixamo = imported
    context = bpy.context
    rt = context.scene.hkmr_retarget
    assert bpy.ops.hkmr.retarget() == {"FINISHED"}
    joints = np.array([source.data.bones[n].head_local for n in SMPL_JOINT_NAMES])   # the same proportions
    unreal = build_armature(context, "unreal", joints, seed=2, name="Hero")
    mixamo_map = {i.joint: i.bone for i in mixamo.data.hkmr_map.items}
    mixamo.data.hkmr_map.items[0].how = "checked by hand"   # an edit to the first character's mapping
    rt.target = unreal
    assert not unreal.data.hkmr_map.items                # the second character shows its own (empty) mapping
    assert bpy.ops.hkmr.retarget() == {"FINISHED"}       # ... which Retarget auto-maps
    assert unreal.data.hkmr_map.family == "unreal" and {i.joint: i.bone for i in unreal.data.hkmr_map.items}[
        "left_hip"] == "thigh_l"
    assert {i.joint: i.bone for i in mixamo.data.hkmr_map.items} == mixamo_map            # the first one's is kept
    assert mixamo.data.hkmr_map.items[0].how == "checked by hand"
    hips = {ob.name: (ob.data.hkmr_bones.hips_bone, ob.data.hkmr_bones.left_toe) for ob in (source, mixamo, unreal)}
    assert hips == {source.name: ("", ""), mixamo.name: ("mixamorig:Hips", "mixamorig:LeftToeBase"),
                    "Hero": ("pelvis", "ball_l")}, hips
    for rig in (mixamo, unreal, source):
        context.view_layer.objects.active = rig
        assert bpy.ops.hkmr.pin_feet() == {"FINISHED"}, rig.name
        clips = draw(module.clips.panel.HKMR_PT_clips, context)        # the panel shows the active rig's fields
        assert any(f"Bones of '{rig.name}'" in line for line in clips), clips
        assert any(f"search hips_bone in bones = {rig.data.hkmr_bones.hips_bone!r}" in line for line in clips), clips


def test_bone_fields_naming_bones_the_rig_lacks_are_named_not_a_traceback(imported, bpy_module, tmp_path):
    """Rig bone fields that name bones the armature lacks (typed for another rig, a bone renamed since): Pin Feet,
    Apply Root Motion and Export Actions with Root motion looked them up on it: a KeyError traceback
    ('bpy_prop_collection[key]: key "mixamorig:Hips" not found'). They say which field names which bone that the
    rig lacks and what to do, and change nothing."""
    bpy = bpy_module
    _, source, _ = imported
    source.data.hkmr_bones.hips_bone = "mixamorig:Hips"
    bone_ops_refuse(bpy, source, tmp_path / "out", r"the rig bone fields of 'clip' name bones it does not have: Hips "
                    r"'mixamorig:Hips'; choose its bones in HKMR › Clips, Feet, Root Motion, or clear them for an SMPL rig")
