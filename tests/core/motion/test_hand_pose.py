"""Motion file v4's optional ``hand_pose``: round trips through every format, AMASS's SMPL-H slots, old
versions still read, bad hands refused with the field named."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from hkmr_blender.base import OPTIONAL_FIELDS, FORMAT_VERSION, MotionFileError, read_motion, write_motion
from hkmr_blender.base.motion import load_npz
from hkmr_blender.base.skeleton import HAND_JOINT_NAMES, HAND_PARENTS, HAND_POSE_PARAMS

from .test_motion_file import make_motion


def _hands(frames: int, seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).normal(0, 0.4, (frames, HAND_POSE_PARAMS))


def test_smplh_hand_constants():
    assert len(HAND_JOINT_NAMES) == 30 and HAND_POSE_PARAMS == 90
    assert HAND_JOINT_NAMES[0] == "left_index1" and HAND_JOINT_NAMES[14] == "left_thumb3"
    assert HAND_JOINT_NAMES[15] == "right_index1" and HAND_JOINT_NAMES[29] == "right_thumb3"
    # each finger's first joint hangs on its wrist (SMPL 20/21), the others on the previous joint (52-numbering)
    assert HAND_PARENTS[:3] == (20, 22, 23) and HAND_PARENTS[15:18] == (21, 37, 38)
    assert FORMAT_VERSION == max(OPTIONAL_FIELDS.values()) and OPTIONAL_FIELDS["hand_pose"] <= FORMAT_VERSION


def test_npz_round_trip_and_select(tmp_path):
    m = replace(make_motion(), hand_pose=_hands(12))
    write_motion(tmp_path / "m.npz", m)
    r = read_motion(tmp_path / "m.npz")
    np.testing.assert_array_equal(r.hand_pose, m.hand_pose)
    np.testing.assert_array_equal(r.select(np.arange(12) % 3 == 0).hand_pose, m.hand_pose[::3])
    write_motion(tmp_path / "none.npz", make_motion())
    assert read_motion(tmp_path / "none.npz").hand_pose is None


def test_amass_writes_real_fingers_in_smplh_slots(tmp_path):
    m = replace(make_motion(mesh=False), hand_pose=_hands(12))
    write_motion(tmp_path / "m.amass.npz", m)
    raw = load_npz(tmp_path / "m.amass.npz")
    assert raw["poses"].shape == (12, 156)
    np.testing.assert_array_equal(raw["poses"][:, 66:111], m.hand_pose[:, :45])  # left hand
    np.testing.assert_array_equal(raw["poses"][:, 111:156], m.hand_pose[:, 45:])  # right hand
    np.testing.assert_array_equal(read_motion(tmp_path / "m.amass.npz").hand_pose, m.hand_pose)


def test_smpl_codec_round_trip_is_smplh(tmp_path):
    m = replace(make_motion(mesh=False), hand_pose=_hands(12))
    write_motion(tmp_path / "m.smpl", m)
    r = read_motion(tmp_path / "m.smpl")
    np.testing.assert_allclose(r.hand_pose, m.hand_pose, atol=1e-6)  # .smpl stores float32
    np.testing.assert_allclose(r.poses[:, 3:66], m.poses[:, 3:66], atol=1e-6)  # body joints kept
    assert not r.poses[:, 66:].any()  # SMPL's two hand joints have no SMPL-H slot
    write_motion(tmp_path / "b.smpl", make_motion(mesh=False))
    assert read_motion(tmp_path / "b.smpl").hand_pose is None


def test_older_versions_refuse_the_key(tmp_path):
    """A v2 file never had hands: a stray ``hand_pose`` key in it is neither read as hands nor dropped silently — the
    file is refused, the field, the version that defines it and the fix named."""
    write_motion(tmp_path / "m.npz", replace(make_motion(), hand_pose=_hands(12)))
    data = dict(np.load(tmp_path / "m.npz"))
    data["format_version"] = np.array(2)
    np.savez(tmp_path / "v2.npz", **data)
    with pytest.raises(MotionFileError, match="field 'hand_pose' is defined from motion format version 4, but the file "
                       "says version 2.*set format_version to 4") as info:
        read_motion(tmp_path / "v2.npz")
    assert str(tmp_path / "v2.npz") in str(info.value)
    del data["hand_pose"]
    np.savez(tmp_path / "v2.npz", **data)
    assert read_motion(tmp_path / "v2.npz").hand_pose is None  # without it, an old file reads


@pytest.mark.parametrize("bad, message", [
    (np.zeros((12, 45)), "'hand_pose' has shape (12, 45)"),
    (np.zeros((11, 90)), "'hand_pose' has shape (11, 90)"),
    (np.full((12, 90), np.nan), "'hand_pose' contains NaN"),
    (np.zeros((12, 90), np.int64), "'hand_pose' must be float"),
])
def test_bad_hand_pose_is_named(tmp_path, bad, message):
    with pytest.raises(MotionFileError, match=message.replace("(", r"\(").replace(")", r"\)")):
        write_motion(tmp_path / "m.npz", replace(make_motion(), hand_pose=bad))
    assert not (tmp_path / "m.npz").exists()
