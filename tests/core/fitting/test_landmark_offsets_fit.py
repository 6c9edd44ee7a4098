"""ClipFitConfig.landmark_offsets: the fit compares BlazePose's landmarks with the points where BlazePose puts them.

A detector that places its limb landmarks at offsets from the joints (as bench/landmark_placement.py measured
BlazePose to do; here larger, 7 cm, so that the effect stands well above the short test fit's own error) is simulated
exactly; the fit that knows the offsets recovers the body better — its joints, depth included — than the fit that
takes the landmarks for the joints."""
from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest
import torch

import core.body.landmark_offsets as lo
from core.body.landmark_offsets import OFFSET_LANDMARKS, fit_points, load_landmark_offsets
from core.detect.landmarks import BLAZEPOSE_NAMES
from core.detect.simulated import simulate_landmarks
from core.fitting.clip import ClipFitConfig, fit_clip
from tests.core.fitting.test_clip import CAM, FAST, SIZE, _clip


@pytest.fixture()
def big_offsets(tmp_path, monkeypatch):
    """An offsets file in the shipped format: every limb landmark 0.15 torso lengths (~7 cm) off its joint,
    mirrored; the fit reads it as it reads the shipped one."""
    vec = {"shoulder": [-0.15, 0.05, 0.0], "elbow": [0.0, -0.1, 0.1], "wrist": [0.0, 0.0, 0.15],
           "hip": [0.1, 0.1, 0.1], "knee": [0.0, 0.0, 0.15], "ankle": [0.0, 0.15, 0.0]}
    doc = {"format": "hkmr-landmark-offsets", "offsets": {}}
    for i in OFFSET_LANDMARKS:
        side, part = BLAZEPOSE_NAMES[i].split("_")
        doc["offsets"][BLAZEPOSE_NAMES[i]] = {"offset": [v * (-1 if side == "right" and k == 0 else 1)
                                                         for k, v in enumerate(vec[part])], "bone": "parent"}
    path = tmp_path / "offsets.json"
    path.write_text(json.dumps(doc))
    monkeypatch.setattr(lo, "LANDMARK_OFFSETS_PATH", str(path))
    return load_landmark_offsets()


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _offset_detector(body, rot, betas, transl, off):
    """Exact landmarks, its limb landmarks where ``off`` puts them (2D and hip-centred 3D)."""
    n = len(rot)
    lm = simulate_landmarks(body, rot, betas, transl, CAM, SIZE, 30.0, noise=None)
    with torch.no_grad():
        pts = fit_points(body, rot, betas.expand(n, -1), off, transl)
    lm.points2d[:] = CAM.project(pts).numpy()
    w = pts.double().numpy()
    lm.world[:] = w - w[:, [23, 24]].mean(1, keepdims=True)
    return lm


def test_the_fit_with_the_offsets_recovers_the_body_that_the_detector_saw(open_body, big_offsets):
    n = 24
    rot, betas, transl = _clip(n, seed=5)
    off = big_offsets
    lm = _offset_detector(open_body, rot, betas, transl, off)
    # this detector's depth is exact, as good as its x and y: the 3D term weighs it so (the default halves it for
    # BlazePose's, its worst axis; ClipFitConfig.w3d_depth)
    cfg = replace(FAST, lock_feet=False, w3d_depth=1.0)

    def joint_error(fit):
        with torch.no_grad():
            j = open_body.joints(torch.as_tensor(fit.rotmats), torch.as_tensor(fit.betas, dtype=torch.float32)
                                 .expand(n, -1), torch.as_tensor(fit.transl, dtype=torch.float32))
            t = open_body.joints(rot, betas.expand(n, -1), transl)
        return float((j - t).norm(dim=-1).mean())

    kw = dict(init_betas=betas.numpy())                        # the same true shape for both: only the points differ
    plain = fit_clip(open_body, lm, cfg=cfg, **kw)
    placed = fit_clip(open_body, lm, cfg=replace(cfg, landmark_offsets="all"), **kw)
    assert ClipFitConfig().landmark_offsets == "none"          # opt-in (docs/fitting.md)
    assert joint_error(placed) < 0.6 * joint_error(plain)
    assert np.nanmedian(placed.reprojection) < 0.5 * np.nanmedian(plain.reprojection)
