"""The feet room: planted feet. bpy-free :mod:`.pin` (contact detection, two-bone leg IK, pinning on a
PoseTrack), :mod:`.settings` (what the user sets); bpy layer :mod:`.apply` (pin an action's feet),
:mod:`.operators` (Pin Feet)."""
