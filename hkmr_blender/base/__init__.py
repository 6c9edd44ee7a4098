"""The numpy-only base that ``core``, ``training`` and the Blender add-on all stand on.

Nothing here imports bpy, torch or scipy (a test checks it), so the add-on zip is self-contained and the
same code serves the command line and Blender:

- :mod:`.skeleton` — SMPL joint names, parents, counts, genders (one source per constant)
- :mod:`.atomic` — atomic file writes, including the ``.npz`` writer
- :mod:`.motion` — the motion contract (:class:`Motion`, validation, the safe npz loader)
- :mod:`.formats` — every motion file format behind one table (:mod:`.motion_v1`, :mod:`.amass`,
  :mod:`.smpl_codec`)
- :mod:`.smpl_file` — SMPL model files without chumpy, scipy or arbitrary pickles
- :mod:`.hands` — the open body's SMPL-H hands file (finger joints regressor, finger skin weights)
"""
from .formats import read_motion, write_motion
from .motion import OPTIONAL_FIELDS, FORMAT_NAME, FORMAT_VERSION, Motion, MotionFileError, RestMesh, validate_motion

__all__ = ["Motion", "RestMesh", "MotionFileError", "FORMAT_NAME", "FORMAT_VERSION", "OPTIONAL_FIELDS", "read_motion",
           "write_motion", "validate_motion"]
