"""Motion file v6's optional ``hand_seen`` (F,2): which frames saw each hand. Round trip and select, AMASS/.smpl
drop it (no slot), a v5 file's stray key is refused, bad flags refused with the field named."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from hkmr_blender.base import OPTIONAL_FIELDS, FORMAT_VERSION, MotionFileError, read_motion, write_motion
from hkmr_blender.base.motion import load_npz
from hkmr_blender.base.skeleton import HAND_POSE_PARAMS

from .test_motion_file import make_motion


def _with_hands(frames: int = 12) -> object:
    rng = np.random.default_rng(4)
    seen = np.stack([np.arange(frames) < 7, np.arange(frames) % 3 == 0], axis=1)
    return replace(make_motion(), hand_pose=rng.normal(0, 0.4, (frames, HAND_POSE_PARAMS)), hand_seen=seen)


def test_version_six_round_trip_and_select(tmp_path):
    assert OPTIONAL_FIELDS["hand_seen"] == FORMAT_VERSION == 6
    m = _with_hands()
    write_motion(tmp_path / "m.npz", m)
    assert int(load_npz(tmp_path / "m.npz")["format_version"]) == 6
    r = read_motion(tmp_path / "m.npz")
    np.testing.assert_array_equal(r.hand_seen, m.hand_seen)
    assert r.hand_seen.dtype == bool
    np.testing.assert_array_equal(r.select(np.arange(12) >= 5).hand_seen, m.hand_seen[5:])
    write_motion(tmp_path / "v4like.npz", replace(m, hand_seen=None))  # hands without the flag: still fine
    assert read_motion(tmp_path / "v4like.npz").hand_seen is None


def test_older_version_refuses_the_key(tmp_path):
    write_motion(tmp_path / "m.npz", _with_hands())
    arrays = dict(load_npz(tmp_path / "m.npz"))
    arrays["format_version"] = np.array(5)
    np.savez(tmp_path / "v5.npz", **arrays)
    with pytest.raises(MotionFileError, match="'hand_seen' is defined from motion format version 6.*says version 5"):
        read_motion(tmp_path / "v5.npz")
    del arrays["hand_seen"]
    np.savez(tmp_path / "v5.npz", **arrays)
    r = read_motion(tmp_path / "v5.npz")
    assert r.hand_seen is None and r.hand_pose is not None


def test_formats_without_a_slot_drop_it(tmp_path):
    m = replace(_with_hands(), mesh=None)
    for name in ("m.amass.npz", "m.smpl"):
        write_motion(tmp_path / name, m)
        r = read_motion(tmp_path / name)
        assert r.hand_seen is None and r.hand_pose is not None


@pytest.mark.parametrize("bad, message", [
    (dict(hand_pose=None), "without 'hand_pose'"),
    (dict(hand_seen=np.ones((12, 3), bool)), "hand_seen"),
    (dict(hand_seen=np.full((12, 2), 2)), "boolean"),
])
def test_bad_flags_are_refused(tmp_path, bad, message):
    with pytest.raises(MotionFileError, match=message):
        write_motion(tmp_path / "bad.npz", replace(_with_hands(), **bad))
    assert not (tmp_path / "bad.npz").exists()
