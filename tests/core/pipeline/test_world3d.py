"""``hkmr infer --world3d lifter``: the world lifter's 3D in place of BlazePose's, on the vendored real walk."""
from __future__ import annotations

import numpy as np
import pytest

from core.assets import REAL_DEMO_CLIP
from core.body.landmark_points import landmark_points
from core.cli import main
from core.fitting.terms import HIPS
from core.motion import read_motion
from core.pipeline.run import RealOptions, run_real


def test_an_unknown_3d_source_is_refused_by_its_option():
    with pytest.raises(ValueError, match="--world3d 'x' is not one of blazepose, lifter"):
        RealOptions(world3d="x").validate()
    assert RealOptions().world3d == "blazepose"  # the default (docs/experiments.md: not better on held-out renders)


def _centred(p: np.ndarray) -> np.ndarray:
    return p - p[:, list(HIPS)].mean(1, keepdims=True)


def test_the_lifter_path_runs_end_to_end_and_the_fit_follows_its_3d(open_body, tmp_path):
    import torch

    lifted = run_real(str(REAL_DEMO_CLIP), str(tmp_path / "l.npz"), open_body, RealOptions(world3d="lifter"))
    plain = run_real(str(REAL_DEMO_CLIP), str(tmp_path / "b.npz"), open_body, RealOptions())
    f = lifted.landmarks.found & plain.landmarks.found
    assert f.sum() >= 90 and lifted.valid_frames >= 90
    np.testing.assert_array_equal(lifted.landmarks.points2d, plain.landmarks.points2d)  # only the 3D differs
    assert lifted.landmarks.world_from == "lifter" and plain.landmarks.world_from == "blazepose"  # (facing turn)
    wl, wb = _centred(lifted.landmarks.world[f]), _centred(plain.landmarks.world[f])
    assert np.linalg.norm(wl - wb, axis=-1).mean() > 0.02                              # it is another 3D
    np.testing.assert_allclose(wl[:, list(HIPS)].mean(1), 0, atol=1e-5)                 # hip-centred, as BlazePose's
    fit = lifted.fit
    with torch.no_grad():
        t = lambda a: torch.as_tensor(np.asarray(a), dtype=torch.float32)  # noqa: E731
        body_pts = landmark_points(open_body, t(fit.rotmats), t(fit.betas).expand(len(fit.rotmats), -1),
                                   t(fit.transl)).numpy()[f]
    limbs = [11, 12, 13, 14, 15, 16, 23, 24, 25, 26, 27, 28]
    to_lifted = np.linalg.norm(_centred(body_pts) - wl, axis=-1)[:, limbs].mean()
    to_blazepose = np.linalg.norm(_centred(body_pts) - wb, axis=-1)[:, limbs].mean()
    assert to_lifted < to_blazepose, (to_lifted, to_blazepose)  # the fit followed the lifter's 3D
    assert read_motion(lifted.output).valid.sum() == lifted.valid_frames


def test_the_cli_option_reaches_the_path(tmp_path):
    out = tmp_path / "m.npz"
    assert main(["infer", str(REAL_DEMO_CLIP), "-o", str(out), "--world3d", "lifter"]) == 0
    assert read_motion(str(out)).valid.sum() >= 90
