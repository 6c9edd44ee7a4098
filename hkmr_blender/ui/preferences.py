"""Add-on preferences: the SMPL model file (licensed; the open default body is used without it) and
the Python interpreter that has HKMR + torch, for "Motion from Video" (Blender's own Python has no torch)."""
from __future__ import annotations

import bpy
from bpy.props import StringProperty

__all__ = ["ADDON_ID", "HKMRPreferences", "model_path", "preference_path"]

# The add-on's module name: "hkmr_blender" from a checkout, "bl_ext.<repo>.hkmr_mocap" as an extension.
ADDON_ID = __package__.rpartition(".")[0]


class HKMRPreferences(bpy.types.AddonPreferences):
    bl_idname = ADDON_ID

    smpl_model_path: StringProperty(
        name="SMPL model file", subtype="FILE_PATH", default="",
        description="SMPL_NEUTRAL.pkl (official, read without chumpy) or an SMPL-format .npz. Empty: the "
                    "open default body shipped with the add-on")

    python_path: StringProperty(
        name="Python", subtype="FILE_PATH", default="",
        description="Interpreter with HKMR and torch installed (e.g. <hkmr checkout>/.venv/bin/python), "
                    "used by Motion from Video")
    hkmr_source_dir: StringProperty(
        name="HKMR source", subtype="DIR_PATH", default="",
        description="Optional: an HKMR checkout that is not installed into that interpreter")

    def draw(self, _context):
        self.layout.prop(self, "smpl_model_path")
        self.layout.label(text="SMPL files are licensed: https://smpl.is.tue.mpg.de")
        box = self.layout.box()
        box.label(text="Motion from Video", icon="FILE_MOVIE")
        box.prop(self, "python_path")
        box.prop(self, "hkmr_source_dir")


def preference_path(context, name: str) -> str:
    """The preference ``name`` as an absolute path ("" when unset or the add-on is not registered)."""
    addon = context.preferences.addons.get(ADDON_ID)
    value = getattr(addon.preferences, name, "") if addon and addon.preferences else ""
    return bpy.path.abspath(value) if value else ""


def model_path(context) -> str:
    """The SMPL model path from the preferences ("" when unset or the add-on is not registered)."""
    return preference_path(context, "smpl_model_path")
