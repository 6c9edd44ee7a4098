"""The bake room: an armature's evaluated motion → clean keys, optionally onto another SMPL armature.
:mod:`.apply` (bake_armature), :mod:`.operators` (Bake SMPL Motion)."""
