"""Add-on preferences: the SMPL model file (licensed; the open default body is used without it), video support
(Set up / Verify / Remove the runtime of Motion from Video, :mod:`..runtime`) and, as advanced options, a local
wheel folder for the set-up and an external Python interpreter (e.g. a CUDA torch environment) for Motion from Video."""
from __future__ import annotations

import bpy
from bpy.props import BoolProperty, StringProperty

__all__ = ["ADDON_ID", "HKMRPreferences", "model_path", "preference_path"]

# The add-on's module name: "hkmr_blender" from a checkout, "bl_ext.<repo>.hkmr_mocap" as an extension.
ADDON_ID = __package__.rpartition(".")[0]


class HKMRPreferences(bpy.types.AddonPreferences):
    bl_idname = ADDON_ID

    smpl_model_path: StringProperty(
        name="SMPL model file", subtype="FILE_PATH", default="",
        description="SMPL_NEUTRAL.pkl (official, read without chumpy) or an SMPL-format .npz. Empty: the "
                    "open default body shipped with the add-on")

    show_advanced: BoolProperty(name="Advanced", default=False)
    runtime_wheel_dir: StringProperty(
        name="Local wheel folder", subtype="DIR_PATH", default="",
        description="Set up video support from this folder of .whl files (pip --no-index --find-links) instead "
                    "of downloading: for offline machines and company networks")
    python_path: StringProperty(
        name="External Python", subtype="FILE_PATH", default="",
        description="Optional: run Motion from Video with this interpreter instead of Blender's own Python and "
                    "the video runtime (one with HKMR and torch installed, e.g. a CUDA environment)")
    hkmr_source_dir: StringProperty(
        name="HKMR source", subtype="DIR_PATH", default="",
        description="Optional, with External Python: an HKMR checkout that is not installed into that interpreter")

    def draw(self, _context):
        from ..runtime.operators import runtime_dir
        from ..runtime.pins import pins_for, python_tag
        from ..runtime.state import runtime_state

        self.layout.prop(self, "smpl_model_path")
        self.layout.label(text="SMPL files are licensed: https://smpl.is.tue.mpg.de")
        box = self.layout.box()
        box.label(text="Video support (Motion from Video)", icon="FILE_MOVIE")
        try:
            state = runtime_state(runtime_dir(), pins_for(python_tag()))
            box.label(text=state.text, icon="CHECKMARK" if state.ready else "INFO")
        except ValueError as exc:  # a Python without a pins row
            box.label(text=str(exc), icon="ERROR")
            state = None
        row = box.row()
        row.operator("hkmr.setup_video_support", icon="IMPORT",
                     text="Repair video support" if state and state.kind != "missing" else "Set up video support")
        sub = row.row()
        sub.enabled = bool(state and state.kind != "missing")
        sub.operator("hkmr.verify_video_support", icon="CHECKMARK")
        sub.operator("hkmr.remove_video_support", icon="TRASH")
        box.prop(self, "show_advanced", icon="TRIA_DOWN" if self.show_advanced else "TRIA_RIGHT", emboss=False)
        if self.show_advanced:
            box.prop(self, "runtime_wheel_dir")
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
