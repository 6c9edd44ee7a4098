"""Scene settings of the add-on (``scene.hkmr``), shared by the operators and the sidebar panel."""
from __future__ import annotations

import bpy
from bpy.props import BoolProperty, EnumProperty, FloatProperty, IntProperty, PointerProperty, StringProperty

from .export import FORMATS, PRESETS
from .importer import ImportSettings

__all__ = ["HKMRSettings", "import_settings"]


def _is_armature(_self, obj) -> bool:
    return obj.type == "ARMATURE"


class HKMRSettings(bpy.types.PropertyGroup):
    target: EnumProperty(name="Apply to", items=[
        ("new", "New armature", "Create an SMPL armature (24 bones) from the file's rest joints"),
        ("selected", "Selected armature", "Key the active SMPL armature, whatever its bones' rest orientation")],
        default="new")
    create_mesh: BoolProperty(name="Skinned mesh", default=True,
                              description="Add a skinned body with shape keys for the betas when a mesh "
                                          "source exists (the file's rest mesh, the SMPL model in preferences "
                                          "or the shipped default body)")
    rate: EnumProperty(name="Frame rate", items=[
        ("resample", "Resample to scene", "SLERP the motion onto the scene's frame rate"),
        ("set_scene", "Set scene rate", "Change the scene's frame rate to the motion's; one key per sample")],
        default="resample")
    start_frame: IntProperty(name="Start frame", default=1)
    bad_frames: EnumProperty(name="Bad frames", items=[
        ("interpolate", "Interpolate", "SLERP across invalid / low-confidence frames"),
        ("skip", "Skip", "Leave invalid / low-confidence frames without keys")], default="interpolate")
    min_confidence: FloatProperty(name="Min confidence", default=0.3, min=0.0, max=1.0,
                                  description="Frames below this confidence count as bad")
    bake_target: PointerProperty(name="Bake onto", type=bpy.types.Object, poll=_is_armature,
                                 description="Another SMPL armature to receive the baked motion (empty: the "
                                             "active armature itself)")
    bake_smooth: FloatProperty(name="Smoothing", default=0.0, min=0.0, max=10.0,
                               description="Gaussian smoothing sigma in frames (0: none)")
    export_dir: StringProperty(name="Output folder", subtype="DIR_PATH", default="//export/")
    export_preset: EnumProperty(name="Preset", items=[(p, p.title(), f"{p} FBX settings") for p in PRESETS],
                                default="generic")
    export_format: EnumProperty(name="Format", items=[(f, f.upper(), "") for f in FORMATS], default="fbx")


def import_settings(context) -> ImportSettings:
    """Scene settings + the add-on preferences' model path as a plain :class:`ImportSettings`."""
    s = context.scene.hkmr
    from .preferences import model_path
    return ImportSettings(target=s.target, create_mesh=s.create_mesh, rate=s.rate, start_frame=s.start_frame,
                          bad_frames=s.bad_frames, min_confidence=s.min_confidence, model_path=model_path(context))
