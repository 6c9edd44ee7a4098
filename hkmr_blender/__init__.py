"""HKMR mocap — Blender extension: import SMPL motion, keyframe, bake, batch export.

Imports of bpy happen inside :func:`register` (and in the bpy-layer modules it loads) so the bpy-free
modules of this package (``motion_io``, ``smpl_file``, ``rig_math``, ``pipeline``, ``body``,
``bone_match``) can be imported by core and by plain pytest.
"""

_registered: list = []


def register() -> None:
    import bpy

    from . import operators, operators_video, panels, preferences, properties

    classes = (preferences.HKMRPreferences, properties.HKMRSettings, *operators.CLASSES,
               *operators_video.CLASSES, *panels.CLASSES)
    for cls in classes:
        bpy.utils.register_class(cls)
        _registered.append(cls)
    bpy.types.Scene.hkmr = bpy.props.PointerProperty(type=properties.HKMRSettings)
    bpy.types.TOPBAR_MT_file_import.append(operators.menu_import)


def unregister() -> None:
    import bpy

    from . import operators

    bpy.types.TOPBAR_MT_file_import.remove(operators.menu_import)
    del bpy.types.Scene.hkmr
    while _registered:
        bpy.utils.unregister_class(_registered.pop())
