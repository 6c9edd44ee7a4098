"""HKMR mocap — Blender extension: import SMPL motion, keyframe, bake, batch export.

Imports of bpy happen inside :func:`register` so the bpy-free modules of this package
(``motion_io``, ``smpl_file``, ``rig_math``) can be imported by core and by plain pytest.
"""
