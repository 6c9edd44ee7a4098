"""Retarget settings (bpy layer): in the scene (``scene.hkmr_retarget``) source, target and options; on each target
armature its editable bone mapping (``armature.data.hkmr_map``, a collection shown as a UIList: two characters in a
scene keep their own), with conversion to/from :class:`.mapping.BoneMapping`."""
from __future__ import annotations

import json

import bpy
from bpy.props import (BoolProperty, CollectionProperty, EnumProperty, FloatProperty, IntProperty, PointerProperty,
                       StringProperty)

from ..base.skeleton import BODY_HAND_NAMES, NUM_JOINTS
from ..ui.properties import is_armature
from .apply import linked_target, not_an_armature
from .mapping import BoneMapping, MapEntry, shipped_presets
from .solve import RetargetOptions

__all__ = ["HKMRBoneMapItem", "HKMRBoneMap", "HKMRRetargetSettings", "target_map", "linked_map",
           "mapping_from_settings", "mapping_to_settings", "options_from_settings", "adopt_scene_mapping", "wrong_pick",
           "CLASSES"]

_JOINT_ITEMS = [(n, n, f"SMPL joint {i}" if i < NUM_JOINTS else f"SMPL-H finger joint {i - NUM_JOINTS + 22}")
                for i, n in enumerate(BODY_HAND_NAMES)]


def wrong_pick(settings) -> str:
    """Why the Source or Target set in ``settings`` cannot be used ('' when both are armatures or empty): the
    pickers list armatures only, but a script (or a file from elsewhere) can set any object; a Target linked from
    another file would lose its clip on save (:func:`.apply.linked_target`)."""
    for field in ("source", "target"):
        obj = getattr(settings, field)
        if obj is not None and obj.type != "ARMATURE":
            return not_an_armature(field, obj)
    return linked_target(settings.target)


def _preset_items(_self, _context):
    return [(name, name.title(), p.description) for name, p in shipped_presets().items()]


class HKMRBoneMapItem(bpy.types.PropertyGroup):
    bone: StringProperty(name="Bone", description="Target bone that receives the SMPL joint's rotation")
    joint: EnumProperty(name="SMPL joint", items=_JOINT_ITEMS, description="SMPL joint driving the bone")
    confidence: FloatProperty(name="Confidence", min=0.0, max=1.0, default=1.0,
                              description="How sure the automatic mapping is (1: preset; < 0.75: check it)")
    how: StringProperty(name="Found by")


class HKMRBoneMap(bpy.types.PropertyGroup):
    """One armature's bone mapping (``armature.data.hkmr_map``): the rows, the rig family and the custom properties
    set on the rig before keying."""

    items: CollectionProperty(type=HKMRBoneMapItem)
    active_index: IntProperty()
    family: StringProperty(name="Family", default="")
    rig_properties: StringProperty(name="Rig properties", default="{}",
                                   description="JSON: custom properties set on the target before keying "
                                               "(Rigify: limbs to FK)")


class HKMRRetargetSettings(bpy.types.PropertyGroup):
    source: PointerProperty(name="Source", type=bpy.types.Object, poll=is_armature,
                            description="The SMPL armature whose motion is retargeted (its evaluated pose is "
                                        "sampled over the scene's frame range)")
    target: PointerProperty(name="Target", type=bpy.types.Object, poll=is_armature,
                            description="The character's armature (Mixamo, Rigify, Unreal, Unity or any rig)")
    preset: EnumProperty(name="Preset", items=_preset_items, description="A shipped bone-mapping preset")
    align_rest: BoolProperty(name="Match rest pose", default=True,
                             description="Turn each target bone's rest direction onto SMPL's, so A-posed rigs "
                                         "move like the T-posed source")
    align_body: BoolProperty(name="Body frame", default=True,
                             description="Play the motion in the character's own frame (Y-up FBX armatures, "
                                         "characters facing another axis)")
    translation: BoolProperty(name="Hip translation", default=True,
                              description="Key the hip bone's location (off: rotations only)")
    scale_translation: BoolProperty(name="Scale by leg length", default=True,
                                    description="Scale horizontal hip travel by target/source leg length (off: "
                                                "keep world units); height always follows leg length")
    keep_contacts: BoolProperty(name="Keep planted feet", default=True,
                                description="Hold the character's feet still where the source's feet are planted "
                                            "(leg IK on the character's bones; the sole flat on its floor)")
    action_name: StringProperty(name="Action", default="",
                                description="Name of the new action (empty: '<target>_<clip>', e.g. 'Armature_walk'; "
                                            "the export's file name)")


def target_map(settings):
    """The Target's own bone mapping (``target.data.hkmr_map``), or None while no armature is the Target."""
    t = settings.target
    return t.data.hkmr_map if t is not None and t.type == "ARMATURE" else None


def linked_map(bone_map) -> str:
    """Why the mapping ``bone_map`` (an armature's ``hkmr_map``) is not saved with the open file ('' when it is): the
    armature is linked from another .blend (a library override's armature too), and a file keeps only the link to it.
    """
    arm = bone_map.id_data
    if arm.library is None:
        return ""
    lib = arm.library.name
    return (f"The bones of '{arm.name}' are linked from {lib}: a mapping made here is not saved; to keep one, map the "
            f"rig in {lib} and save it")


def mapping_to_settings(bone_map, mapping: BoneMapping) -> None:
    """Show ``mapping`` in the UI list of ``bone_map`` (an armature's ``hkmr_map``; replaces the rows)."""
    bone_map.items.clear()
    for e in mapping.entries:
        item = bone_map.items.add()
        item.bone, item.joint, item.confidence, item.how = e.bone, e.joint, e.confidence, e.how
    bone_map.family = mapping.family
    bone_map.rig_properties = json.dumps(mapping.properties)
    bone_map.active_index = 0


def mapping_from_settings(bone_map) -> BoneMapping:
    """The UI rows of ``bone_map`` as a :class:`BoneMapping` (rows without a bone are ignored)."""
    entries = [MapEntry(i.bone, i.joint, i.confidence, i.how) for i in bone_map.items if i.bone]
    try:
        props = json.loads(bone_map.rig_properties or "{}")
    except json.JSONDecodeError:
        props = {}
    return BoneMapping(entries, bone_map.family or "manual", props)


def adopt_scene_mapping(scene) -> str:
    """Files saved before the mapping moved to each armature keep it in ``scene.hkmr_retarget``: hand it to that
    scene's Target (an armature without a mapping of its own) and drop it from the scene. Returns what was done ('' when
    the scene had none), for the console."""
    rt = scene.hkmr_retarget
    old = {k: rt.pop(k, None) for k in ("items", "active_index", "family", "rig_properties")}
    if not old["items"]:
        return ""
    joint = dict(enumerate(BODY_HAND_NAMES))                  # an EnumProperty is stored as its item's index
    entries = [MapEntry(r.get("bone", ""), joint.get(r.get("joint", 0), BODY_HAND_NAMES[0]), r.get("confidence", 1.0),
                        r.get("how", "")) for r in old["items"]]
    try:
        props = json.loads(old["rig_properties"] or "{}")
    except (TypeError, json.JSONDecodeError):
        props = {}
    t = rt.target
    why = ("the scene has no Target armature to take it" if t is None or t.type != "ARMATURE" else
           f"the Target '{t.name}' is linked from {t.data.library.name} (map it there)" if t.data.library else
           f"the Target '{t.name}' has a mapping of its own" if t.data.hkmr_map.items else "")
    if why:
        return f"HKMR: scene '{scene.name}': the retarget mapping ({len(entries)} rows) was dropped: {why}"
    mapping_to_settings(t.data.hkmr_map, BoneMapping(entries, old["family"] or "manual", props))
    return f"HKMR: scene '{scene.name}': the retarget mapping ({len(entries)} rows) now belongs to '{t.name}'"


def options_from_settings(settings) -> RetargetOptions:
    return RetargetOptions(align_rest=settings.align_rest, align_body=settings.align_body,
                           scale_translation=settings.scale_translation, translation=settings.translation,
                           keep_contacts=settings.keep_contacts)


CLASSES = (HKMRBoneMapItem, HKMRBoneMap, HKMRRetargetSettings)
