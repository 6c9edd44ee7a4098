"""ClipFitConfig.landmark_offsets: the fit compares BlazePose's landmarks with the points where BlazePose puts them.

A detector that places its limb landmarks at the shipped offsets from the joints (what bench/landmark_placement.py
measured BlazePose to do) is simulated exactly; the fit that knows the offsets recovers the body better — its
joints, depth included — than the fit that takes the landmarks for the joints."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch

from core.body.landmark_offsets import fit_points, load_landmark_offsets
from core.detect.simulated import simulate_landmarks
from core.fitting.clip import ClipFitConfig, fit_clip
from core.fitting.shape import betas_from_bone_lengths, bone_lengths, median_bone_lengths
from tests.core.fitting.test_clip import CAM, FAST, SIZE, _clip


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def _offset_detector(body, rot, betas, transl):
    """Exact landmarks, its limb landmarks where the shipped offsets put them (2D and hip-centred 3D)."""
    n = len(rot)
    lm = simulate_landmarks(body, rot, betas, transl, CAM, SIZE, 30.0, noise=None)
    off = torch.as_tensor(load_landmark_offsets().offsets)
    with torch.no_grad():
        pts = fit_points(body, rot, betas.expand(n, -1), off, transl)
    lm.points2d[:] = CAM.project(pts).numpy()
    w = pts.double().numpy()
    lm.world[:] = w - w[:, [23, 24]].mean(1, keepdims=True)
    return lm, off


def test_the_fit_with_the_offsets_recovers_the_body_that_the_detector_saw(open_body):
    n = 24
    rot, betas, transl = _clip(n, seed=5)
    lm, off = _offset_detector(open_body, rot, betas, transl)
    # the shape from the world landmarks' bones: knowing where the landmarks sit gives the true bones back
    target = median_bone_lengths(lm)[0]
    eye = torch.eye(3).expand(1, 24, 3, 3)
    with torch.no_grad():
        truth = bone_lengths(fit_points(open_body, eye, betas[None], off))[0].numpy()
        on = bone_lengths(fit_points(open_body, eye, betas_from_bone_lengths(open_body, target, offsets=True)[None],
                                     off))[0].numpy()
    np.testing.assert_allclose(on, truth, atol=0.01)
    cfg = replace(FAST, lock_feet=False)

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
    assert joint_error(placed) < 0.02                           # exact landmarks: the right points fit to ~cm
    assert joint_error(placed) < 0.6 * joint_error(plain)
    assert np.nanmedian(placed.reprojection) < 0.5 * np.nanmedian(plain.reprojection)
