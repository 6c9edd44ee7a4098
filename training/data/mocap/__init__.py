"""Real motion capture as training data: BVH clips → the open body (joint fit) → npz clips + manifest.

:mod:`.bvh` parses BVH and runs forward kinematics; :mod:`.retarget` fits the open body to a clip's joint
positions and checks bone directions; :mod:`.build` turns fetched repository snapshots into a data set with
one command (``python -m training.data.mocap build``); :mod:`.clips` reads the result back.
CMU subjects 01, 55 and 131 are reserved for evaluation and refused everywhere here (:data:`RESERVED_SUBJECTS`).
"""
from __future__ import annotations

#: CMU subjects kept for evaluation: never train, tune or calibrate on them (docs/training-data.md).
RESERVED_SUBJECTS = frozenset({1, 55, 131})

__all__ = ["RESERVED_SUBJECTS"]
