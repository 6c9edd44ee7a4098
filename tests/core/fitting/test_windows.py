"""The clip fit's streamed windows (core.fitting.windows): the streamed fit equals the in-memory one, an
interrupted fit resumes from its last finished window to the same result, windows fitted from other inputs are
never reused, and nothing of the body model's size is computed for more than a block of frames at a time."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import core.fitting.clip as clip_mod
from core.detect.simulated import DetectorNoise, simulate_landmarks
from core.fitting.clip import fit_clip
from core.fitting.windows import BLOCK, WindowStore, window_bounds

from .test_clip import CAM, FAST, SIZE, _clip, _one_thread  # noqa: F401  (the module's one-thread fixture)


@pytest.fixture(scope="module")
def landmarks(open_body):
    rot, betas, transl = _clip(70, seed=3)
    return simulate_landmarks(open_body, rot, betas, transl, CAM, SIZE, 30.0, noise=DetectorNoise(), seed=1)


def _same(a, b):
    np.testing.assert_allclose(a.rotmats, b.rotmats, atol=1e-6)
    np.testing.assert_allclose(a.transl, b.transl, atol=1e-6)
    assert np.array_equal(a.point_contacts, b.point_contacts)


class Stop(Exception):
    pass


def test_window_bounds_cover_the_clip_with_the_overlap():
    assert window_bounds(70, 20, 5) == [(0, 20), (15, 35), (30, 50), (45, 65), (60, 70)]
    assert window_bounds(10, 20, 5) == [(0, 10)]


def test_streamed_fit_equals_in_memory_and_resumes_from_the_last_window(open_body, landmarks, tmp_path,
                                                                          monkeypatch):
    plain = fit_clip(open_body, landmarks, camera=CAM, cfg=FAST)
    store = WindowStore(tmp_path / "fit")
    _same(fit_clip(open_body, landmarks, camera=CAM, cfg=FAST, store=store), plain)
    per_pass = len(window_bounds(70, FAST.window, FAST.overlap))
    assert len(list(store.path.glob("p*_w*.npz"))) == FAST.passes * per_pass  # start, fit, lock rounds

    # interrupted in the middle of the main pass: the windows finished so far stay on disk
    resumed = WindowStore(tmp_path / "again")
    n = landmarks.num_frames

    def stop_mid_fit(done, total):
        if done >= n + 35:  # pass 1, after its second window
            raise Stop

    with pytest.raises(Stop):
        fit_clip(open_body, landmarks, camera=CAM, cfg=FAST, store=resumed, progress=stop_mid_fit)
    kept = sorted(p.name for p in resumed.path.glob("*.npz"))
    assert kept == [f"p0_w{k:05d}.npz" for k in range(per_pass)] + ["p1_w00000.npz", "p1_w00001.npz"]
    stamps = {p.name: p.stat().st_mtime_ns for p in resumed.path.glob("*.npz")}

    fitted = []
    real_optimise = clip_mod._optimise
    monkeypatch.setattr(clip_mod, "_optimise", lambda *a, **k: fitted.append(1) or real_optimise(*a, **k))
    _same(fit_clip(open_body, landmarks, camera=CAM, cfg=FAST, store=resumed), plain)
    # only the windows after the interruption were fitted; the finished ones were read, not rewritten
    assert len(fitted) == FAST.passes * per_pass - len(kept)
    assert all(resumed.path.joinpath(k).stat().st_mtime_ns == t for k, t in stamps.items())


def test_windows_fitted_from_other_inputs_are_refitted(open_body, landmarks, tmp_path, monkeypatch):
    store = WindowStore(tmp_path / "fit")
    fit_clip(open_body, landmarks, camera=CAM, cfg=FAST, store=store)
    other_start = np.broadcast_to(np.eye(3, dtype=np.float32), (landmarks.num_frames, 24, 3, 3)).copy()
    fitted = []
    real_optimise = clip_mod._optimise
    monkeypatch.setattr(clip_mod, "_optimise", lambda *a, **k: fitted.append(1) or real_optimise(*a, **k))
    got = fit_clip(open_body, landmarks, camera=CAM, cfg=FAST, store=store, init_rotmats=other_start)
    reused = len(fitted)
    fitted.clear()
    _same(got, fit_clip(open_body, landmarks, camera=CAM, cfg=FAST, init_rotmats=other_start))
    assert reused == len(fitted) >= 2 * len(window_bounds(70, FAST.window, FAST.overlap))  # nothing reused


@pytest.mark.parametrize("change", ["settings", "shape"])
def test_windows_of_a_fit_with_other_settings_or_shape_are_refitted(open_body, landmarks, tmp_path, monkeypatch,
                                                                    change):
    """A resumed run with other fit settings (e.g. the 3D term's weight) or another shape (``--height``) whose first
    windows start from the same state: nothing stale is replayed, the result is the fresh fit's."""
    import dataclasses
    store = WindowStore(tmp_path / "fit")
    fit_clip(open_body, landmarks, camera=CAM, cfg=FAST, store=store)
    kw = ({"cfg": dataclasses.replace(FAST, w3d=FAST.w3d * 3)} if change == "settings" else
          {"cfg": FAST, "init_betas": np.full(open_body.num_betas, 0.5, np.float32)})
    fitted = []
    real_optimise = clip_mod._optimise
    monkeypatch.setattr(clip_mod, "_optimise", lambda *a, **k: fitted.append(1) or real_optimise(*a, **k))
    got = fit_clip(open_body, landmarks, camera=CAM, store=store, **kw)
    reused = len(fitted)
    fitted.clear()
    _same(got, fit_clip(open_body, landmarks, camera=CAM, **kw))
    assert reused == len(fitted) >= 2 * len(window_bounds(70, FAST.window, FAST.overlap))  # nothing reused


def test_a_truncated_window_file_is_fitted_again(open_body, landmarks, tmp_path):
    store = WindowStore(tmp_path / "fit")
    plain = fit_clip(open_body, landmarks, camera=CAM, cfg=FAST, store=store)
    f = store.path / "p1_w00002.npz"
    f.write_bytes(f.read_bytes()[:100])
    _same(fit_clip(open_body, landmarks, camera=CAM, cfg=FAST, store=store), plain)


def test_body_points_are_computed_a_block_at_a_time(open_body, monkeypatch):
    """Memory does not grow with the clip beyond small per-frame arrays: no body-model call outside the
    windows sees more than BLOCK frames (a clip 2.5 blocks long, a fit of few iterations)."""
    n = int(BLOCK * 2.5)
    rot, betas, transl = _clip(n, seed=4)
    lm = simulate_landmarks(open_body, rot, betas, transl, CAM, SIZE, 30.0, noise=None)
    sizes = []
    real = clip_mod.landmark_points
    monkeypatch.setattr(clip_mod, "landmark_points", lambda b, r, *a, **k: sizes.append(len(r)) or real(b, r, *a, **k))
    cfg = type(FAST)(window=96, overlap=16, start_iterations=1, iterations=1, lock_iterations=1)
    fit = fit_clip(open_body, lm, camera=CAM, cfg=cfg)
    assert len(fit.transl) == n and max(sizes) == BLOCK
    assert fit.rotmats.dtype == np.float32  # the fit's precision, not a float64 copy of every frame


def test_keypoint_windows_are_built_a_chunk_at_a_time(monkeypatch):
    """The start stage's keypoint model sees a centred window per frame: built per chunk, never all at once."""
    import core.inference.keypoint_regressor as kr
    from core.inference.keypoint_regressor import load_keypoint_model, regress_features
    from core.model.keypoint_input import NUM_CHANNELS

    model = load_keypoint_model()
    feats = np.random.default_rng(0).normal(0, 0.3, (300, 33, NUM_CHANNELS)).astype(np.float32)
    sizes = []
    real = kr.frame_windows
    monkeypatch.setattr(kr, "frame_windows", lambda *a, **k: sizes.append(a[3] - a[2]) or real(*a, **k))
    chunked = regress_features(model, feats, chunk=64)
    assert max(sizes) == 64 and sum(sizes) == 300
    whole = regress_features(model, feats, chunk=1024)
    torch.testing.assert_close(chunked.rotmats, whole.rotmats, atol=1e-5, rtol=0)
    asked = []  # features computed per chunk with its margins, never for the whole clip
    lazy = regress_features(model, lambda lo, hi: asked.append(hi - lo) or feats[lo:hi], chunk=64, frames=300)
    torch.testing.assert_close(lazy.rotmats, chunked.rotmats, atol=0, rtol=0)
    assert max(asked) <= 64 + model.config.keypoints.window - 1
