"""The world lifter's training (python -m training.lifter) and the shipped file (core/model/assets/world_lifter.pt)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import torch

from core.model.world_lifter import WORLD_LIFTER_PATH, lift_features, load_world_lifter, read_meta
from training.data.detector_noise import DetectorNoise
from training.data.keypoint_batches import OcclusionSpec, sample_batch
from training.data.keypoint_motion import make_motion_pool
from training.keypoints.train import NOISE_PATH, resolve_noise
from training.lifter.train import LifterExperiment

ROOT = Path(__file__).resolve().parents[2]


def test_shipped_lifter_loads_weights_only_with_its_recipe_and_note():
    raw = torch.load(WORLD_LIFTER_PATH, map_location="cpu", weights_only=True)
    assert raw["format"] == "hkmr-world-lifter"
    meta = read_meta()
    recipe = json.loads((ROOT / "training" / "configs" / "lifter" / "world_lifter.json").read_text())
    # read through the recipe's dataclasses: keys added since the file was trained (model.dilated,
    # train.vel_weight, train.leg_flip_prob) take their defaults, which are the old behaviour
    shipped = LifterExperiment.from_dict(meta["recipe"]).to_dict()
    # the recipe in the repo is the one the weights were trained with; only the mocap set's folder differs (it was
    # built outside the repository, docs/keypoint-model.md "The world lifter")
    assert LifterExperiment.from_dict(recipe).to_dict()["model"] == shipped["model"]
    want, got = dict(LifterExperiment.from_dict(recipe).to_dict()["train"]), dict(shipped["train"])
    assert Path(got.pop("mocap")).name == Path(want.pop("mocap")).name == "mocap"
    assert want == got
    assert "CMU" in meta["note"] and "subjects 2 and 3" in meta["note"]


def test_shipped_lifter_brings_simulated_detections_closer_to_the_truth(open_body):
    """Clips of the synthetic sampler under a pool seed no training run used, seen through the calibrated BlazePose
    noise: the lifter's 3D must be clearly nearer the true landmark points than the noisy world landmarks it read."""
    model = load_world_lifter()
    pool = make_motion_pool(open_body, 24, seed=321)
    noise = DetectorNoise.load(resolve_noise(NOISE_PATH))
    b = sample_batch(pool, 256, model.cfg.window, np.random.default_rng(5), noise, OcclusionSpec(prob=0.0))
    target = b.targets["landmarks_3d"].numpy()
    with torch.no_grad():
        lifted = model(b.inputs).numpy()
    given = b.inputs[:, model.cfg.window // 2, :, 3:].numpy()
    given = given - given[:, 23:25].mean(1, keepdims=True)
    err_lifted = np.linalg.norm(lifted - target, axis=-1).mean()
    err_given = np.linalg.norm(given - target, axis=-1).mean()
    assert err_lifted < 0.75 * err_given, (err_lifted, err_given)


def test_lift_features_runs_on_a_clip_shorter_than_the_window():
    model = load_world_lifter()
    out = lift_features(model, np.zeros((3, 33, 6), np.float32))
    assert out.shape == (3, 33, 3) and np.isfinite(out).all()


def test_training_cli_writes_a_loadable_lifter_and_refuses_a_bad_recipe(tmp_path):
    out = tmp_path / "l.pt"
    cmd = [sys.executable, "-m", "training.lifter", "--out", str(out), "--set", "train.steps=3", "train.mocap=null",
           "train.pool_clips=8", "train.batch_size=8", "train.val_windows=16", "train.log_every=1", "model.hidden=16"]
    r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    assert "step 3/3" in r.stdout
    model = load_world_lifter(out)
    assert model.cfg.hidden == 16 and read_meta(out)["recipe"]["train"]["steps"] == 3
    bad = subprocess.run(cmd[:6] + ["train.stepz=3"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert bad.returncode == 2 and "stepz" in bad.stderr
    nodata = subprocess.run(cmd[:6] + ["train.mocap=/nonexistent/mocap"], cwd=ROOT, capture_output=True, text=True,
                            timeout=600)
    assert nodata.returncode == 2 and "/nonexistent/mocap" in nodata.stderr and "training.data.mocap build" in nodata.stderr


def test_temporal_recipe_keys_train_a_dilated_lifter_with_the_velocity_loss_and_leg_flips(open_body, tmp_path):
    """model.dilated / train.vel_weight / train.leg_flip_prob (training/lifter/temporal.py) go through the real
    training loop and land in the written file's recipe; the velocity term is part of the loss."""
    from training.lifter.train import _step_loss, train_lifter
    d = {"model": {"window": 27, "layers": 3, "dilated": True, "hidden": 16},
         "train": {"steps": 2, "mocap": None, "pool_clips": 8, "batch_size": 4, "val_windows": 8, "log_every": 1,
                   "vel_weight": 1.0, "leg_flip_prob": 0.5}}
    exp = LifterExperiment.from_dict(d)
    model, log = train_lifter(exp, str(tmp_path / "l.pt"), body=open_body, progress=None)
    loaded = load_world_lifter(tmp_path / "l.pt")
    assert loaded.cfg.dilated and loaded.cfg.encoder().receptive_field() == 27
    assert read_meta(tmp_path / "l.pt")["recipe"]["train"]["vel_weight"] == 1.0 and np.isfinite(log[2]["loss"])
    pool = make_motion_pool(open_body, 8, seed=3)
    noise = DetectorNoise.load(resolve_noise(NOISE_PATH))
    with torch.no_grad():
        losses = [float(_step_loss(model, pool, LifterExperiment.from_dict({"train": {**d["train"], "vel_weight": w}}).train,
                                   27, np.random.default_rng(1), noise, OcclusionSpec(prob=0.0))) for w in (1.0, 1e-6)]
    assert losses[0] > losses[1] + 1e-4  # the same batch and flips: only the velocity term's weight differs
