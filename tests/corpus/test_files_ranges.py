"""Corpus: motion files of the right shape holding values no body or Blender can use (issue 19's spirit: the reader
refuses them with a message naming the file, the field and the fix; `hkmr convert` exits 2 and writes nothing), and
the legitimate extremes that still read (300 betas: the SMPL family's largest shape space)."""
from __future__ import annotations

import numpy as np
import pytest

from hkmr_blender.base.motion_ranges import MAX_BETAS, MAX_TRANS, dropped_betas

from .conftest import check_refused, listing, run
from .test_files import _v1

# (id, how to damage the valid walk.npz (60 frames): fn(valid_arrays, path), what the message says)
RANGE_CASES = [
    ("betas-301", lambda d, p: _v1(d, p, betas=np.zeros(MAX_BETAS + 1)),
     "field 'betas' has 301 shape coefficients, more than any SMPL-family body model has (300)"),
    ("trans-1e12", lambda d, p: _v1(d, p, trans=np.full((60, 3), 1e12)),
     "field 'trans': frame 0 lies 1e+12 m out along an axis, beyond ±10000 m"),
    ("trans-one-frame-2e4", lambda d, p: _v1(d, p, trans=np.where(np.arange(60)[:, None] == 7, 2e4, d["trans"])),
     "field 'trans': frame 7 lies 2e+04 m"),
    ("frame-index-negative", lambda d, p: _v1(d, p, frame_index=np.arange(60) - 5),
     "field 'frame_index' starts at -5: source frame numbers count from 0"),
    ("valid-all-false", lambda d, p: _v1(d, p, valid=np.zeros(60, bool)),
     "field 'valid' is False on all 60 frames: the person was never found"),
    ("v2-with-hand-pose", lambda d, p: _v1(d, p, format_version=np.array(2), hand_pose=np.zeros((60, 90))),
     "field 'hand_pose' is defined from motion format version 4, but the file says version 2"),
    ("v4-with-view", lambda d, p: _v1(d, p, format_version=np.array(4), view_K=np.eye(3),
                                      view_size=np.array([640, 480]), view_R=np.tile(np.eye(3), (60, 1, 1)),
                                      view_t=np.zeros((60, 3))),
     "field 'view_K' is defined from motion format version 5, but the file says version 4"),
    ("v5-with-hand-seen", lambda d, p: _v1(d, p, format_version=np.array(5), hand_pose=np.zeros((60, 90)),
                                           hand_seen=np.ones((60, 2), bool)),
     "field 'hand_seen' is defined from motion format version 6"),
    ("amass-betas-400", lambda d, p: np.savez(p, poses=np.zeros((5, 156)), trans=np.zeros((5, 3)),
                                              mocap_framerate=np.array(60.0), betas=np.zeros(400)),
     "field 'betas' has 400 shape coefficients"),
    ("amass-trans-1e12", lambda d, p: np.savez(p, poses=np.zeros((5, 156)), trans=np.full((5, 3), -1e12),
                                               mocap_framerate=np.array(60.0), betas=np.zeros(16)),
     "field 'trans': frame 0 lies 1e+12 m"),
]


@pytest.mark.parametrize("damage,says", [c[1:] for c in RANGE_CASES], ids=[c[0] for c in RANGE_CASES])
@pytest.mark.parametrize("out", ["out.npz", "out.amass.npz", "out.smpl"])
def test_out_of_range_motion_file_is_refused(damage, says, out, motion_file, tmp_path, capsys):
    with np.load(motion_file) as f:
        valid = {k: f[k] for k in f.files}
    bad = tmp_path / "bad.npz"
    damage(valid, bad)
    before = listing(tmp_path)
    rc, _, err = run(["convert", bad, tmp_path / out], capsys)
    check_refused(rc, err, tmp_path, before, names=[bad, says])
    assert len(err.strip().splitlines()) == 1, err   # one line: the file, the field, the fix


def test_the_edges_of_the_ranges_still_read(motion_file, tmp_path, capsys):
    """300 betas (SMPL 1.1 / SMPL-X 2020's shape space), a root MAX_TRANS m out and a clip starting at source frame 0
    convert; the 300 coefficients survive an HKMR → HKMR copy."""
    from hkmr_blender.base import read_motion

    with np.load(motion_file) as f:
        valid = {k: f[k] for k in f.files}
    betas = np.random.default_rng(0).normal(0, 1, MAX_BETAS)
    src = tmp_path / "edge.npz"
    _v1(valid, src, betas=betas, trans=np.full((60, 3), -MAX_TRANS), frame_index=np.arange(60),
        valid=np.arange(60) == 59)
    rc, _, err = run(["convert", src, tmp_path / "copy.npz"], capsys)
    assert rc == 0, err
    np.testing.assert_array_equal(read_motion(tmp_path / "copy.npz").betas, betas)


def test_betas_the_body_has_no_room_for_are_dropped_with_a_warning(motion_file, tmp_path, capsys):
    """As smplx and AMASS's readers do (``betas[:num_betas]``), a body with fewer shape directions than the file has
    uses its own count; when that drops non-zero coefficients the user is told (here: a 300-beta AMASS file to
    .smpl, whose Y-up needs the rest joints of the open body, 10 betas). Zero padding (HKMR's 10 → AMASS's 16) is
    not a loss and says nothing."""
    betas = np.zeros(MAX_BETAS)
    betas[:10], betas[200] = 0.5, 0.25
    src = tmp_path / "wide.npz"
    np.savez(src, poses=np.zeros((5, 156)), trans=np.zeros((5, 3)), mocap_framerate=np.array(60.0), betas=betas,
             gender=np.array("neutral"))
    rc, _, err = run(["convert", src, tmp_path / "out.smpl"], capsys)
    assert rc == 0 and "has 300 shape coefficients; the body model uses 10, so the other 290 (largest |0.25|) are " \
                       "dropped" in err and str(src) in err, err
    assert dropped_betas(np.r_[np.ones(10), np.zeros(6)], 10) is None
    assert dropped_betas(np.ones(10), 16) is None
