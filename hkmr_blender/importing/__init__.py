"""The import room: motion file → armature keys. bpy-free :mod:`.plan` (timing, bad frames, resampling, rest
conjugation → a key plan), :mod:`.body` (rest joints / mesh for the betas), :mod:`.settings`, :mod:`.names` (a clip's name from its file, one free name for all an import creates); bpy layer
:mod:`.importer` (the single entry point ``import_motion_file``; ``import_clips``), :mod:`.finish` (feet, root
motion, NLA on a new action), :mod:`.mesh` (skinned body),
:mod:`.operators` (Import SMPL Motion)."""
