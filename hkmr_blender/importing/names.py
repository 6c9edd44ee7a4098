"""Names of an imported clip (bpy-free): the clip's name from its file, and the first name free for all that
an import creates (Blender's own ``.001`` rule, applied once to the armature, its body mesh, camera and action).

``walk.motion.npz`` (Motion from Video's output for ``walk.mp4``), ``walk.npz``, ``walk.amass.npz`` and
``walk.smpl`` are all the clip ``walk``: the file's format ending is not part of what the animator named."""
from __future__ import annotations

import os
from typing import Callable

from ..base.formats import FORMATS, VIDEO_MOTION_SUFFIX

__all__ = ["clip_name", "unused_name"]

#: the endings dropped from a file name, longest first (``walk.motion.npz`` before ``walk.npz``)
_ENDINGS = sorted({VIDEO_MOTION_SUFFIX, *(f.suffix for f in FORMATS)}, key=len, reverse=True)


def clip_name(path: str | os.PathLike) -> str:
    """The clip's name: the file name without its motion-format ending ('walk.motion.npz' → 'walk'); a name that
    is only an ending ('.npz') or another ending keeps what ``os.path.splitext`` leaves."""
    name = os.path.basename(os.fspath(path).rstrip("/\\"))
    for end in _ENDINGS:
        if name.lower().endswith(end) and len(name) > len(end):
            return name[:-len(end)]
    return os.path.splitext(name)[0] or name


def unused_name(base: str, taken: Callable[[str], bool], limit: int = 9999) -> str:
    """``base`` if ``taken(base)`` is false, else the first free ``base.001``, ``base.002``… (Blender's rule)."""
    if not taken(base):
        return base
    for k in range(1, limit + 1):
        name = f"{base}.{k:03d}"
        if not taken(name):
            return name
    return base  # every suffix taken: Blender appends its own
