"""The ui room: what the rooms share on screen. bpy-free :mod:`.fields` (the ``ui(...)`` field metadata that
turns a settings dataclass into Blender properties and panel rows); bpy layer :mod:`.properties` (``scene.hkmr``),
:mod:`.panel` (the HKMR sidebar panel), :mod:`.preferences` (SMPL file, Motion from Video interpreter)."""
