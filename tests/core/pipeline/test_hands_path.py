"""``hkmr infer --hands`` on real frames (24 frames of core/assets/walk.mp4, 3 of them blank): the motion file gets
SMPL-H finger rotations within the joint limits, AMASS conversion carries them into ``poses[:, 66:156]``, and
``--hands`` refuses the raw network path."""
from __future__ import annotations

import numpy as np

from core.cli import main
from core.fitting.hands import LIMITS
from core.motion import read_motion
from hkmr_blender.base.motion import load_npz
from hkmr_blender.base.progress import parse_line
from tests.core.pipeline.test_real_path import BLANK, clip  # noqa: F401 — the shared real clip fixture


def test_infer_hands_writes_finger_rotations(clip, tmp_path, capsys):  # noqa: F811
    out = tmp_path / "hands.npz"
    assert main(["infer", clip, "-o", str(out), "--hands", "--progress", "json"]) == 0
    # the hands stage reports its progress (Blender's bar): after the fit, rising to frames × 2 (detection, then fit)
    lines = [parse_line(x) for x in capsys.readouterr().out.splitlines()]
    stages = [d["stage"] for k, d in filter(None, lines) if k == "progress"]
    hands = [(d["done"], d["total"]) for k, d in filter(None, lines) if k == "progress" and d["stage"] == "hands"]
    assert stages.index("hands") > max(i for i, st in enumerate(stages) if st == "fit")
    assert len(hands) >= 2 and hands[-1] == (48, 48) and all(b >= a for a, b in zip(hands, hands[1:]))
    m = read_motion(out)
    assert m.hand_pose is not None and m.hand_pose.shape == (24, 90) and np.isfinite(m.hand_pose).all()
    angles = np.linalg.norm(m.hand_pose.reshape(24, 30, 3), axis=-1)
    largest = max(abs(v) for lim in LIMITS for pair in lim for v in pair)
    assert angles.max() <= np.sqrt(3) * largest + 1e-6  # bounded by the joint limits
    assert angles.mean() > np.radians(3)  # real fingers are not flat and not a constant zero
    # v6: which frames saw each hand (the clip's 3 blank frames saw none); the rest is the fit's bridge
    assert m.hand_seen is not None and m.hand_seen.shape == (24, 2) and m.hand_seen.any()
    assert not m.hand_seen[list(BLANK)].any()
    assert main(["convert", str(out), str(tmp_path / "hands.amass.npz")]) == 0
    amass = load_npz(tmp_path / "hands.amass.npz")
    np.testing.assert_allclose(amass["poses"][:, 66:], m.hand_pose)


def test_hands_need_the_fit_path(clip, tmp_path, capsys):  # noqa: F811
    assert main(["infer", clip, "-o", str(tmp_path / "x.npz"), "--hands", "--no-fit"]) != 0
    assert "--hands needs the default path" in capsys.readouterr().err
    assert not (tmp_path / "x.npz").exists()
