"""Scene settings of the add-on (``scene.hkmr``), shared by the operators and the sidebar panel, and each
armature's rig bone fields (``armature.data.hkmr_bones``, :class:`HKMRRigBones`).

The import, feet, root-motion and clip settings are derived from each room's settings dataclass (field
metadata, see :mod:`.fields`); the bake and export settings below belong to those operators only.
"""
from __future__ import annotations

import bpy
from bpy.props import BoolProperty, EnumProperty, FloatProperty, IntProperty, PointerProperty, StringProperty

from ..export.files import FORMATS, PRESETS
from ..importing.settings import ClipSettings
from ..feet.settings import FootSettings, RigBones
from ..importing.settings import ImportSettings
from ..root.settings import RootSettings
from .fields import from_props, ui_fields

__all__ = ["HKMRSettings", "HKMRRigBones", "CLIP_SETTINGS", "import_settings", "bpy_properties", "draw_settings",
           "BLEND_RELATIVE", "is_armature"]


def _blend_relative() -> set[str]:
    """``options`` of a path property whose value may start with '//' (beside the .blend; bpy.path.abspath resolves
    it): Blender 4.5+ warns "does not support blend relative '//' prefix" on such a path without this option (and
    keeps it out of File › External Data's relative/absolute passes); older Blenders refuse the option when the class
    registers (4.2: "enum identifier set: 'PATH_SUPPORTS_BLEND_RELATIVE' not found"): known where RNA has the flag."""
    if "is_path_supports_blend_relative" in bpy.types.Property.bl_rna.properties:
        return {"PATH_SUPPORTS_BLEND_RELATIVE"}
    return set()


BLEND_RELATIVE = _blend_relative()


def is_armature(_self, obj) -> bool:
    """The poll of an object picker that lists armatures only (Bake onto; the retarget's Source and Target)."""
    return obj.type == "ARMATURE"


def _bpy_property(f):
    """The Blender property for one user-facing dataclass field (see :func:`.settings.ui`)."""
    u = f.metadata["ui"]
    kw = {"name": u.name, "description": u.description, "default": f.default}
    if u.items:
        return EnumProperty(items=list(u.items), **kw)
    bounds = {k: v for k, v in (("min", u.min), ("max", u.max)) if v is not None}
    kind = {bool: BoolProperty, int: IntProperty, float: FloatProperty, str: StringProperty}[type(f.default)]
    return kind(**kw, **bounds)


def bpy_properties(cls) -> dict:
    """PropertyGroup annotations for every user-facing field of the settings dataclass ``cls``."""
    return {f.name: _bpy_property(f) for f in ui_fields(cls)}


def draw_settings(layout, props, cls) -> None:
    """Draw ``cls``'s user-facing fields from ``props`` (greyed out where ``enabled_if`` does not hold)."""
    col = layout.column()
    for f in ui_fields(cls):
        cond = f.metadata["ui"].enabled_if
        row = col.row()
        row.enabled = cond is None or getattr(props, cond[0]) == cond[1]
        row.prop(props, f.name)


CLIP_SETTINGS = (FootSettings, RootSettings, ClipSettings)   # applied to each import (``ImportSettings`` fields)

HKMRSettings = type("HKMRSettings", (bpy.types.PropertyGroup,), {"__annotations__": {
    **bpy_properties(ImportSettings),
    **{k: v for cls in CLIP_SETTINGS for k, v in bpy_properties(cls).items()},
    "bake_target": PointerProperty(name="Bake onto", type=bpy.types.Object, poll=is_armature,
                                   description="Another SMPL armature to receive the baked motion (empty: the "
                                               "active armature itself)"),
    "bake_smooth": FloatProperty(name="Smoothing", default=0.0, min=0.0, max=10.0,
                                 description="Gaussian smoothing sigma in frames (0: none)"),
    "export_dir": StringProperty(name="Output folder", subtype="DIR_PATH", default="//export/", options=BLEND_RELATIVE),
    "export_preset": EnumProperty(name="Preset", items=[(p, p.title(), f"{p} FBX settings") for p in PRESETS],
                                  default="generic"),
    "export_format": EnumProperty(name="Format", items=[(f, f.upper(), "") for f in FORMATS], default="fbx"),
    "export_root_motion": BoolProperty(name="Root motion", default=False,
                                       description="Unreal/Unity presets, Export Actions: move the hips' travel "
                                                   "(and heading) onto the root bone in the file (the rig in the "
                                                   "scene is left as it is)"),
}})


#: The rig bone fields (:class:`RigBones`) of one armature, ``armature.data.hkmr_bones``: kept with the bones they
#: name, so two characters in a scene keep their own (Retarget Motion fills its target's).
HKMRRigBones = type("HKMRRigBones", (bpy.types.PropertyGroup,), {"__annotations__": bpy_properties(RigBones)})


def import_settings(context) -> ImportSettings:
    """Scene settings + the add-on preferences' model path as a plain :class:`ImportSettings`."""
    from .preferences import model_path

    s = context.scene.hkmr
    return from_props(ImportSettings, s, model_path=model_path(context), feet=from_props(FootSettings, s),
                      root=from_props(RootSettings, s), clip=from_props(ClipSettings, s))
