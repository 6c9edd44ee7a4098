"""HKMR mocap — Blender extension: motion files (and video) → armature keys → your rig → engine files.

One room per capability, each with its bpy-free math beside its bpy layer, operators and panel:
:mod:`.importing` (motion file → keys), :mod:`.feet` (planted feet), :mod:`.root` (root motion),
:mod:`.clips` (several files as actions), :mod:`.bake`, :mod:`.retarget` (onto any rig), :mod:`.export`
(FBX/glTF/BVH for engines), :mod:`.video` (Motion from Video), :mod:`.runtime` (Set up video support: its pinned
third-party runtime in the extension's user folder); :mod:`.rig` holds what they share of an
armature and its action, :mod:`.ui` the scene properties, main panel and preferences. :mod:`.base` is the
numpy-only base that ``core`` and ``training`` import too. bpy is imported only by the bpy-layer modules,
so this package and its bpy-free modules import without Blender.
"""

_registered: list = []


def _classes() -> tuple:
    """Every class to register, parents before children (preferences, properties, operators, panels)."""
    from .bake import operators as bake_ops
    from .clips import operators as clip_ops, panel as clip_panel
    from .export import operators as export_ops
    from .feet import operators as feet_ops
    from .importing import operators as import_ops
    from .retarget import operators as rt_operators, panel as rt_panel, props as rt_props
    from .root import operators as root_ops
    from .runtime import operators as runtime_ops
    from . import panel
    from .ui import preferences, properties
    from .video import operators as video_ops

    return (preferences.HKMRPreferences, properties.HKMRSettings, properties.HKMRRigBones,
            *import_ops.CLASSES, *bake_ops.CLASSES, *export_ops.CLASSES, *video_ops.CLASSES, *runtime_ops.CLASSES, *panel.CLASSES,
            *clip_ops.CLASSES, *feet_ops.CLASSES, *root_ops.CLASSES, *clip_panel.CLASSES,
            *rt_props.CLASSES, *rt_operators.CLASSES, *rt_panel.CLASSES)


def _adopt_rig_bones(_file=None) -> None:
    """load_post: a file saved before the rig bone fields and the retarget mapping moved to each armature hands its
    scene's to the armatures they fit (:func:`.ui.actions.adopt_scene_rig_bones`,
    :func:`.retarget.props.adopt_scene_mapping`), said on the console."""
    import bpy

    from .retarget.props import adopt_scene_mapping
    from .ui.actions import adopt_scene_rig_bones

    for scene in bpy.data.scenes:
        for said in (adopt_scene_rig_bones(scene), adopt_scene_mapping(scene)):
            if said:
                print(said)


def register() -> None:
    import bpy

    from .importing.operators import menu_import
    from .retarget.props import HKMRBoneMap, HKMRRetargetSettings
    from .rig.compat import repoint_context_owner
    from .ui.properties import HKMRRigBones, HKMRSettings

    for cls in _classes():
        bpy.utils.register_class(cls)
        _registered.append(cls)
    bpy.types.Scene.hkmr = bpy.props.PointerProperty(type=HKMRSettings)
    bpy.types.Scene.hkmr_retarget = bpy.props.PointerProperty(type=HKMRRetargetSettings)
    bpy.types.Armature.hkmr_bones = bpy.props.PointerProperty(type=HKMRRigBones)
    bpy.types.Armature.hkmr_map = bpy.props.PointerProperty(type=HKMRBoneMap)
    bpy.types.TOPBAR_MT_file_import.append(menu_import)
    bpy.app.handlers.load_post.append(bpy.app.handlers.persistent(_adopt_rig_bones))
    bpy.app.handlers.load_post.append(bpy.app.handlers.persistent(repoint_context_owner))  # Blender 4.2's bug
    if isinstance(bpy.data, bpy.types.BlendData):    # enabled with a file open (an update mid-session): no load_post
        _adopt_rig_bones()                           # comes for it (at start-up bpy.data is restricted; load_post is)


def unregister() -> None:
    import bpy

    from .importing.operators import menu_import
    from .rig.compat import repoint_context_owner

    for handler in (_adopt_rig_bones, repoint_context_owner):
        if handler in bpy.app.handlers.load_post:
            bpy.app.handlers.load_post.remove(handler)
    bpy.types.TOPBAR_MT_file_import.remove(menu_import)
    del bpy.types.Scene.hkmr
    del bpy.types.Scene.hkmr_retarget
    del bpy.types.Armature.hkmr_bones
    del bpy.types.Armature.hkmr_map
    while _registered:
        bpy.utils.unregister_class(_registered.pop())
