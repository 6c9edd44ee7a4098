"""The root-motion room: bpy-free :mod:`.plan` (world / in place / root bone, ground alignment, rest frame on
a PoseTrack), :mod:`.settings`; bpy layer :mod:`.apply` (on an action), :mod:`.operators` (Apply Root Motion)."""
