"""The motion file's filming camera (``view_*``, version 3): round trip, older versions, bad input, up axis."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from hkmr_blender.base import MotionFileError, ViewCamera, read_motion, write_motion
from hkmr_blender.base.motion import OPTIONAL_FIELDS, FORMAT_VERSION
from hkmr_blender.base.rotations import convert_up_axis
from tests.core.motion.test_motion_file import make_motion


def _view(frames: int, seed: int = 0) -> ViewCamera:
    rng = np.random.default_rng(seed)
    q = rng.normal(size=(frames, 3)) * 0.2
    import cv2
    R = np.stack([cv2.Rodrigues(v)[0] for v in q])
    return ViewCamera(np.array([[900.0, 0, 640], [0, 900, 360], [0, 0, 1]]), np.array([1280, 720]), R,
                      rng.normal(size=(frames, 3)))


def test_view_round_trip_and_select(tmp_path):
    m = replace(make_motion(), view=_view(12))
    write_motion(tmp_path / "m.npz", m)
    r = read_motion(tmp_path / "m.npz")
    for k in ("K", "size", "R", "t"):
        np.testing.assert_array_equal(getattr(r.view, k), getattr(m.view, k), err_msg=k)
    np.testing.assert_array_equal(r.select(np.arange(2, 5)).view.R, m.view.R[2:5])
    with np.load(tmp_path / "m.npz") as data:
        assert int(data["format_version"]) == FORMAT_VERSION >= OPTIONAL_FIELDS["view"]
    write_motion(tmp_path / "none.npz", make_motion())
    assert read_motion(tmp_path / "none.npz").view is None


def test_older_version_with_view_keys_and_newer_are_refused(tmp_path):
    m = replace(make_motion(mesh=False), view=_view(12))
    write_motion(tmp_path / "m.npz", m)
    with np.load(tmp_path / "m.npz") as data:
        arrays = dict(data)
    arrays["format_version"] = np.array(OPTIONAL_FIELDS["view"] - 1)
    np.savez(tmp_path / "old.npz", **arrays)
    with pytest.raises(MotionFileError, match="'view_K' is defined from motion format version 5, but the file says "
                       "version 4"):
        read_motion(tmp_path / "old.npz")
    arrays["format_version"] = np.array(FORMAT_VERSION + 1)
    np.savez(tmp_path / "new.npz", **arrays)
    with pytest.raises(MotionFileError, match="newer"):
        read_motion(tmp_path / "new.npz")


@pytest.mark.parametrize("bad, match", [
    (dict(R=np.ones((12, 3, 3))), "rotations"),
    (dict(R=np.eye(3)[None].repeat(11, 0)), "view_R"),
    (dict(size=np.array([1280.0, 720.0])), "view_size"),
    (dict(K=np.eye(3) * -1), "view_K"),
    (dict(t=np.full((12, 3), np.nan)), "NaN"),
])
def test_bad_view_is_refused_and_nothing_written(tmp_path, bad, match):
    m = replace(make_motion(), view=replace(_view(12), **bad))
    with pytest.raises(MotionFileError, match=match):
        write_motion(tmp_path / "bad.npz", m)
    assert not (tmp_path / "bad.npz").exists()


def test_incomplete_view_group_is_refused(tmp_path):
    write_motion(tmp_path / "m.npz", replace(make_motion(), view=_view(12)))
    with np.load(tmp_path / "m.npz") as data:
        arrays = {k: v for k, v in data.items() if k != "view_t"}
    np.savez(tmp_path / "cut.npz", **arrays)
    with pytest.raises(MotionFileError, match="view_t"):
        read_motion(tmp_path / "cut.npz")


def test_up_axis_change_keeps_camera_points_where_they_were():
    m = replace(make_motion(), view=_view(12))
    z = convert_up_axis(m, "z")
    p = np.random.default_rng(1).normal(size=(12, 3))
    from hkmr_blender.base.rotations import C_Y_TO_Z
    before = np.einsum("fij,fj->fi", m.view.R, p) + m.view.t
    after = np.einsum("fij,fj->fi", z.view.R, p @ C_Y_TO_Z.T) + z.view.t
    np.testing.assert_allclose(after, before, atol=1e-9)
