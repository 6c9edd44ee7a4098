"""The shipped BlazePose noise model reproduces the statistics it was calibrated on, and fit_noise inverts apply."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from training.data.detector_noise import GROUPS, LEVELS, DetectorNoise, _swap_flags, fit_noise, occluded_landmarks
from training.data.keypoint_motion import make_motion_pool, project
from training.keypoints.train import NOISE_PATH, resolve_noise


@pytest.fixture(scope="module")
def clean(open_body):
    pool = make_motion_pool(open_body, 48, seed=5)
    lm = pool.landmarks.double().numpy()
    p2 = project(lm, pool.focal[:, None], pool.res)
    world = lm - lm[:, :, 23:25].mean(2, keepdims=True)
    return p2, world, pool.yaw


@pytest.fixture(scope="module")
def noise():
    return DetectorNoise.load(resolve_noise(NOISE_PATH))


def _median_tol(table: np.ndarray, n: int, rho: float) -> np.ndarray:
    """4 standard errors of a sample median: SE ≈ 1 / (2 f(median) √n_eff), f ≈ 0.2 / (q60 − q40) from the
    table; the draws are AR(1)-correlated in time (lag-1 ρ), so n_eff = n (1 − ρ) / (1 + ρ)."""
    i40, i60 = list(LEVELS).index(0.4), list(LEVELS).index(0.6)
    n_eff = n * (1 - rho) / (1 + rho)
    return 4 * (table[..., i60] - table[..., i40]) * 2.5 / np.sqrt(n_eff) + 1e-6


def _close(a, b, tol) -> None:
    bad = np.abs(np.asarray(a) - np.asarray(b)) > tol
    assert not bad.any(), (np.asarray(a)[bad], np.asarray(b)[bad], np.broadcast_to(tol, bad.shape)[bad])


def test_errors_visibility_and_misses_match_the_calibration(clean, noise):
    p2, world, yaw = clean
    quiet = dataclasses.replace(noise, swap={g: np.zeros_like(v) for g, v in noise.swap.items()})
    det = quiet.apply(p2, world, yaw, np.random.default_rng(0))
    side = np.ptp(p2[..., 0], -1).max()  # only for the sanity bound below
    from core.model.keypoint_input import landmark_box

    box_side = np.ptp(landmark_box(p2)[..., [0, 2]], -1)
    e2 = ((det.points2d - p2) / box_side[..., None, None]).reshape(-1, 33, 2)
    n = len(e2)
    stats = noise.meta["stats"]
    _close(np.median(e2, 0), stats["median_err2d"], _median_tol(noise.err2d, n, noise.rho) + 1e-5)  # JSON: 5 decimals
    vis = det.visibility.reshape(-1, 33)
    _close(np.median(vis, 0), stats["median_visibility"], _median_tol(noise.visibility, n, noise.rho) + 1e-4)
    miss = 1 - det.found.mean()
    assert abs(miss - noise.miss) <= 4 * np.sqrt(max(noise.miss, 1e-3) / det.found.size) + 1e-3  # binomial, 4 SE
    assert side > 0


def test_swap_rates_match_the_calibration_per_yaw_bin(clean, noise):
    p2, world, yaw = clean
    det = noise.apply(p2, world, yaw, np.random.default_rng(1))
    t = p2.shape[1]
    # apply() decides swaps per window from the centre frame's |yaw| bin; every frame of a window shares it
    flags = _swap_flags(p2[:, t // 2], det.points2d[:, t // 2])
    bins = np.clip(np.digitize(np.degrees(np.abs(yaw[:, t // 2])), [45, 90, 135]), 0, 3)
    for g in GROUPS:
        for k in np.unique(bins):
            n = (bins == k).sum()
            want = noise.swap[g][k]
            assert abs(flags[g][bins == k].mean() - want) <= 4 * np.sqrt(want * (1 - want) / n) + 2 / n


def test_occluded_landmarks_draw_from_the_occluded_tables(clean, noise):
    p2, world, yaw = clean
    rng = np.random.default_rng(2)
    occ = occluded_landmarks(p2, rng, area=(0.2, 0.2), prob=1.0)
    frac = occ[:, p2.shape[1] // 2].mean()
    assert 0.05 < frac < 0.5  # 20 % of the box covers some landmarks, never most of them
    det = noise.apply(p2, world, yaw, rng, occ)
    med = np.median(det.visibility[occ])
    assert abs(med - noise.meta["stats"]["median_visibility_occluded"]) <= _median_tol(noise.occ_visibility, occ.sum(), noise.rho) + 1e-4


def test_fit_noise_recovers_the_tables_it_sampled(clean, noise):
    """Round trip: detections drawn from the model, fitted again, give back its medians (no occlusion)."""
    p2, world, yaw = clean
    quiet = dataclasses.replace(noise, swap={g: np.zeros_like(v) for g, v in noise.swap.items()}, miss=0.0)
    det = quiet.apply(p2, world, yaw, np.random.default_rng(3))
    f = lambda a: a.reshape(-1, *a.shape[2:])  # noqa: E731
    n = p2.shape[0] * p2.shape[1]
    clips = np.repeat(np.arange(p2.shape[0]), p2.shape[1])
    refit = fit_noise(f(p2), f(det.points2d), f(world), f(det.world), f(det.visibility), np.ones(n, bool),
                      f(yaw), clips, np.zeros((n, 33), bool), np.zeros(n, bool))
    i50 = list(LEVELS).index(0.5)
    _close(refit.err2d[..., i50], noise.err2d[..., i50], _median_tol(noise.err2d, n, noise.rho))
    assert abs(refit.rho - noise.rho) < 0.1  # lag-1 correlation of 48·32 frames × 66 series: SE ≈ 0.004


def test_a_fallen_occluded_detection_does_not_blow_up_the_occluded_3d_table(clean):
    """One occluded frame whose world skeleton BlazePose laid down (rotated 90° about x: its least-squares scale to
    the truth is ~0.04) must not divide the occluded 3D errors up to metres (the 2026-11-29 table: −101 … +44 m)."""
    p2, world, yaw = clean
    f = lambda a: a.reshape(-1, *a.shape[2:])  # noqa: E731
    t2, tw = f(p2)[:64], f(world)[:64]
    n, rng = len(t2), np.random.default_rng(4)
    dw = tw * rng.uniform(0.8, 1.0, (n, 1, 1))  # BlazePose's world skeleton is smaller, frame to frame
    occluder = np.arange(n) >= n // 2
    occluded = np.zeros((n, 33), bool)
    occluded[occluder, 13:17] = True  # the arms under the occluder
    fallen = n - 1
    dw[fallen] = tw[fallen][:, [0, 2, 1]] * [1, -1, 1]  # (x, y, z) → (x, −z, y)
    assert abs((dw[fallen] * tw[fallen]).sum() / (tw[fallen] ** 2).sum()) < 0.2  # the scale that used to divide
    d2 = t2 + rng.normal(0, 2.0, t2.shape)  # pixels
    fit = fit_noise(t2, d2, tw, dw, np.ones((n, 33)), np.ones(n, bool), np.zeros(n), np.zeros(n, int),
                    occluded, occluder)
    bound = np.abs(dw).max() / 0.8 + np.abs(tw).max()  # the scale is clamped to the clear frames' range (≥ 0.8)
    assert np.abs(fit.occ_err3d).max() <= bound < 3.0
    assert fit.meta["stats"]["frames_occluded_scale_clamped"] >= 1


def test_shipped_occluded_3d_errors_are_bounded_with_the_calibrations_spread(clean, noise):
    """Every landmark under an occluder, no swaps, scale 1: the sampled 3D errors stay within a body's size and their
    per-axis interquartile range is the calibration's (its raw detector-on-render errors, meta stats)."""
    p2, world, yaw = clean
    quiet = dataclasses.replace(noise, swap={g: np.zeros_like(v) for g, v in noise.swap.items()},
                                scale3d=np.ones_like(noise.scale3d))
    occ = np.ones(p2.shape[:3], bool)
    e3 = (quiet.apply(p2, world, yaw, np.random.default_rng(5), occ).world - world).reshape(-1, 3)
    assert np.abs(e3).max() < 2.5  # metres; a body is < 2 m tall and BlazePose's landmarks lie on one
    iqr = np.subtract(*np.quantile(e3, [0.75, 0.25], 0))
    q25, q75 = np.asarray(noise.meta["stats"]["occluded_err3d_q25_q75_m"]).T
    assert np.allclose(iqr, q75 - q25, rtol=0.15), (iqr, q75 - q25)
    assert (iqr < 0.5).all()
