"""`python -m training release`: model-only checkpoint (no optimiser/RNG state) that eval still reads."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import torch

from core.model.checkpoint import read_checkpoint
from training.cli import main

ROOT = Path(__file__).resolve().parents[2]
TINY = str(ROOT / "training" / "configs" / "tiny.json")
pytestmark = pytest.mark.slow


def test_release_strips_training_state_keeps_weights_and_eval(tmp_path, capsys):
    from training.data.synthetic import generate

    npz = str(generate(tmp_path / "synth", num=4, seed=3))
    spec = json.dumps([{"name": "synthetic", "npz": npz}])
    run = tmp_path / "run"
    assert main(["train", "--config", TINY, "--set", f"data.datasets={spec}", "--set", f"eval_data.datasets={spec}",
                 "--set", "model.backbone.width=16", "--set", "train.steps=1", "--out-dir", str(run)]) == 0
    src, dst = run / "checkpoints" / "last.pt", tmp_path / "model.pt"
    assert main(["release", "--checkpoint", str(src), "--out", str(dst)]) == 0
    a, b = read_checkpoint(src), read_checkpoint(dst)
    assert "training" in a.meta and "training" not in b.meta
    assert b.meta["step"] == 1 and b.meta["experiment"] == a.meta["training"]["experiment"]
    assert b.config == a.config and b.config.backbone.width == 16
    assert sorted(a.state_dict) == sorted(b.state_dict)
    assert all(torch.equal(a.state_dict[k], b.state_dict[k]) for k in a.state_dict)
    assert os.path.getsize(dst) < 0.6 * os.path.getsize(src)  # Adam's two moments are gone
    capsys.readouterr()
    assert main(["eval", "--checkpoint", str(dst), "--csv", str(tmp_path / "e.csv"),
                 "--set", 'eval.occlusions=["none"]']) == 0  # the experiment config came along
    assert "| none | P1 | 4 |" in capsys.readouterr().out
    assert main(["export", "--checkpoint", str(tmp_path / "missing.pt"), "--out", str(tmp_path / "x.pt")]) == 2
    assert not (tmp_path / "x.pt").exists()
