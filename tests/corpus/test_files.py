"""Corpus: untrusted files — motion files, SMPL body files, checkpoints and configs. Each is refused
with a message naming the file, without a traceback, without allocating what a hostile header asks
for, without running a pickle's code, and without writing anything."""
from __future__ import annotations

import io
import json
import os
import pickle
import re
import struct
import sys
import types
import zipfile

import numpy as np
import pytest
import torch

from tests.conftest import make_smpl_arrays

from .conftest import SENTINEL, Hostile, check_refused, listing, run


def npy_header_bomb(path, name="poses", shape=(10**12, 72)):
    """An .npz whose member's .npy header claims ``shape`` (576 TB of float64) over a few bytes."""
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": "<f8", "fortran_order": False, "shape": shape})
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(f"{name}.npy", buf.getvalue() + b"\0" * 64)
        zf.writestr("trans.npy", buf.getvalue())


def _v1(d, path, **change):
    """Rewrite the valid motion file ``d`` (dict) with fields changed (None removes one)."""
    out = dict(d)
    for k, v in change.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = v
    np.savez(path, **out)


def _hostile_npz(path, sentinel):
    with zipfile.ZipFile(path, "w") as zf:  # an object array holding a pickle that would run code
        buf = io.BytesIO()
        np.save(buf, np.array([Hostile(sentinel)], dtype=object), allow_pickle=True)
        zf.writestr("poses.npy", buf.getvalue())
        zf.writestr("trans.npy", buf.getvalue())


# (id, how to damage the valid walk.npz: fn(valid_arrays, path, sentinel), what the message says)
MOTION_CASES = [
    ("missing-file", None, "file not found"),
    ("not-a-zip", lambda d, p, s: p.write_bytes(b"hello"), "not a readable .npz"),
    ("truncated", lambda d, p, s: p.write_bytes(_bytes(d)[:400]), "npz"),
    ("header-claims-1e12-frames", lambda d, p, s: npy_header_bomb(p), "claims shape (1000000000000, 72)"),
    ("object-array-hostile-pickle", lambda d, p, s: _hostile_npz(p, s), "pickled objects"),
    ("mesh-vertices-without-faces", lambda d, p, s: _v1(d, p, mesh_faces=None), "mesh_faces missing"),
    ("format-version-abc", lambda d, p, s: _v1(d, p, format_version=np.array("abc")), "format_version"),
    ("format-version-99", lambda d, p, s: _v1(d, p, format_version=np.array(99)), "newer than this reader"),
    ("poses-nan", lambda d, p, s: _v1(d, p, poses=np.full_like(d["poses"], np.nan)), "NaN"),
    ("poses-216-wide", lambda d, p, s: _v1(d, p, poses=np.zeros((60, 216))), "'poses' has shape (60, 216)"),
    ("trans-wrong-length", lambda d, p, s: _v1(d, p, trans=np.zeros((7, 3))), "'trans' has shape (7, 3)"),
    ("frame-index-decreasing", lambda d, p, s: _v1(d, p, frame_index=d["frame_index"][::-1].copy()),
     "strictly increasing"),
    ("fps-negative", lambda d, p, s: _v1(d, p, mocap_framerate=np.array(-30.0)), "frame rate"),
    ("gender-robot", lambda d, p, s: _v1(d, p, gender=np.array("robot")), "gender 'robot'"),
    ("poses-scalar", lambda d, p, s: _v1(d, p, poses=np.array(1.0)), "'poses'"),
    ("no-motion-fields", lambda d, p, s: np.savez(p, a=np.zeros(3)), "not a motion file"),
    ("amass-poses-216", lambda d, p, s: np.savez(p, poses=np.zeros((5, 216)), trans=np.zeros((5, 3)),
                                                  mocap_framerate=np.array(60.0)), "(5, 216)"),
    ("amass-poses-69", lambda d, p, s: np.savez(p, poses=np.zeros((5, 69)), trans=np.zeros((5, 3)),
                                                 mocap_framerate=np.array(60.0)), "(5, 69)"),
    ("amass-no-framerate", lambda d, p, s: np.savez(p, poses=np.zeros((5, 156)), trans=np.zeros((5, 3))),
     "mocap_framerate"),
    # issue 19: silently accepted before (contacts 2/−1 read as "both feet planted", cyclic parents, ...)
    ("contacts-int-2", lambda d, p, s: _v1(d, p, contacts=np.full((60, 2), 2)), "'contacts' must be boolean"),
    ("contacts-int-minus-1", lambda d, p, s: _v1(d, p, contacts=np.full((60, 2), -1)), "'contacts' must be boolean"),
    ("contacts-float", lambda d, p, s: _v1(d, p, contacts=np.full((60, 2), 0.5)), "'contacts' must be boolean"),
    ("contacts-strings", lambda d, p, s: _v1(d, p, contacts=np.full((60, 2), "yes")), "'contacts' must be boolean"),
    ("contacts-wrong-width", lambda d, p, s: _v1(d, p, contacts=np.zeros((60, 3), bool)), "'contacts' has shape"),
    ("valid-int-2", lambda d, p, s: _v1(d, p, valid=np.full(60, 2)), "'valid' must be boolean"),
    ("parents-cyclic", lambda d, p, s: _v1(d, p, parents=np.r_[-1, 2, 1, d["parents"][3:]]), "cyclic"),
    ("parents-no-root", lambda d, p, s: _v1(d, p, parents=np.r_[0, d["parents"][1:]]), "rootless"),
    ("parents-other-tree", lambda d, p, s: _v1(d, p, parents=np.r_[d["parents"][:4], 2, d["parents"][5:]]),
     "joint 4 'left_knee' has parent 2"),
    ("parents-float", lambda d, p, s: _v1(d, p, parents=d["parents"].astype(float)), "'parents'"),
    ("joint-names-reversed", lambda d, p, s: _v1(d, p, joint_names=d["joint_names"][::-1].copy()),
     "joint 0 is 'right_hand'"),
    ("joint-names-two-swapped", lambda d, p, s: _v1(d, p, joint_names=d["joint_names"][[0, 2, 1, *range(3, 24)]]),
     "joint 1 is 'right_hip'"),
    ("timestamps-decreasing", lambda d, p, s: _v1(d, p, timestamps=np.linspace(2, 0, 60)), "'timestamps' must be"),
    ("timestamps-repeated", lambda d, p, s: _v1(d, p, timestamps=np.zeros(60)), "strictly increasing"),
    ("timestamps-nan", lambda d, p, s: _v1(d, p, timestamps=np.full(60, np.nan)), "NaN"),
    ("timestamps-wrong-length", lambda d, p, s: _v1(d, p, timestamps=np.arange(59) / 30), "'timestamps' has shape"),
    ("timestamps-strings", lambda d, p, s: _v1(d, p, timestamps=np.array([str(i) for i in range(60)])),
     "'timestamps' must be"),
    ("skin-weights-sum-168", lambda d, p, s: _v1(d, p, mesh_weights=d["mesh_weights"] * 168), "sum to 1"),
    ("skin-weights-negative", lambda d, p, s: _v1(d, p, mesh_weights=d["mesh_weights"] * 2 - d["mesh_weights"].max(1,
                                                  keepdims=True)), "skin weights"),
    # second probe (issue 19): values of the wrong kind in numeric fields, more shapes and ranges
    ("poses-strings", lambda d, p, s: _v1(d, p, poses=np.full((60, 72), "a")), "'poses' must hold real numbers"),
    ("poses-complex", lambda d, p, s: _v1(d, p, poses=np.zeros((60, 72), complex)), "'poses' must hold real numbers"),
    ("confidence-strings", lambda d, p, s: _v1(d, p, confidence=np.full(60, "x")),   # was a numpy traceback
     "'confidence' must hold real numbers"),
    ("frame-index-halves", lambda d, p, s: _v1(d, p, frame_index=np.arange(60) / 2),  # blamed the output file
     "'frame_index' must hold integers"),
    ("betas-strings", lambda d, p, s: _v1(d, p, betas=np.array(list("abcdefghij"))), "'betas' must hold real"),
    ("trans-inf", lambda d, p, s: _v1(d, p, trans=np.full((60, 3), np.inf)), "'trans' contains NaN or infinite"),
    ("betas-per-frame", lambda d, p, s: _v1(d, p, betas=np.zeros((60, 10))), "'betas' has shape (60, 10)"),
    ("fps-nan", lambda d, p, s: _v1(d, p, mocap_framerate=np.array(np.nan)), "frame rate nan"),
    ("fps-zero", lambda d, p, s: _v1(d, p, mocap_framerate=np.array(0.0)), "frame rate 0.0"),
    ("fps-1e9", lambda d, p, s: _v1(d, p, mocap_framerate=np.array(1e9)), "frame rate 1e+09 is above 1000"),
    ("fps-word", lambda d, p, s: _v1(d, p, mocap_framerate=np.array("thirty")), "'mocap_framerate' is 'thirty'"),
    ("zero-frames", lambda d, p, s: _v1(d, p, poses=np.zeros((0, 72)), trans=np.zeros((0, 3)),
                                        frame_index=np.zeros(0, int), confidence=np.zeros(0, np.float32),
                                        valid=np.zeros(0, bool)), "zero frames"),
    ("hand-pose-45-wide", lambda d, p, s: _v1(d, p, hand_pose=np.zeros((60, 45))), "'hand_pose' has shape (60, 45)"),
    ("hand-pose-per-joint", lambda d, p, s: _v1(d, p, hand_pose=np.zeros((60, 30, 3))), "'hand_pose' has shape"),
    ("hand-pose-ints", lambda d, p, s: _v1(d, p, hand_pose=np.zeros((60, 90), int)), "'hand_pose' must be float"),
    ("hand-seen-without-hand-pose", lambda d, p, s: _v1(d, p, hand_seen=np.zeros((60, 2), bool)),
     "'hand_seen' without 'hand_pose'"),
    ("timestamps-all-zero-ints", lambda d, p, s: _v1(d, p, timestamps=np.zeros(60, int)), "strictly increasing"),
    ("contacts-3d", lambda d, p, s: _v1(d, p, contacts=np.zeros((60, 2, 1), bool)), "'contacts' has shape (60, 2, 1)"),
    ("rest-joints-nan", lambda d, p, s: _v1(d, p, rest_joints=np.full((24, 3), np.nan)), "'rest_joints' contains NaN"),
    ("camera-two-wide", lambda d, p, s: _v1(d, p, camera=np.zeros((60, 2))), "'camera' has shape (60, 2)"),
    # third probe (issue 19)
    ("betas-empty", lambda d, p, s: _v1(d, p, betas=np.zeros(0)), "'betas' is empty"),
    ("betas-empty-ints", lambda d, p, s: _v1(d, p, betas=np.zeros(0, int)), "'betas' is empty"),
    ("fps-true", lambda d, p, s: _v1(d, p, mocap_framerate=np.array(True)), "'mocap_framerate' is True, not a number"),
    ("amass-fps-two-values", lambda d, p, s: np.savez(p, poses=np.zeros((5, 156)), trans=np.zeros((5, 3)),
                                                       mocap_framerate=np.array([30.0, 60.0])),   # was a TypeError
     "'mocap_framerate' must be a scalar"),
    ("amass-fps-word", lambda d, p, s: np.savez(p, poses=np.zeros((5, 156)), trans=np.zeros((5, 3)),
                                                 mocap_framerate=np.array("thirty")), "'mocap_framerate' is 'thirty'"),
    ("amass-fps-true", lambda d, p, s: np.savez(p, poses=np.zeros((5, 156)), trans=np.zeros((5, 3)),
                                                 mocap_framerate=np.array(True)), "is True, not a number"),
    ("amass-betas-empty", lambda d, p, s: np.savez(p, poses=np.zeros((5, 156)), trans=np.zeros((5, 3)),
                                                    mocap_framerate=np.array(60.0), betas=np.zeros(0)), "'betas' is empty"),
    # a jump that Blender's frame range cannot hold: was "Scene.frame_end value not in 'int' range" from bpy
    ("frame-index-jump-to-1e12", lambda d, p, s: _v1(d, p, frame_index=np.r_[np.arange(59), 10**12]),
     "'frame_index' spans 1e+12 frames"),
    ("timestamps-span-a-century", lambda d, p, s: _v1(d, p, timestamps=np.arange(60) * 6e7),
     "'timestamps' spans"),
    # Blender deletes zero-length bones: the armature lost joints, the export said "ok"
    ("rest-joints-all-zero", lambda d, p, s: _v1(d, p, rest_joints=np.zeros((24, 3))),
     "joint 1 'left_hip' lies on its parent"),
    ("rest-joints-one-bone-zero", lambda d, p, s: _v1(d, p, rest_joints=_collapse(d["rest_joints"], 15, 12)),
     "joint 15 'head' lies on its parent"),
    # not a regular file: "file not found" (a FIFO, a folder) — a FIFO must never block the reader
    ("motion-file-is-a-fifo", lambda d, p, s: os.mkfifo(p), "is a named pipe (FIFO)"),
    ("motion-file-is-a-folder", lambda d, p, s: p.mkdir(), "is a folder, not a file"),
    # fourth probe (issue 19): betas no body model produces (were accepted and imported as a monster)
    ("betas-1e6", lambda d, p, s: _v1(d, p, betas=np.r_[1e6, np.zeros(9)]), "field 'betas': beta 0 is 1e+06"),
    ("betas-minus-50", lambda d, p, s: _v1(d, p, betas=np.r_[np.zeros(4), -50.0, np.zeros(5)]), "beta 4 is -50"),
    ("amass-betas-1e6", lambda d, p, s: np.savez(p, poses=np.zeros((5, 156)), trans=np.zeros((5, 3)),
                                                  mocap_framerate=np.array(60.0), betas=np.full(16, 1e6)),
     "beyond ±20"),
    ("object-array-of-floats", lambda d, p, s: np.savez(p, **{**d, "trans": np.zeros((60, 3), object)}),
     "pickled objects"),
]


def _collapse(rest_joints, k: int, parent: int):
    out = np.array(rest_joints)
    out[k] = out[parent]
    return out


def _bytes(d):
    buf = io.BytesIO()
    np.savez(buf, **d)
    return buf.getvalue()


@pytest.mark.parametrize("damage,says", [c[1:] for c in MOTION_CASES], ids=[c[0] for c in MOTION_CASES])
def test_bad_motion_file_is_refused(damage, says, motion_file, tmp_path, capsys):
    with np.load(motion_file) as f:
        valid = {k: f[k] for k in f.files}
    bad = tmp_path / "bad.npz"
    if damage is not None:
        damage(valid, bad, tmp_path / SENTINEL)
    before = listing(tmp_path)
    rc, _, err = run(["convert", bad, tmp_path / "out.npz"], capsys)
    check_refused(rc, err, tmp_path, before, names=[bad, says])


@pytest.mark.parametrize("name", ["clip.smpl", "clip.amass.npz"])
def test_motion_file_that_is_a_fifo_is_refused_without_blocking(name, tmp_path, capsys):
    bad = tmp_path / name
    os.mkfifo(bad)
    before = listing(tmp_path)
    rc, _, err = run(["convert", bad, tmp_path / "out.npz"], capsys)
    check_refused(rc, err, tmp_path, before, names=[bad, "named pipe"])


def test_bad_smpl_motion_file_is_refused(tmp_path, capsys):
    bad = tmp_path / "clip.smpl"
    bad.write_bytes(b"PK\x03\x04 not really")
    before = listing(tmp_path)
    rc, _, err = run(["convert", bad, tmp_path / "out.npz"], capsys)
    check_refused(rc, err, tmp_path, before, names=[bad, "not a valid .smpl file"])


def _sparse_pickle(path, shape):
    """An SMPL .pkl whose J_regressor is a scipy.sparse CSC matrix claiming ``shape`` (pickled with a
    stand-in class registered under a scipy.sparse module name; no scipy needed to read or write)."""
    mod = types.ModuleType("scipy.sparse._hostile_csc")
    cls = type("csc_matrix", (), {"__module__": mod.__name__})
    mod.csc_matrix = cls
    sys.modules[mod.__name__] = mod
    try:
        m = cls()
        m.__dict__.update(_shape=shape, data=np.ones(3), indices=np.arange(3), indptr=np.array([0, 3]))
        arrays = make_smpl_arrays()
        arrays["J_regressor"] = m
        path.write_bytes(pickle.dumps(arrays, protocol=2))
    finally:
        del sys.modules[mod.__name__]


def _smpl(path, **change):
    arrays = make_smpl_arrays()
    arrays.update(change)
    np.savez(path, **arrays)


# (id, writer(path, sentinel), file name, what the message says)
SMPL_CASES = [
    ("missing", None, "SMPL_NEUTRAL.pkl", "not found"),
    ("hostile-pickle", lambda p, s: p.write_bytes(pickle.dumps({"v_template": Hostile(s)})), "m.pkl",
     "refused to load class"),
    ("pickle-of-a-list", lambda p, s: p.write_bytes(pickle.dumps([1, 2])), "m.pkl", "expected a dict"),
    ("truncated-pickle", lambda p, s: p.write_bytes(pickle.dumps(make_smpl_arrays(), protocol=2)[:500]),
     "m.pkl", "truncated"),
    ("sparse-j-regressor-24-gib", lambda p, s: _sparse_pickle(p, (24, 140_000_000)), "m.pkl",
     "sparse matrix claims shape (24, 140000000)"),
    ("scalar-kintree", lambda p, s: _smpl(p, kintree_table=np.array(3)), "m.npz", "kintree_table has shape ()"),
    ("nan-vertices", lambda p, s: _smpl(p, v_template=np.full((300, 3), np.nan)), "m.npz", "NaN"),
    ("v-template-2d-wrong", lambda p, s: _smpl(p, v_template=np.zeros((300, 2))), "m.npz", "v_template"),
    ("faces-out-of-range", lambda p, s: _smpl(p, f=np.full((4, 3), 10_000)), "m.npz", "faces"),
    ("missing-weights", lambda p, s: np.savez(p, **{k: v for k, v in make_smpl_arrays().items() if k != "weights"}),
     "m.npz", "missing weights"),
    ("npy-header-bomb", lambda p, s: npy_header_bomb(p, "v_template", (10**11, 3)), "m.npz", "claims shape"),
    # fourth probe (issue 19): not a regular file was "SMPL model file not found"
    ("fifo", lambda p, s: os.mkfifo(p), "m.pkl", "is a named pipe (FIFO)"),
    ("link-to-dev-zero", lambda p, s: os.symlink("/dev/zero", p), "m.npz", "is a device"),
]


@pytest.mark.parametrize("write,name,says", [c[1:] for c in SMPL_CASES], ids=[c[0] for c in SMPL_CASES])
def test_bad_smpl_file_is_refused(write, name, says, tmp_path, capsys):
    path = tmp_path / name
    if write is not None:
        write(path, tmp_path / SENTINEL)
    before = listing(tmp_path)
    rc, _, err = run(["body", "--model", path, "--write-motion", tmp_path / "walk.npz"], capsys)
    check_refused(rc, err, tmp_path, before, names=[path, says])


@pytest.mark.parametrize("make,says", [(lambda p: p.mkdir(), "is a folder, not a file"),
                                       (lambda p: os.mkfifo(p), "is a named pipe (FIFO)")], ids=["folder", "fifo"])
def test_smpl_reader_names_what_is_not_a_file(make, says, tmp_path):
    """The add-on's own SMPL reader (no folder search there): the real cause, not "not found"."""
    from hkmr_blender.base.smpl_file import SmplFileError, load_smpl_arrays

    path = tmp_path / "SMPL_NEUTRAL.pkl"
    make(path)
    with pytest.raises(SmplFileError, match=re.escape(says)):
        load_smpl_arrays(path)


# (id, writer(path, sentinel, assets), what the message says)
CHECKPOINT_CASES = [
    ("missing", None, "not found"),
    ("random-bytes", lambda p, s, a: p.write_bytes(bytes(range(256)) * 4), "cannot read checkpoint"),
    ("hostile-pickle", lambda p, s, a: torch.save({"state_dict": Hostile(s)}, p), "cannot read checkpoint"),
    ("truncated", lambda p, s, a: p.write_bytes(open(a["ckpt"], "rb").read()[:5000]), "cannot read checkpoint"),
    ("imagenet-trunk-only", lambda p, s, a: p.write_bytes(open(a["trunk"], "rb").read()), "ResNet trunk weights"),
    ("dict-of-nonsense", lambda p, s, a: torch.save({"hello": 1}, p), "neither an HKMR checkpoint"),
    ("hkmr-version-7", lambda p, s, a: torch.save({**torch.load(a["ckpt"], weights_only=True), "version": 7}, p),
     "version 7"),
    # fourth probe (issue 19): not a regular file was "checkpoint not found"
    ("fifo", lambda p, s, a: os.mkfifo(p), "is a named pipe (FIFO)"),
    ("folder", lambda p, s, a: p.mkdir(), "is a folder, not a file"),
]


@pytest.mark.parametrize("write,says", [c[1:] for c in CHECKPOINT_CASES], ids=[c[0] for c in CHECKPOINT_CASES])
def test_bad_checkpoint_is_refused(write, says, assets, tmp_path, capsys):
    video = tmp_path / "clip.mp4"
    video.write_bytes(open(assets["video"], "rb").read())
    ckpt = tmp_path / "model.pt"
    if write is not None:
        write(ckpt, tmp_path / SENTINEL, assets)
    before = listing(tmp_path)
    rc, _, err = run(["infer", video, "-o", tmp_path / "m.npz", "--no-fit", "--checkpoint", ckpt, "--progress", "none"], capsys)
    check_refused(rc, err, tmp_path, before, names=[ckpt, says])


# (id, config text or None (missing), extra argv, what the message says)
CONFIG_CASES = [
    ("missing", None, [], "cfg.json"),
    ("invalid-json", "{not json", [], "invalid JSON"),
    ("top-level-list", "[1, 2]", [], "mapping at the top level"),
    ("unknown-key", json.dumps({"train": {"stepz": 3}}), [], "stepz"),
    ("lr-nan-override", "{}", ["--set", "optim.lr=NaN"], "lr > 0"),
    ("steps-negative-override", "{}", ["--set", "train.steps=-1"], "steps"),
]


@pytest.mark.parametrize("text,extra,says", [c[1:] for c in CONFIG_CASES], ids=[c[0] for c in CONFIG_CASES])
def test_bad_training_config_is_refused(text, extra, says, tmp_path, capsys):
    cfg = tmp_path / "cfg.json"
    if text is not None:
        cfg.write_text(text)
    before = listing(tmp_path)
    rc, _, err = run(["train", "--config", cfg, "--out-dir", tmp_path / "run", *extra], capsys)
    check_refused(rc, err, tmp_path, before, names=[says])


def test_older_versions_still_read_and_refuse_later_fields(motion_file, tmp_path):
    """A version-2 file reads (without ``timestamps``, added in 3); one carrying a ``timestamps`` array is refused
    with the field and its version named, not read as evenly spaced with the array silently dropped (motion file
    versions: hkmr_blender.base.motion.OPTIONAL_FIELDS)."""
    from core.motion import MotionFileError, read_motion

    with np.load(motion_file) as f:
        valid = {k: f[k] for k in f.files}
    for version, later in ((2, "timestamps"), (1, "contacts")):
        path = tmp_path / f"v{version}.npz"
        _v1(valid, path, format_version=np.array(version), contacts=np.zeros((60, 2), bool) if version > 1 else None)
        m = read_motion(path)
        assert m.timestamps is None and (m.contacts is not None) == (version > 1)
        _v1(valid, path, format_version=np.array(version), timestamps=np.arange(60) / 10.0,
            contacts=np.zeros((60, 2), bool))
        with pytest.raises(MotionFileError, match=f"field '{later}' is defined from motion format version"):
            read_motion(path)


def test_converting_timestamps_to_a_format_without_them_warns(motion_file, tmp_path, capsys):
    with np.load(motion_file) as f:
        valid = {k: f[k] for k in f.files}
    src = tmp_path / "vfr.npz"
    _v1(valid, src, timestamps=np.cumsum(np.r_[0, np.full(59, 0.05)]))
    rc, _, err = run(["convert", src, tmp_path / "out.smpl"], capsys)
    assert rc == 0 and "has per-frame timestamps" in err and "evenly spaced" in err, err
    rc, _, err = run(["convert", src, tmp_path / "copy.npz"], capsys)
    assert rc == 0 and "timestamps" not in err
    from core.motion import read_motion

    np.testing.assert_allclose(read_motion(tmp_path / "copy.npz").timestamps, read_motion(src).timestamps)


def test_joint_names_stored_as_bytes_read(motion_file, tmp_path, capsys):
    """numpy 'S' arrays (Python 2 era writers) hold bytes: b'pelvis' is SMPL's 'pelvis', not "joint 0 is 'b'pelvis''"."""
    from core.motion import read_motion

    with np.load(motion_file) as f:
        valid = {k: f[k] for k in f.files}
    src = tmp_path / "bytes.npz"
    _v1(valid, src, joint_names=valid["joint_names"].astype("S"))
    rc, _, err = run(["convert", src, tmp_path / "out.npz"], capsys)
    assert rc == 0, err
    assert read_motion(tmp_path / "out.npz").joint_names == read_motion(motion_file).joint_names


def test_amass_framerate_in_a_one_element_array_reads(tmp_path, capsys):
    src = tmp_path / "clip.npz"
    np.savez(src, poses=np.zeros((5, 156)), trans=np.zeros((5, 3)), mocap_framerate=np.array([60.0]))
    rc, _, err = run(["convert", src, tmp_path / "out.npz"], capsys)
    assert rc == 0, err
    from core.motion import read_motion

    assert read_motion(tmp_path / "out.npz").fps == 60.0


def test_betas_of_a_real_extreme_body_still_read(tmp_path, capsys):
    """The bound on betas (``MAX_BETA``) leaves real bodies alone: ±5 standard deviations convert."""
    src = tmp_path / "clip.npz"
    np.savez(src, poses=np.zeros((5, 156)), trans=np.zeros((5, 3)), mocap_framerate=np.array(60.0),
             betas=np.r_[5.0, -5.0, np.full(14, 4.5)])
    rc, _, err = run(["convert", src, tmp_path / "out.npz"], capsys)
    assert rc == 0, err
    from core.motion import read_motion

    assert read_motion(tmp_path / "out.npz").betas[:2].tolist() == [5.0, -5.0]
