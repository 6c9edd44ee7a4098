"""The experiment config: every shipped config loads; typos fail loudly; base files and overrides."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from training.config import ExperimentConfig, load_config

CONFIGS = sorted((Path(__file__).resolve().parents[2] / "training" / "configs").glob("*.json"))


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.name)
def test_shipped_configs_load_and_round_trip(path):
    cfg = load_config(path)
    assert ExperimentConfig.from_dict(cfg.to_dict()) == cfg


def test_experiment_configs_differ_only_in_the_head_or_ablation():
    base = load_config(CONFIGS[0].parent / "exp_base.json").to_dict()
    for name, expect in {"exp_hkmr": set(), "exp_hmr": {"model.head"}, "exp_hkmr_parent": {"model.hkmr.hierarchy"},
                         "exp_hkmr_forward": {"model.hkmr.passes"}, "exp_hkmr_disc": {"prior.kind"}}.items():
        d = load_config(CONFIGS[0].parent / f"{name}.json").to_dict()
        from core.model.config import config_diff

        diff = {x.split(":")[0] for x in config_diff(base, d)} - {"name", "train.out_dir"}
        assert diff == expect, name


def test_unknown_key_and_bad_value_name_the_problem(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"train": {"stepz": 3}}))
    with pytest.raises(ValueError, match="stepz"):
        load_config(bad)
    with pytest.raises(ValueError, match="img_res"):
        load_config(None, ["data.img_res=128"])  # crops must match the model's camera


def test_base_inheritance_and_overrides(tmp_path):
    (tmp_path / "base.json").write_text(json.dumps({"train": {"steps": 7, "batch_size": 3}, "optim": {"lr": 0.1}}))
    (tmp_path / "child.json").write_text(json.dumps({"base": "base.json", "train": {"steps": 9}}))
    cfg = load_config(tmp_path / "child.json", ["optim.lr=0.5", "model.head=hmr"])
    assert (cfg.train.steps, cfg.train.batch_size, cfg.optim.lr, cfg.model.head) == (9, 3, 0.5, "hmr")
