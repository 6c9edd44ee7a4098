"""Input path checks, shared by every reader (stdlib only): a file the run reads must be a regular file.

A named pipe (FIFO) would block the reader until another program writes to it — forever in Blender's UI — and a
device (``/dev/zero``, ``/dev/urandom``) never ends; a folder is not "not found". :func:`file_problem` says which,
so each reader's error names the file, the real cause and the fix.
"""
from __future__ import annotations

import os
import stat

__all__ = ["VIDEO_EXTS", "IMAGE_EXTS", "file_problem", "replace_problem"]

#: What ``hkmr infer`` reads as a video (by extension, any case) and as image frames; the add-on's Motion from Video
#: file filter and its input check use the same lists.
VIDEO_EXTS = (".mp4", ".mov", ".avi", ".mkv", ".webm", ".m4v", ".mpg", ".mpeg", ".wmv")
IMAGE_EXTS = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp")


def file_problem(path: str | os.PathLike) -> str | None:
    """Why ``path`` cannot be read as a file ("file not found", "is a folder, not a file", "is a named pipe …"),
    or None for a regular file (links followed)."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return "file not found"
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "is a folder, not a file"
    kind = ("a named pipe (FIFO)" if stat.S_ISFIFO(mode) else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
            else "a socket" if stat.S_ISSOCK(mode) else "not a regular file")
    return f"is {kind}, not a regular file"


def replace_problem(path: str | os.PathLike) -> str | None:
    """Why an output may not replace what stands at ``path`` (a folder, a named pipe, a device: not a file the
    user could mean to overwrite — and replacing ``/dev/null`` as root would destroy it), or None (nothing there, a
    regular file, or a link: the link is replaced, never its target)."""
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        return None
    if stat.S_ISREG(mode) or stat.S_ISLNK(mode):
        return None
    return file_problem(path)
