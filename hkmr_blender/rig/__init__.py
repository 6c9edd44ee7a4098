"""The rig room: what every capability needs of an armature and its action.

bpy-free: :mod:`.transforms` (rest conjugation, up-axis change, quaternion helpers), :mod:`.track` (any
rig's keys as a :class:`~.track.PoseTrack`, pose-bone forward kinematics), :mod:`.bones` (SMPL bone-name
matching). bpy layer: :mod:`.keys` (action/slot/channelbag writer), :mod:`.track_bpy` (read/write a
PoseTrack from/to an action), :mod:`.armature` (the SMPL armature).
"""
