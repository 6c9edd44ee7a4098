"""The `hkmr` command: core subcommands run, errors are one clear line, plugins register."""
from __future__ import annotations

import numpy as np

from core.cli import build_parser, main
from hkmr_blender.base import read_motion
from tests.conftest import make_smpl_arrays


def test_body_command_reports_and_writes_motion(tmp_path, capsys):
    np.savez(tmp_path / "SMPL_NEUTRAL.npz", **make_smpl_arrays())
    out = tmp_path / "walk.npz"
    assert main(["body", "--model", str(tmp_path), "--write-motion", str(out)]) == 0
    text = capsys.readouterr().out
    assert "chain root: pelvis → spine1 → spine2 → spine3" in text
    motion = read_motion(out)
    assert motion.num_frames == 60 and motion.rest_joints is not None and motion.mesh is not None
    assert np.ptp(motion.trans[:, 2]) > 2.0  # it walks forward


def test_convert_between_formats(tmp_path, capsys):
    np.savez(tmp_path / "SMPL_NEUTRAL.npz", **make_smpl_arrays())
    main(["body", "--model", str(tmp_path), "--write-motion", str(tmp_path / "m.npz")])
    assert main(["convert", str(tmp_path / "m.npz"), str(tmp_path / "m.smpl")]) == 0
    np.testing.assert_allclose(read_motion(tmp_path / "m.smpl").poses, read_motion(tmp_path / "m.npz").poses,
                               atol=1e-6)


def test_errors_are_one_line_without_traceback(tmp_path, capsys):
    assert main(["convert", str(tmp_path / "missing.npz"), str(tmp_path / "x.npz")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "file not found" in err and "Traceback" not in err
    assert main(["body", "--model", str(tmp_path / "nope.pkl")]) == 2
    assert "smpl.is.tue.mpg.de" in capsys.readouterr().err


def test_subcommands_listed():
    text = build_parser().format_help()
    for name in ("body", "convert", "infer", "demo", "train", "eval", "export"):
        assert name in text


def test_building_the_parser_imports_no_torch():
    """`hkmr --help`, `hkmr convert` start fast: providers load torch only when their command runs."""
    import subprocess
    import sys

    code = "import sys; from core.cli import build_parser; build_parser(); print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
