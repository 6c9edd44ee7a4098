"""Input path checks, shared by every reader (stdlib only): a file the run reads must be a regular file.

A named pipe (FIFO) would block the reader until another program writes to it — forever in Blender's UI — and a
device (``/dev/zero``, ``/dev/urandom``) never ends; a folder is not "not found". :func:`file_problem` says which,
so each reader's error names the file, the real cause and the fix.
"""
from __future__ import annotations

import os
import stat

__all__ = ["file_problem"]


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
    return f"is {kind}, not a regular file (it would never end or block the reader)"
