"""The foot-contact classifier's data and training (python -m training.contacts) on a real CMU walk excerpt."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from core.fitting.contacts import TRUTH_CONTACTS
from core.model.contact_net import load_contact_net, read_meta
from training.contacts.train import f1_scores
from training.data.keypoint_motion import motion_config
from training.data.mocap.build import build, load_clip, load_manifest
from training.data.mocap.pool import clip_contacts, make_mocap_pool
from tests.training.data.test_mocap import _snapshot

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def walk_set(tmp_path_factory, open_body):
    """A converted set of one clip: 41 frames at 60 fps of CMU 07_01 (a walk) → 21 frames at 30 fps."""
    tmp = tmp_path_factory.mktemp("contacts")
    out = tmp / "set"
    build(open_body, {"iclone-cmu": _snapshot(tmp, ["007_01"])}, str(out), heldout=set(), log=lambda *_: None)
    return str(out)


def test_a_real_walk_is_labelled_with_still_planted_points_and_moving_swing_points(walk_set, open_body):
    clip = load_clip(walk_set, load_manifest(walk_set)["clips"][0])
    labels = clip_contacts(open_body, clip, 30.0)
    assert labels.shape == (len(clip["poses"]), 4)
    assert labels.any(0).sum() >= 2 and not labels.all()   # some points stand, some swing: a walk
    # the pool's windows carry their own frames' labels: in the camera (the walk's root motion kept) a planted point
    # barely moves between frames, a swinging one does
    pool = make_mocap_pool(open_body, walk_set, 12, 0, motion_config(clip_len=12, yaw_max=np.pi),
                           contacts=TRUTH_CONTACTS)
    assert pool.contacts is not None and pool.contacts.shape == (12, 12, 4)
    feet = pool.landmarks[:, :, [29, 31, 30, 32]].numpy()
    step = np.linalg.norm(np.diff(feet, axis=1), axis=-1)                       # (12, 11, 4) m/frame
    both = (pool.contacts[:, 1:] & pool.contacts[:, :-1]).numpy()
    swing = ~(pool.contacts[:, 1:] | pool.contacts[:, :-1]).numpy()
    assert both.sum() > 20 and swing.sum() > 20
    # measured: planted 8 mm/frame median (the pool's bodies have other shapes than the subject's, so the source's
    # root motion makes their feet slide a little), swinging 70 mm/frame
    assert np.median(step[both]) < 0.012 and np.median(step[swing]) > 0.04
    assert np.median(step[swing]) > 4 * np.median(step[both])


def test_f1_scores_per_column():
    prob = np.array([[0.9, 0.1], [0.8, 0.2], [0.2, 0.7], [0.6, 0.1]])
    truth = np.array([[1, 0], [1, 0], [1, 0], [0, 0]], bool)
    np.testing.assert_allclose(f1_scores(prob, truth), [2 * 2 / (2 * 2 + 1 + 1), 0.0])
    assert f1_scores(np.zeros((3, 1)), np.zeros((3, 1), bool))[0] == 1.0     # nothing to find, nothing found


def test_training_cli_writes_a_loadable_classifier_and_refuses_a_bad_recipe(walk_set, tmp_path):
    out = tmp_path / "c.pt"
    cmd = [sys.executable, "-m", "training.contacts", "--out", str(out), "--note", "test", "--set", "train.steps=3",
           f"train.mocap={walk_set}", "train.mocap_clips=16", "train.clip_len=12", "train.batch_size=8",
           "train.val_windows=16", "train.heldout=false", "train.log_every=1", "model.hidden=16", "model.window=5"]
    r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    assert "step 3/3" in r.stdout and "val_f1" in r.stdout
    model = load_contact_net(out)
    assert model.cfg.hidden == 16 and model.cfg.window == 5
    meta = read_meta(out)
    assert meta["recipe"]["train"]["steps"] == 3 and meta["note"] == "test" and "3" in meta["training"]["log"]
    bad_out = tmp_path / "bad.pt"
    bad = subprocess.run(cmd[:4] + [str(bad_out)] + cmd[5:8] + ["train.stepz=3"], cwd=ROOT, capture_output=True,
                         text=True, timeout=600)
    assert bad.returncode == 2 and "stepz" in bad.stderr and not bad_out.exists()
    nodata = subprocess.run(cmd[:8] + ["train.mocap=/nonexistent/mocap"], cwd=ROOT, capture_output=True, text=True,
                            timeout=600)
    assert nodata.returncode == 2 and "/nonexistent/mocap" in nodata.stderr and "training.data.mocap build" in nodata.stderr


def test_shipped_classifier_loads_weights_only_with_its_recipe_and_note():
    import json

    import torch

    from core.model.contact_net import CONTACT_NET_PATH
    from training.contacts.train import ContactExperiment

    raw = torch.load(CONTACT_NET_PATH, map_location="cpu", weights_only=True)
    assert raw["format"] == "hkmr-contact-net"
    meta = read_meta()
    recipe = json.loads((ROOT / "training" / "configs" / "contacts" / "contact_net.json").read_text())
    # the recipe in the repository is the one the weights were trained with
    assert ContactExperiment.from_dict(meta["recipe"]).to_dict() == ContactExperiment.from_dict(recipe).to_dict()
    assert "CMU" in meta["note"] and "subjects 2 and 3 held out" in meta["note"]
    assert meta["training"]["final"]["val_f1"] > 0.85
