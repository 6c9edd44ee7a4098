"""The ui room: what the rooms share on screen. bpy-free :mod:`.fields` (the ``ui(...)`` field metadata that
turns a settings dataclass into Blender properties and panel rows), :mod:`.sidebar` (the sidebar's space and
tab, the sub-panel mixin); bpy layer :mod:`.properties` (``scene.hkmr``), :mod:`.preferences` (SMPL file, Motion
from Video interpreter), :mod:`.actions` (the operator mixin that edits the active armature's action). The
main panel, which draws every room's operators, is :mod:`..panel`."""
