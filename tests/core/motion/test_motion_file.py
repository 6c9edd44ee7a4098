"""Motion file (current version, reads older ones): exact round trips, AMASS / .smpl interop, and named bad-input
errors."""
from __future__ import annotations

import zipfile
from dataclasses import replace

import numpy as np
import pytest

from hkmr_blender.base.amass import write_amass
from hkmr_blender.base.smpl_codec import write_smpl_codec
from hkmr_blender.base import (FORMAT_VERSION, Motion, MotionFileError, RestMesh, read_motion,
                                    write_motion)
from hkmr_blender.base.motion import OPTIONAL_FIELDS


def make_motion(frames: int = 12, seed: int = 0, mesh: bool = True) -> Motion:
    rng = np.random.default_rng(seed)
    v = rng.normal(size=(50, 3))
    w = rng.random((50, 24))
    return Motion(
        poses=rng.normal(0, 0.3, (frames, 72)), trans=rng.normal(0, 1, (frames, 3)),
        betas=rng.normal(0, 1, 10), fps=29.97, gender="female", rest_joints=rng.normal(0, 0.5, (24, 3)),
        frame_index=np.arange(frames) * 2 + 5, confidence=rng.random(frames).astype(np.float32),
        valid=rng.random(frames) > 0.2, camera=rng.normal(size=(frames, 3)), body_model="smpl:female:abc",
        mesh=RestMesh(v, rng.integers(0, 50, (80, 3)), w / w.sum(1, keepdims=True),
                      rng.normal(size=(50, 3, 10))) if mesh else None)


def _npz(path, **arrays):
    np.savez(path, **arrays)
    return path


def test_v1_round_trip_is_exact(tmp_path):
    m = make_motion()
    write_motion(tmp_path / "m.npz", m)
    r = read_motion(tmp_path / "m.npz")
    for key in ("poses", "trans", "betas", "rest_joints", "frame_index", "confidence", "valid", "camera", "parents"):
        np.testing.assert_array_equal(getattr(r, key), getattr(m, key), err_msg=key)
    assert (r.fps, r.gender, r.up_axis, r.body_model, r.joint_names) == \
        (m.fps, m.gender, m.up_axis, m.body_model, m.joint_names)
    np.testing.assert_array_equal(r.mesh.faces, m.mesh.faces)
    np.testing.assert_allclose(r.mesh.vertices, m.mesh.vertices, rtol=1e-6)  # mesh stored float32


def test_v2_round_trip_keeps_foot_contacts(tmp_path):
    m = make_motion()
    contacts = np.random.default_rng(3).random((12, 2)) > 0.5
    write_motion(tmp_path / "m.npz", replace(m, contacts=contacts))
    r = read_motion(tmp_path / "m.npz")
    assert r.contacts.dtype == bool and r.contacts.shape == (12, 2)
    np.testing.assert_array_equal(r.contacts, contacts)
    np.testing.assert_array_equal(r.select(np.arange(3, 7)).contacts, contacts[3:7])
    with np.load(tmp_path / "m.npz") as data:
        assert int(data["format_version"]) == FORMAT_VERSION >= OPTIONAL_FIELDS["contacts"] == 2
    write_motion(tmp_path / "none.npz", m)  # no contacts known: the key is simply absent
    assert read_motion(tmp_path / "none.npz").contacts is None


def test_version_1_file_from_the_old_writer_still_reads(tmp_path):
    m = make_motion(mesh=False)
    # exactly the fields the version-1 writer stored (no contacts), written here by hand
    path = _npz(tmp_path / "old.npz", format=np.array("hkmr-motion"), format_version=np.array(1),
                poses=m.poses, trans=m.trans, betas=m.betas, gender=np.array(m.gender),
                mocap_framerate=np.array(m.fps), frame_index=m.frame_index, confidence=m.confidence,
                valid=m.valid, joint_names=np.array(m.joint_names), parents=m.parents, up_axis=np.array("y"),
                body_model=np.array(m.body_model), rest_joints=m.rest_joints, camera=m.camera)
    r = read_motion(path)
    assert r.contacts is None
    for key in ("poses", "trans", "betas", "valid", "camera"):
        np.testing.assert_array_equal(getattr(r, key), getattr(m, key), err_msg=key)


def test_contacts_of_the_wrong_shape_are_refused_with_the_fix(tmp_path):
    with pytest.raises(MotionFileError, match="contacts"):
        write_motion(tmp_path / "bad.npz", replace(make_motion(), contacts=np.zeros((12, 4), bool)))
    assert not (tmp_path / "bad.npz").exists()
    with pytest.raises(MotionFileError, match="bool"):
        write_motion(tmp_path / "bad.npz", replace(make_motion(), contacts=np.zeros((12, 2))))


def test_v1_is_readable_as_plain_amass(tmp_path):
    write_motion(tmp_path / "m.npz", make_motion())
    with np.load(tmp_path / "m.npz", allow_pickle=False) as data:  # what an AMASS tool does
        assert data["poses"].shape == (12, 72) and data["trans"].shape == (12, 3)
        assert str(data["gender"]) == "female" and float(data["mocap_framerate"]) == 29.97


def test_amass_smplh_file_reads_body_joints(tmp_path):
    rng = np.random.default_rng(1)
    poses = rng.normal(size=(7, 156))
    path = _npz(tmp_path / "amass.npz", poses=poses, trans=rng.normal(size=(7, 3)), betas=rng.normal(size=16),
                gender=np.array(b"male"), mocap_framerate=np.array(120.0), dmpls=np.zeros((7, 8)))
    m = read_motion(path)
    np.testing.assert_array_equal(m.poses[:, :66], poses[:, :66])
    np.testing.assert_array_equal(m.poses[:, 66:], 0)  # SMPL hand joints: identity
    assert (m.gender, m.fps, m.up_axis, m.rest_joints) == ("male", 120.0, "z", None)


def test_amass_written_in_smplh_layout_round_trips(tmp_path):
    """What AMASS's loaders and the SMPL-X/Meshcapade add-ons read: SMPL-H poses (F,156), 16 betas,
    dmpls, Z-up. A Y-up HKMR motion is turned to Z-up by the writer itself."""
    from hkmr_blender.base.rotations import convert_up_axis

    m = make_motion(mesh=False)
    write_amass(tmp_path / "a.amass.npz", m)
    with np.load(tmp_path / "a.amass.npz", allow_pickle=False) as data:
        assert data["poses"].shape == (12, 156) and data["betas"].shape == (16,) and data["dmpls"].shape == (12, 8)
        np.testing.assert_array_equal(data["poses"][:, 66:], 0)  # hands (AMASS tutorials slice poses[:, 66:])
        np.testing.assert_array_equal(data["betas"][:10], m.betas)
        np.testing.assert_array_equal(data["betas"][10:], 0)
        assert str(data["gender"]) == "female" and float(data["mocap_framerate"]) == m.fps
    r = read_motion(tmp_path / "a.amass.npz")
    z = convert_up_axis(m, "z")
    assert r.up_axis == "z" and r.rest_joints is None
    # the body joints pass through unchanged except the root, which the up-axis change rotated
    np.testing.assert_array_equal(r.poses[:, 3:66], m.poses[:, 3:66])
    np.testing.assert_array_equal(r.poses[:, :3], z.poses[:, :3])
    np.testing.assert_array_equal(r.trans, z.trans)
    np.testing.assert_array_equal(r.poses[:, 66:], 0)  # SMPL's hand joints have no SMPL-H counterpart


@pytest.mark.parametrize("width", [69, 216, 75])
def test_amass_poses_of_unknown_layout_are_refused(tmp_path, width):
    path = _npz(tmp_path / "x.npz", poses=np.zeros((3, width)), trans=np.zeros((3, 3)), mocap_framerate=np.array(30.0))
    with pytest.raises(MotionFileError, match=r"x.npz: 'poses' has shape \(3, %d\)" % width):
        read_motion(path)


def test_smpl_codec_round_trip(tmp_path):
    m = make_motion(mesh=False)
    write_smpl_codec(tmp_path / "a.smpl", m)
    r = read_motion(tmp_path / "a.smpl")
    np.testing.assert_allclose(r.poses, m.poses, atol=1e-6)  # .smpl stores float32
    np.testing.assert_allclose(r.trans, m.trans, atol=1e-6)
    assert (r.gender, r.up_axis, r.num_frames) == ("female", "y", 12)
    assert abs(r.fps - m.fps) < 1e-4


def test_writes_are_atomic(tmp_path, monkeypatch):
    path = tmp_path / "m.npz"
    write_motion(path, make_motion(seed=0))
    before = path.read_bytes()

    def crash(*args, **kwargs):
        raise OSError("disk full")
    monkeypatch.setattr(np.lib.format, "write_array", crash)
    with pytest.raises(OSError, match="disk full"):
        write_motion(path, make_motion(seed=1))
    assert path.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["m.npz"]


def _v1(tmp_path, **override):
    """A valid v1 file with some fields replaced (None removes the field)."""
    write_motion(tmp_path / "good.npz", make_motion(mesh=False))
    with np.load(tmp_path / "good.npz") as data:
        arrays = dict(data)
    for key, value in override.items():
        if value is None:
            arrays.pop(key)
        else:
            arrays[key] = value
    return _npz(tmp_path / "bad.npz", **arrays)


BAD_V1 = {
    "newer version": (dict(format_version=np.array(FORMAT_VERSION + 1)), "newer than this reader"),
    "wrong format name": (dict(format=np.array("bvh-ish")), "is not 'hkmr-motion'"),
    "missing poses": (dict(poses=None), "missing field.*poses"),
    "nan in poses": (dict(poses=np.full((12, 72), np.nan)), "poses.*NaN or infinite"),
    "inf in trans": (dict(trans=np.full((12, 3), np.inf)), "trans.*NaN or infinite"),
    "poses wrong width": (dict(poses=np.zeros((12, 69))), r"'poses' has shape \(12, 69\)"),
    "trans frame mismatch": (dict(trans=np.zeros((11, 3))), r"'trans' has shape \(11, 3\), expected \(12, 3\)"),
    "wrong joint count": (dict(joint_names=np.array(["a"] * 22), parents=np.zeros(22, int)), "24 joints"),
    "unknown gender": (dict(gender=np.array("robot")), "gender 'robot'"),
    "zero fps": (dict(mocap_framerate=np.array(0.0)), "frame rate 0.0"),
    "confidence out of range": (dict(confidence=np.full(12, 2.0, np.float32)), r"confidence values must lie in \[0, 1\]"),
    "frame index not increasing": (dict(frame_index=np.zeros(12, np.int64)), "strictly increasing"),
    "zero frames": (dict(poses=np.zeros((0, 72)), trans=np.zeros((0, 3)), frame_index=np.zeros(0, np.int64),
                         confidence=np.zeros(0, np.float32), valid=np.zeros(0, bool),
                         camera=np.zeros((0, 3))), "zero frames"),
    "bad rest joints": (dict(rest_joints=np.zeros((23, 3))), "rest_joints"),
    "fps not scalar": (dict(mocap_framerate=np.array([30.0, 30.0])), "must be a scalar"),
    "bad up axis": (dict(up_axis=np.array("x")), "up_axis 'x'"),
}


@pytest.mark.parametrize("case", BAD_V1, ids=list(BAD_V1))
def test_bad_v1_files_give_named_errors(tmp_path, case):
    override, message = BAD_V1[case]
    path = _v1(tmp_path, **override)
    with pytest.raises(MotionFileError, match=message) as info:
        read_motion(path)
    assert str(path) in str(info.value)


def test_unreadable_files(tmp_path):
    with pytest.raises(MotionFileError, match="file not found"):
        read_motion(tmp_path / "missing.npz")
    (tmp_path / "text.npz").write_text("hello")
    with pytest.raises(MotionFileError, match="not a readable .npz"):
        read_motion(tmp_path / "text.npz")
    write_motion(tmp_path / "good.npz", make_motion())
    data = (tmp_path / "good.npz").read_bytes()
    (tmp_path / "cut.npz").write_bytes(data[: len(data) // 2])
    with pytest.raises(MotionFileError, match="truncated"):
        read_motion(tmp_path / "cut.npz")
    with pytest.raises(MotionFileError, match="not a motion file"):
        read_motion(_npz(tmp_path / "other.npz", x=np.zeros(3)))
    np.savez(tmp_path / "obj.npz", poses=np.array([{"a": 1}], dtype=object), trans=np.zeros((1, 3)))
    with pytest.raises(MotionFileError, match="pickled objects"):
        read_motion(tmp_path / "obj.npz")
    (tmp_path / "bad.smpl").write_bytes(b"PK\x03\x04garbage")
    with pytest.raises(MotionFileError, match="not a valid .smpl"):
        read_motion(tmp_path / "bad.smpl")
    assert zipfile.is_zipfile(tmp_path / "good.npz")


def test_writer_refuses_invalid_motion_and_leaves_nothing(tmp_path):
    bad = replace(make_motion(), poses=np.full((12, 72), np.nan))
    with pytest.raises(MotionFileError, match="NaN"):
        write_motion(tmp_path / "m.npz", bad)
    assert list(tmp_path.iterdir()) == []
    # turning the up axis needs the pelvis rest position
    with pytest.raises(MotionFileError, match="AMASS files are Z-up.*rest joints"):
        write_amass(tmp_path / "a.npz", replace(make_motion(), rest_joints=None))
    with pytest.raises(MotionFileError, match=".smpl files are Y-up.*rest joints"):
        write_smpl_codec(tmp_path / "a.smpl", replace(make_motion(), up_axis="z", rest_joints=None))
    bad_mesh = replace(make_motion(), mesh=RestMesh(np.zeros((5, 3)), np.array([[0, 1, 9]]), np.ones((5, 24)) / 24))
    with pytest.raises(MotionFileError, match="mesh_faces index vertices"):
        write_motion(tmp_path / "m.npz", bad_mesh)


def test_select_keeps_per_frame_fields_aligned():
    m = make_motion()
    s = m.select(m.valid)
    assert s.num_frames == int(m.valid.sum())
    np.testing.assert_array_equal(s.frame_index, m.frame_index[m.valid])
    np.testing.assert_array_equal(s.camera, m.camera[m.valid])
