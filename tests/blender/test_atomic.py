"""The one atomic-write helper: all or nothing, no temporaries left, ordinary permissions."""
from __future__ import annotations

import os

import pytest

from hkmr_blender.base.atomic import atomic_path, atomic_write


def test_atomic_write_replaces_whole_file(tmp_path):
    path = tmp_path / "sub" / "out.bin"
    atomic_write(path, lambda fh: fh.write(b"first"))
    atomic_write(path, lambda fh: fh.write(b"second"))
    assert path.read_bytes() == b"second" and os.listdir(path.parent) == ["out.bin"]
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask


def test_failure_keeps_old_file_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "out.bin"
    path.write_bytes(b"old")

    def half_then_crash(fh):
        fh.write(b"half")
        raise OSError("disk full")
    with pytest.raises(OSError, match="disk full"):
        atomic_write(path, half_then_crash)
    assert path.read_bytes() == b"old" and os.listdir(tmp_path) == ["out.bin"]


def test_atomic_path_keeps_the_suffix_for_format_sniffing_writers(tmp_path):
    with atomic_path(tmp_path / "clip.fbx") as tmp:
        assert tmp.suffix == ".fbx" and tmp.parent == tmp_path and tmp != tmp_path / "clip.fbx"
        tmp.write_bytes(b"data")
    assert (tmp_path / "clip.fbx").read_bytes() == b"data"
