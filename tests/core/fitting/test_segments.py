"""Where a long clip's segments lie and how their fits are stitched (core.fitting.segments)."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from core.fitting.segments import FIT_ARRAYS, Segment, Stitcher, blend_overlap, segment_after


def _fit(lo: int, hi: int, seed: int) -> dict[str, np.ndarray]:
    """A fake fit of frames [lo, hi): frame i's values depend on i only (and on ``seed`` for rotation noise)."""
    i = np.arange(lo, hi)
    rng = np.random.default_rng(seed)
    rot = Rotation.from_rotvec(np.stack([0.01 * i, 0.02 * np.sin(0.1 * i), 0 * i], 1)[:, None].repeat(24, 1)
                               .reshape(-1, 3) + 0.001 * seed * rng.standard_normal(((hi - lo) * 24, 3)))
    return {"rotmats": rot.as_matrix().reshape(-1, 24, 3, 3).astype(np.float32),
            "transl": np.stack([0.01 * i, 0 * i, 3 + 0 * i], 1).astype(np.float64),
            "reprojection_px": i.astype(np.float64), "reprojection": i / 100.0,
            "contacts": np.stack([i % 2 == 0, i % 3 == 0], 1), "point_contacts": np.zeros((len(i), 4), bool),
            "valid": np.full(len(i), seed % 2 == 0)}


def test_segment_length_depends_on_the_clip_only():
    # 1.5 segments or more left: a nominal segment once its margin is detected; fewer: the rest of the clip
    assert segment_after(0, 100, 16, 150, False) == (100, 116)
    assert segment_after(0, 100, 16, 149, False) == (None, 150)
    assert segment_after(0, 100, 16, 149, True) == (149, 149)
    assert segment_after(200, 100, 16, 400, True) == (300, 316)
    assert segment_after(200, 100, 16, 340, True) == (340, 340)
    # the container's count decides without waiting for the next half segment...
    assert segment_after(0, 100, 16, 116, False, expected=1000) == (100, 116)
    assert segment_after(0, 100, 16, 110, False, expected=1000) == (None, 116)
    # ...and a container that counted more frames than there are gives a last segment of what is there
    assert segment_after(0, 100, 16, 110, True, expected=1000) == (110, 110)
    assert segment_after(0, 100, 16, 120, True, expected=1000) == (100, 116)


def test_stitched_segments_of_one_motion_give_that_motion():
    n, margin = 330, 16
    bounds = [(0, 100), (100, 200), (200, n)]
    st = Stitcher()
    for k, (a, b) in enumerate(bounds):
        seg = Segment.make(k, a, b, n, margin)
        st.add(seg, _fit(seg.lo, seg.hi, 0), last=k == len(bounds) - 1)
    whole, ref = st.result(), _fit(0, n, 0)
    assert set(whole) == set(FIT_ARRAYS) and len(whole["transl"]) == n
    np.testing.assert_allclose(whole["rotmats"], ref["rotmats"], atol=1e-6)
    np.testing.assert_allclose(whole["transl"], ref["transl"], atol=1e-12)
    for k in ("reprojection", "contacts", "valid"):
        assert np.array_equal(whole[k], ref[k])


def test_overlap_blends_from_the_left_fit_to_the_right_one():
    left, right = _fit(0, 32, 0), _fit(0, 32, 1)
    right["transl"] = right["transl"] + np.array([0.0, 0.0, 0.32])
    out = blend_overlap(left, right)
    dz = out["transl"][:, 2] - left["transl"][:, 2]
    np.testing.assert_allclose(dz, 0.32 * np.arange(1, 33) / 33)  # linear from the left fit to the right one
    r = out["rotmats"].astype(np.float64)
    np.testing.assert_allclose(r @ np.swapaxes(r, -1, -2), np.broadcast_to(np.eye(3), r.shape), atol=1e-5)
    assert out["valid"][:16].all() and not out["valid"][16:].any()  # flags cut at the middle


def test_segments_must_come_in_order():
    st = Stitcher()
    st.add(Segment.make(0, 0, 100, 330, 16), _fit(0, 116, 0), last=False)
    seg = Segment.make(2, 200, 330, 330, 16)
    with pytest.raises(ValueError, match="does not follow"):
        st.add(seg, _fit(seg.lo, seg.hi, 0), last=True)
    with pytest.raises(ValueError, match="last segment"):
        st.result()
