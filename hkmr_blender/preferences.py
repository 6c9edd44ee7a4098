"""Add-on preferences: the SMPL model file (licensed; the open default body is used without it)."""
from __future__ import annotations

import bpy
from bpy.props import StringProperty

__all__ = ["HKMRPreferences", "model_path"]

_ADDON = __package__  # "hkmr_blender" from a checkout, "bl_ext.<repo>.hkmr_mocap" as an extension


class HKMRPreferences(bpy.types.AddonPreferences):
    bl_idname = _ADDON

    smpl_model_path: StringProperty(
        name="SMPL model file", subtype="FILE_PATH", default="",
        description="SMPL_NEUTRAL.pkl (official, read without chumpy) or an SMPL-format .npz. Empty: the "
                    "open default body shipped with the add-on")

    def draw(self, _context):
        self.layout.prop(self, "smpl_model_path")
        self.layout.label(text="SMPL files are licensed: https://smpl.is.tue.mpg.de")


def model_path(context) -> str:
    """The model path from the preferences ("" when unset or the add-on is not registered)."""
    addon = context.preferences.addons.get(_ADDON)
    return bpy.path.abspath(addon.preferences.smpl_model_path) if addon and addon.preferences else ""
