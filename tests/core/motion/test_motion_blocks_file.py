"""The motion file written block by block (hkmr_blender.base: write_motion_blocks, Columns, StreamedArray) is
byte for byte the file written whole, in every format its name selects; blocks out of order are refused, and a
killed writer's hidden folder is removed by the next write."""
from __future__ import annotations

import os
import time
import zipfile

import numpy as np
import pytest

from hkmr_blender.base import read_motion, write_motion
from hkmr_blender.base.columns import Columns
from hkmr_blender.base.formats import write_motion_blocks
from hkmr_blender.base.motion import Motion, MotionFileError, RestMesh, ViewCamera


def _motion(n: int = 700) -> Motion:
    rng = np.random.default_rng(1)
    angle = rng.normal(size=n) * 0.1
    c, s = np.cos(angle), np.sin(angle)
    R = np.zeros((n, 3, 3))
    R[:, 0, 0], R[:, 0, 2], R[:, 1, 1], R[:, 2, 0], R[:, 2, 2] = c, s, 1, -s, c
    mesh = RestMesh(rng.normal(size=(30, 3)), np.array([[0, 1, 2], [2, 3, 4]]), np.full((30, 24), 1 / 24))
    return Motion(poses=rng.normal(size=(n, 72)) * 0.3, trans=rng.normal(size=(n, 3)), betas=rng.normal(size=10),
                  fps=30.0, frame_index=np.arange(n) * 2, confidence=rng.random(n).astype(np.float32),
                  valid=rng.random(n) > 0.2, contacts=rng.random((n, 2)) > 0.5,
                  timestamps=np.cumsum(rng.random(n) + 0.01), rest_joints=rng.normal(size=(24, 3)), mesh=mesh,
                  view=ViewCamera(np.array([[500.0, 0, 320], [0, 500, 240], [0, 0, 1]]), np.array([640, 480]), R,
                                  rng.normal(size=(n, 3))))


def _blocks(m: Motion, size: int):
    return (m.select(np.arange(a, min(a + size, m.num_frames))) for a in range(0, m.num_frames, size))


@pytest.mark.parametrize("size", [1, 299, 700, 5000])
def test_blocks_give_the_whole_files_bytes(tmp_path, size):
    m = _motion()
    write_motion(tmp_path / "whole.npz", m)
    assert write_motion_blocks(tmp_path / "blocks.npz", _blocks(m, size)) == m.num_frames
    with zipfile.ZipFile(tmp_path / "whole.npz") as za, zipfile.ZipFile(tmp_path / "blocks.npz") as zb:
        assert za.namelist() == zb.namelist()
        assert all(za.read(k) == zb.read(k) for k in za.namelist())
    assert sorted(os.listdir(tmp_path)) == ["blocks.npz", "whole.npz"]  # no scratch folder left


@pytest.mark.parametrize("name", ["m.amass.npz", "m.smpl"])
def test_other_formats_are_joined_and_written_whole(tmp_path, name):
    m = _motion(100)
    write_motion_blocks(tmp_path / name, _blocks(m, 33))
    write_motion(tmp_path / ("whole_" + name), m)
    a, b = read_motion(tmp_path / name), read_motion(tmp_path / ("whole_" + name))
    np.testing.assert_array_equal(a.poses, b.poses)
    np.testing.assert_array_equal(a.trans, b.trans)


def test_blocks_out_of_order_are_refused_and_nothing_is_written(tmp_path):
    m = _motion(100)
    parts = list(_blocks(m, 40))
    with pytest.raises(MotionFileError, match="frame_index must be strictly increasing"):
        write_motion_blocks(tmp_path / "m.npz", [parts[1], parts[0]])
    with pytest.raises(MotionFileError, match="zero frames"):
        write_motion_blocks(tmp_path / "m.npz", [])
    assert os.listdir(tmp_path) == []


def test_a_killed_writers_folder_is_removed_by_the_next_write(tmp_path):
    """A writer killed mid-way (SIGKILL) leaves its hidden per-frame folder ``.m.npz.XXXXXXXX``; the next write of
    ``m.npz`` removes it (it is older than the writing process), and leaves other hidden files alone."""
    stale = tmp_path / ".m.npz.abcd1234"
    Columns(stale / "rows").append({"poses": np.zeros((5, 72))})
    old = time.time() - 3600
    os.utime(stale, (old, old))
    (tmp_path / ".m.npz.hkmr-work").mkdir()  # a resumable run's work folder: not a temporary
    write_motion_blocks(tmp_path / "m.npz", _blocks(_motion(50), 20))
    assert sorted(os.listdir(tmp_path)) == [".m.npz.hkmr-work", "m.npz"]


def test_columns_read_back_any_range(tmp_path):
    cols = Columns(tmp_path / "c")
    x = np.arange(70 * 6, dtype=np.float32).reshape(70, 2, 3)
    for a in range(0, 70, 16):
        cols.append({"x": x[a:a + 16], "k": x[a:a + 16, 0, 0] > 100})
    assert cols.frames == 70
    np.testing.assert_array_equal(cols.read("x", 5, 50), x[5:50])
    np.testing.assert_array_equal(cols.read("x", 60, 99), x[60:])
    np.testing.assert_array_equal(cols.load(0, 70)["k"], x[:, 0, 0] > 100)
    with pytest.raises(ValueError, match="do not match"):
        cols.append({"x": x[:3].astype(np.float64), "k": x[:3, 0, 0] > 0})


def test_columns_rows_rewritten_in_place(tmp_path):
    """:meth:`Columns.write` (a long video's wrists refined in the fit's rows, core.pipeline.hand_blocks): the rows
    given change, in the column's dtype; every other row and column stays; rows past the end are refused."""
    cols = Columns(tmp_path / "c")
    x = np.arange(40 * 6, dtype=np.float32).reshape(40, 2, 3)
    cols.append({"x": x, "k": np.ones(40, bool)})
    cols.write("x", 10, -x[10:15].astype(np.float64))
    want = x.copy()
    want[10:15] *= -1
    np.testing.assert_array_equal(cols.read("x", 0, 40), want)
    assert cols.read("x", 0, 40).dtype == np.float32 and cols.read("k", 0, 40).all() and cols.frames == 40
    with pytest.raises(ValueError, match="do not fit"):
        cols.write("x", 38, x[:3])
    with pytest.raises(ValueError, match="do not fit"):
        cols.write("x", 0, x[:3, :1])
