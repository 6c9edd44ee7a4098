"""HKMR mocap — Blender extension: import SMPL motion, keyframe, bake, batch export.

Two rooms: :mod:`.base` is the numpy-only base that ``core`` and ``training`` import too (motion
files, SMPL files, skeleton, atomic writes); every other module is add-on code. Imports of bpy happen
inside :func:`register` (and in the bpy-layer modules it loads), so importing this package or its
bpy-free helpers (``rig_math``, ``pipeline``, ``body``, ``bone_match``) works without Blender.
"""

_registered: list = []


def register() -> None:
    import bpy

    from . import operators, operators_clips
    from .ui import panel as panels, preferences, properties
    from .video import operators as operators_video
    from .retarget import operators as rt_operators, panel as rt_panel, props as rt_props

    classes = (preferences.HKMRPreferences, properties.HKMRSettings,
               *operators.CLASSES, *operators_video.CLASSES, *panels.CLASSES, *operators_clips.CLASSES,
               *rt_props.CLASSES, *rt_operators.CLASSES, *rt_panel.CLASSES)
    for cls in classes:
        bpy.utils.register_class(cls)
        _registered.append(cls)
    bpy.types.Scene.hkmr = bpy.props.PointerProperty(type=properties.HKMRSettings)
    bpy.types.Scene.hkmr_retarget = bpy.props.PointerProperty(type=rt_props.HKMRRetargetSettings)
    bpy.types.TOPBAR_MT_file_import.append(operators.menu_import)


def unregister() -> None:
    import bpy

    from . import operators

    bpy.types.TOPBAR_MT_file_import.remove(operators.menu_import)
    del bpy.types.Scene.hkmr
    del bpy.types.Scene.hkmr_retarget
    while _registered:
        bpy.utils.unregister_class(_registered.pop())
