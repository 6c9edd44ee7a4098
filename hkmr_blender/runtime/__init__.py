"""Video support inside Blender: the pinned third-party runtime of ``hkmr infer`` in the extension's own folder.

bpy-free: :mod:`.pins` (what to install, per Python), :mod:`.pip_output` (pip's output → cause + fix),
:mod:`.plan` (pip commands, download size), :mod:`.job` (the install subprocesses, cancel, marker),
:mod:`.verify` (imports, cv2 version, model checksums), :mod:`.locate` (the extension's core folder and the
``hkmr infer`` environment). bpy layer: :mod:`.operators` (Set up / Verify / Remove), drawn in the preferences.
"""
