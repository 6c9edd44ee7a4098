"""End to end on CPU: `python -m training train` on generated data, exact resume, eval table,
NaN stop with the last good checkpoint intact, SMPLify in the loop."""
from __future__ import annotations

import csv
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from core.model.checkpoint import load_checkpoint, read_checkpoint
from training.cli import main

ROOT = Path(__file__).resolve().parents[2]
TINY = str(ROOT / "training" / "configs" / "tiny.json")
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def synth(tmp_path_factory) -> str:
    from training.data.synthetic import generate

    return str(generate(tmp_path_factory.mktemp("synth"), num=8, seed=0))


def _data_args(npz: str, ignore_3d: bool = False) -> list[str]:
    spec = json.dumps([{"name": "synthetic", "npz": npz, "ignore_3d": ignore_3d}])
    return ["--set", f"data.datasets={spec}", "--set", f"eval_data.datasets={json.dumps([{'name': 'synthetic', 'npz': npz}])}"]


def _losses(run: Path) -> dict[int, float]:
    with open(run / "log.csv", newline="") as f:
        return {int(r["step"]): float(r["loss"]) for r in csv.DictReader(f)}


def test_train_resume_exactly_and_eval_prints_table(synth, tmp_path, capsys):
    a, b = tmp_path / "a", tmp_path / "b"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    cmd = [sys.executable, "-m", "training", "train", "--config", TINY, *_data_args(synth), "--out-dir", str(a),
           "--set", "train.steps=2"]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "trained to step 2" in proc.stdout
    assert main(["train", "--config", TINY, *_data_args(synth), "--out-dir", str(a), "--set", "train.steps=3"]) == 0
    assert main(["train", "--config", TINY, *_data_args(synth), "--out-dir", str(b), "--set", "train.steps=3"]) == 0
    resumed, fresh = _losses(a), _losses(b)
    assert sorted(resumed) == [1, 2, 3] and sorted(fresh) == [1, 2, 3]  # the log continues, no duplicate rows
    for step in (1, 2, 3):
        assert resumed[step] == fresh[step], (step, resumed[step], fresh[step])
    sd_a, sd_b = read_checkpoint(a / "checkpoints" / "last.pt").state_dict, read_checkpoint(b / "checkpoints" / "last.pt").state_dict
    assert all(torch.equal(sd_a[k], sd_b[k]) for k in sd_a)

    capsys.readouterr()
    csv_path = tmp_path / "eval.csv"
    rc = main(["eval", "--checkpoint", str(a / "checkpoints" / "last.pt"), "--csv", str(csv_path),
               "--set", 'eval.occlusions=["none","bar"]'])
    out = capsys.readouterr().out
    assert rc == 0
    assert "| Occlusion | Protocol | N | MPJPE (mm) | PA-MPJPE (mm)" in out
    rows = list(csv.DictReader(open(csv_path)))
    assert [r["occlusion"] for r in rows] == ["none", "bar"]
    for r in rows:
        assert int(r["samples"]) == 8
        assert 0 < float(r["pa_mpjpe"]) <= float(r["mpjpe"])  # an untrained model: real, finite errors
        assert 0 <= float(r["fg_acc"]) <= 1 and 0 <= float(r["parts_f1"]) <= 1
    assert rows[0]["mpjpe"] != rows[1]["mpjpe"]  # the occluder changed what the model saw


def test_nan_loss_stops_with_message_and_keeps_last_good_checkpoint(synth, tmp_path, capsys):
    run = tmp_path / "nan"
    rc = main(["train", "--config", TINY, *_data_args(synth), "--out-dir", str(run), "--set", "optim.lr=1e10",
               "--set", "train.steps=6", "--set", "train.checkpoint_every=1"])
    err = capsys.readouterr().err
    assert rc == 3
    assert "non-finite loss" in err and "Last good checkpoint" in err
    ckpt = run / "checkpoints" / "last.pt"
    model, meta = load_checkpoint(ckpt)
    step = meta.meta["step"]
    assert f"(step {step})" in err and step < 6
    assert all(torch.isfinite(p).all() for p in model.state_dict().values())
    assert all(math.isfinite(v) for v in _losses(run).values())


def test_smplify_in_the_loop_fills_the_fit_store(synth, tmp_path):
    import numpy as np

    run = tmp_path / "mf"
    rc = main(["train", "--config", TINY, *_data_args(synth, ignore_3d=True), "--out-dir", str(run),
               "--set", "smplify.enabled=true", "--set", "train.steps=2"])
    assert rc == 0
    state = read_checkpoint(run / "checkpoints" / "last.pt").meta["training"]
    fits = np.load(run / "checkpoints" / state["fits"])
    assert fits["has_fit"].sum() == 8  # 2 steps × 4 samples, no ground-truth SMPL: every sample got a fit
    assert np.abs(fits["pose"][fits["has_fit"]]).sum() > 0


def test_torchrun_two_process_cpu_ddp(synth, tmp_path):
    """DDP with gloo: 2 ranks on CPU, SMPLify fits gathered from both ranks into one store."""
    import numpy as np

    run = tmp_path / "ddp"
    torchrun = Path(sys.executable).with_name("torchrun")
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1")
    cmd = [str(torchrun), "--standalone", "--nproc_per_node", "2", "-m", "training", "train", "--config", TINY,
           *_data_args(synth, ignore_3d=True), "--out-dir", str(run), "--set", "train.steps=1",
           "--set", "smplify.enabled=true"]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.count("trained to step 1") == 1  # rank 0 only
    assert sorted(_losses(run)) == [1]
    # one step (8 samples = 2 ranks × batch 4): rank 0 saw 4 samples, but its store holds all 8 fits
    # because every rank's accepted fits are gathered
    state = read_checkpoint(run / "checkpoints" / "last.pt").meta["training"]
    fits = np.load(run / "checkpoints" / state["fits"])
    assert fits["has_fit"].sum() == 8


def test_init_from_fine_tunes_from_a_checkpoint_and_refuses_a_mismatch(synth, tmp_path):
    from core.model.checkpoint import CheckpointError
    from training.config import load_config
    from training.trainer import Trainer

    src = tmp_path / "src"
    assert main(["train", "--config", TINY, *_data_args(synth), "--out-dir", str(src), "--set", "train.steps=2"]) == 0
    ckpt = src / "checkpoints" / "last.pt"
    data = _data_args(synth)[1::2]

    def trainer(out: str, *over: str) -> Trainer:
        return Trainer(load_config(TINY, [*data, f"train.out_dir={tmp_path / out}", *over]))

    tuned = trainer("ft", f"train.init_from={ckpt}", "optim.lr=0.5")
    trained = read_checkpoint(ckpt).state_dict
    assert all(torch.equal(v, trained[k]) for k, v in tuned.model.state_dict().items())
    assert tuned.step == 0 and tuned.sched.get_last_lr() == [0.5]  # optimiser and schedule start afresh
    fresh = trainer("fresh").model.state_dict()
    assert any(not torch.equal(v, trained[k]) for k, v in fresh.items())  # the weights really came from the file
    with pytest.raises(CheckpointError, match="weights do not fit the model"):
        trainer("bad", f"train.init_from={ckpt}", "model.head=hmr")
    with pytest.raises(FileNotFoundError, match="train.init_from: checkpoint .* does not exist"):
        trainer("missing", f"train.init_from={tmp_path / 'nope.pt'}")
