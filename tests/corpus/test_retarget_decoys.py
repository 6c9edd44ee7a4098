"""Corpus: retarget decoys (issue 19, item 6). A Mixamo rig with an extra unparented bone named ``Hips``:
auto-map and the Mixamo preset used to map the pelvis to the decoy at confidence 1.0 and never key the real
hips. The bone in the rig's connected hierarchy now wins; a second candidate lowers the confidence and is named."""
from __future__ import annotations

import numpy as np
import pytest

from hkmr_blender.retarget import mapping as mp
from tests.blender.conftest import bpy_module, empty_scene  # noqa: F401  (fixtures)
from tests.blender.retarget_rigs import FAMILIES, names_and_parents


def _mixamo_with(decoys: list[tuple[str, str | None]], first: bool = True):
    names, parents = names_and_parents(FAMILIES["mixamo"])
    extra_names = [d[0] for d in decoys]
    if first:  # decoys listed before the real bones (dict order used to pick the last one, list order the first)
        all_names = extra_names + names
        all_parents = [(-1 if p is None else len(extra_names) + names.index(p)) for _, p in decoys] + \
                      [(-1 if p < 0 else p + len(extra_names)) for p in parents]
    else:
        all_names = names + extra_names
        all_parents = parents + [(-1 if p is None else names.index(p)) for _, p in decoys]
    return all_names, all_parents


@pytest.mark.parametrize("first", [True, False], ids=["decoy-first", "decoy-last"])
@pytest.mark.parametrize("how", ["auto", "preset"])
def test_unparented_hips_decoy_loses_to_the_real_hips(first, how):
    names, parents = _mixamo_with([("Hips", None)], first)
    m = mp.auto_map(names, parents) if how == "auto" else mp.apply_preset(mp.shipped_presets()["mixamo"], names,
                                                                            parents)
    pelvis = next(e for e in m.entries if e.joint == "pelvis")
    assert pelvis.bone == "mixamorig:Hips"
    assert pelvis.confidence == pytest.approx(mp.RIVAL_OUTSIDE) and "2nd candidate 'Hips'" in pelvis.how
    assert "outside the rig's hierarchy" in pelvis.how
    others = [e for e in m.entries if e.joint != "pelvis"]
    assert all(e.confidence == 1.0 and "2nd" not in e.how for e in others)   # the rest of the rig is unaffected


def test_two_candidates_inside_the_hierarchy_are_ambiguous():
    """A second ``Hips`` parented into the rig (e.g. a helper under the real hips): both are in the hierarchy;
    the one with more bones below wins and the confidence is halved (red in the list)."""
    names, parents = _mixamo_with([("Hips", "mixamorig:Spine2")], first=True)
    m = mp.auto_map(names, parents)
    pelvis = next(e for e in m.entries if e.joint == "pelvis")
    assert pelvis.bone == "mixamorig:Hips" and pelvis.confidence == pytest.approx(mp.RIVAL_IN_HIERARCHY)
    assert "also in the rig's hierarchy" in pelvis.how


def test_decoy_chain_outside_the_rig_loses_on_word_matching():
    """A rig no preset knows (body-part words): a detached 'thigh_l' helper chain beside the real legs."""
    rows = [("root", -1), ("pelvis_bone", 0), ("spine", 1), ("neck", 2), ("head", 3)]
    for side in ("l", "r"):
        rows += [(f"thigh_{side}", 1), (f"calf_{side}", len(rows)), (f"foot_{side}", len(rows) + 1)]
    rows += [("thigh_l.decoy", -1)]  # does not normalise the same: no rival
    rows += [("THIGH_L", -1)]        # canonical_key equal to thigh_l: a rival outside the hierarchy
    names = [r[0] for r in rows]
    parents = [r[1] for r in rows]
    m = mp.auto_map(names, parents)
    hip = next(e for e in m.entries if e.joint == "left_hip")
    assert hip.bone == "thigh_l" and "2nd candidate 'THIGH_L'" in hip.how
    assert hip.confidence < 0.7


def _mixamo_in_edit_mode(scene):
    """A motion imported into ``scene`` and a Mixamo armature on its rest joints, left in edit mode: (motion, rig)."""
    import bpy

    from hkmr_blender.importing.importer import ImportSettings, import_motion
    from hkmr_blender.rig import transforms as rm
    from tests.blender.conftest import make_motion
    from tests.blender.retarget_rigs import build_armature

    motion, _ = make_motion(np.random.default_rng(5), frames=8)
    import_motion(scene, motion, ImportSettings(rate="set_scene", create_mesh=False))
    joints = (np.asarray(motion.rest_joints) - motion.rest_joints[0]) @ rm.C_Y_TO_Z.T
    target = build_armature(scene, "mixamo", joints, seed=1)
    bpy.context.view_layer.objects.active = target
    bpy.ops.object.mode_set(mode="EDIT")
    return motion, target


def test_decoy_rig_retargets_the_real_hips(empty_scene):  # noqa: F811  (the fixture)
    """With a real Blender armature: the decoy gets no keys, the real hips follow the source pelvis."""
    import bpy

    from hkmr_blender.retarget.apply import read_target, retarget
    from hkmr_blender.rig.keys import action_fcurves

    motion, target = _mixamo_in_edit_mode(empty_scene)
    decoy = target.data.edit_bones.new("Hips")
    decoy.head, decoy.tail = (1.0, 0.0, 0.0), (1.0, 0.0, 0.2)
    bpy.ops.object.mode_set(mode="OBJECT")
    rig, _ = read_target(target)
    assert "Hips" in rig.names and "mixamorig:Hips" in rig.names
    result = retarget(empty_scene, motion, target)
    keyed = {fc.group.name for fc in action_fcurves(target)}
    assert "mixamorig:Hips" in keyed and "Hips" not in keyed
    pelvis = next(e for e in result.mapping.entries if e.joint == "pelvis")
    assert pelvis.bone == "mixamorig:Hips" and pelvis.confidence < 1.0



def _renamed(names, old, new):
    return [new if n == old else n for n in names]


def _variant(kind: str):
    """Second probe (issue 19): (bone names, parents, the pelvis bone expected, a rival named in ``how`` or None)."""
    names, parents = names_and_parents(FAMILIES["mixamo"])
    hips = names.index("mixamorig:Hips")
    if kind == "real-renamed-001-decoy-has-the-name":   # Blender renamed the real hips when a copy took its name
        return _renamed(names, "mixamorig:Hips", "mixamorig:Hips.001") + ["mixamorig:Hips"], parents + [-1], \
            "mixamorig:Hips.001", "mixamorig:Hips"
    if kind == "unparented-copy-named-001":
        return names + ["mixamorig:Hips.001"], parents + [-1], "mixamorig:Hips", None
    if kind == "copy-001-under-the-real-hips":
        return names + ["mixamorig:Hips.001"], parents + [hips], "mixamorig:Hips", None
    if kind == "rig-under-an-extra-root-and-a-top-level-hips":
        return ["Hips", "Root"] + names, [-1, -1] + [(1 if p < 0 else p + 2) for p in parents], "mixamorig:Hips", "Hips"
    if kind == "lower-case-decoy":
        return names + ["mixamorig:hips"], parents + [-1], "mixamorig:Hips", "mixamorig:hips"
    if kind == "whole-rig-copied-unparented-with-001":
        return names + [n + ".001" for n in names], parents + [(-1 if p < 0 else p + len(names)) for p in parents], \
            "mixamorig:Hips", None
    raise KeyError(kind)


VARIANTS = ["real-renamed-001-decoy-has-the-name", "unparented-copy-named-001", "copy-001-under-the-real-hips",
            "rig-under-an-extra-root-and-a-top-level-hips", "lower-case-decoy", "whole-rig-copied-unparented-with-001"]


@pytest.mark.parametrize("how", ["auto", "preset"])
@pytest.mark.parametrize("kind", VARIANTS)
def test_decoy_variants_map_the_real_hierarchy(kind, how):
    names, parents, pelvis_bone, rival = _variant(kind)
    m = mp.auto_map(names, parents) if how == "auto" else mp.apply_preset(mp.shipped_presets()["mixamo"], names,
                                                                            parents)
    pelvis = next(e for e in m.entries if e.joint == "pelvis")
    assert pelvis.bone == pelvis_bone, (pelvis, kind)
    if rival is None:
        assert pelvis.confidence == 1.0 and "2nd" not in pelvis.how
    else:
        assert pelvis.confidence == pytest.approx(mp.RIVAL_OUTSIDE) and f"2nd candidate '{rival}'" in pelvis.how
    main = {n for n in names if not n.endswith(".001") or n == pelvis_bone}
    assert all(e.bone in main for e in m.entries), [e.bone for e in m.entries if e.bone not in main]
    assert len(m.entries) == 24


def _exact_decoy(family: str, host: str | None, real: str):
    """Third probe (issue 19, item 6): a decoy that took the pelvis bone's exact name ``real`` (Blender renamed the
    real one ``real.001``), parented inside the rig under ``host`` (None: wrapped around the real hips as their
    only parent)."""
    names, parents = names_and_parents(FAMILIES[family])
    names = [real + ".001" if n == real else n for n in names]
    if host is None:
        hips = names.index(real + ".001")
        return names + [real], [(len(names) if i == hips else p) for i, p in enumerate(parents)] + [parents[hips]]
    return names + [real], parents + [names.index(host)]


EXACT = [("mixamo", "mixamorig:LeftHand", "mixamorig:Hips"), ("mixamo", "mixamorig:Hips.001", "mixamorig:Hips"),
         ("mixamo", "mixamorig:RightToe_End", "mixamorig:Hips"), ("mixamo", "mixamorig:Head", "mixamorig:Hips"),
         ("mixamo", None, "mixamorig:Hips"), ("unreal", None, "pelvis"), ("unity", "LeftHand", "Hips"),
         ("unity", "Hips.001", "Hips"), ("unreal", "hand_l", "pelvis"), ("unreal", "ik_foot_r", "pelvis")]


@pytest.mark.parametrize("how", ["auto", "preset"])
@pytest.mark.parametrize("family,host,real", EXACT, ids=[f"{f}-under-{h}" for f, h, _ in EXACT])
def test_exact_name_decoy_inside_the_rig_loses_to_the_bone_that_roots_legs_and_spine(family, host, real, how):
    names, parents = _exact_decoy(family, host, real)
    m = mp.auto_map(names, parents) if how == "auto" else mp.apply_preset(mp.shipped_presets()[family], names,
                                                                            parents)
    pelvis = next(e for e in m.entries if e.joint == "pelvis")
    assert pelvis.bone == real + ".001", (pelvis, names[-1])
    assert pelvis.confidence == pytest.approx(mp.RIVAL_IN_HIERARCHY) and f"2nd candidate '{real}'" in pelvis.how
    assert all(e.bone != real for e in m.entries)


def test_exact_name_decoy_on_a_rig_no_preset_knows():
    """Word matching (no family preset): a leaf 'pelvis' under the head, the real 'pelvis.001' above both thighs."""
    rows = [("root", -1), ("pelvis.001", 0), ("spine", 1), ("neck", 2), ("head", 3), ("pelvis", 4)]
    for side in ("l", "r"):
        rows += [(f"thigh_{side}", 1), (f"calf_{side}", len(rows)), (f"foot_{side}", len(rows) + 1)]
    m = mp.auto_map([r[0] for r in rows], [r[1] for r in rows])
    pelvis = next(e for e in m.entries if e.joint == "pelvis")
    assert pelvis.bone == "pelvis.001" and "2nd candidate 'pelvis'" in pelvis.how and pelvis.confidence < 0.7


@pytest.mark.parametrize("host", ["mixamorig:LeftHand", "mixamorig:Hips.001"], ids=["under-a-hand", "under-the-hips"])
def test_exact_name_decoy_in_a_blender_rig_gets_no_keys(host, empty_scene):  # noqa: F811  (the fixture)
    """The real hips renamed 'mixamorig:Hips.001' in Blender, a new bone named 'mixamorig:Hips' parented inside the
    rig: retargeting keys the real hips (the bone above both legs and the spine), not the decoy."""
    import bpy

    from hkmr_blender.retarget.apply import retarget
    from hkmr_blender.rig.keys import action_fcurves

    motion, target = _mixamo_in_edit_mode(empty_scene)
    eb = target.data.edit_bones
    eb["mixamorig:Hips"].name = "mixamorig:Hips.001"
    decoy = eb.new("mixamorig:Hips")
    decoy.head, decoy.tail = eb[host].head, eb[host].head + decoy.head.__class__((0.0, 0.0, 0.1))
    decoy.parent = eb[host]
    bpy.ops.object.mode_set(mode="OBJECT")
    assert target.data.bones["mixamorig:Hips"].parent.name == host
    result = retarget(empty_scene, motion, target)
    keyed = {fc.group.name for fc in action_fcurves(target)}
    assert "mixamorig:Hips.001" in keyed and "mixamorig:Hips" not in keyed
    pelvis = next(e for e in result.mapping.entries if e.joint == "pelvis")
    assert pelvis.bone == "mixamorig:Hips.001" and "2nd candidate 'mixamorig:Hips'" in pelvis.how
