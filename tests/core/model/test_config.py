"""ModelConfig: dict round trip and loud validation."""
from __future__ import annotations

import pytest

from core.model.config import ModelConfig, config_diff


def test_round_trip_and_nested_partial_dict():
    cfg = ModelConfig.from_dict({"head": "hmr", "backbone": {"name": "resnet34"}, "hkmr": {"passes": "f"},
                                 "focal_length": 5000})
    assert cfg.backbone.name == "resnet34" and cfg.hkmr.passes == "f" and cfg.hkmr.outer_iters == 3
    assert isinstance(cfg.focal_length, float)
    assert ModelConfig.from_dict(cfg.to_dict()) == cfg
    assert config_diff(cfg.to_dict(), ModelConfig().to_dict()) == [
        "backbone.name: 'resnet34' != 'resnet50'", "head: 'hmr' != 'hkmr'", "hkmr.passes: 'f' != 'fb'"]


@pytest.mark.parametrize("bad,err,msg", [
    ({"hkmr": {"outer_iter": 3}}, KeyError, r"config.hkmr: unknown keys \['outer_iter'\]"),
    ({"head": "cmr"}, ValueError, r"config.head: 'cmr' is not one of \['hkmr', 'hmr'\]"),
    ({"hkmr": {"hierarchy": "siblings"}}, ValueError, "config.hkmr.hierarchy"),
    ({"num_betas": "10"}, TypeError, "config.num_betas: expected int"),
    ({"channels_last": 1}, TypeError, "config.channels_last: expected bool"),
    ({"hkmr": {"outer_iters": True}}, TypeError, "expected int"),
    ({"backbone": "resnet50"}, TypeError, "expected a mapping for BackboneConfig"),
    ({"hkmr": {"inner_iters": 0}}, ValueError, "inner_iters must be ≥ 1"),
    ({"hmr": {"dropout": 1.5}}, ValueError, "dropout"),
    ({"backbone": {"width": 12}}, ValueError, "positive multiple of 8"),
    ({"backbone": {"width": 32.0}}, TypeError, "config.backbone.width: expected int"),
])
def test_bad_configs_fail_loudly(bad, err, msg):
    with pytest.raises(err, match=msg):
        ModelConfig.from_dict(bad)


def test_list_and_tuple_fields_are_checked_item_by_item():
    import dataclasses

    from core.model.config import config_from_dict

    @dataclasses.dataclass
    class WithSequences:
        weights: list[float] = dataclasses.field(default_factory=list)
        size: tuple[int, int] = (1, 2)
        names: tuple[str, ...] = ()

    cfg = config_from_dict(WithSequences, {"weights": [1, 2.5], "size": [3, 4], "names": ["a", "b"]})
    assert cfg == WithSequences([1.0, 2.5], (3, 4), ("a", "b"))
    with pytest.raises(TypeError, match=r"config.weights\[1\]: expected float"):
        config_from_dict(WithSequences, {"weights": [1.0, "x"]})
    with pytest.raises(ValueError, match="expected 2 items, got 3"):
        config_from_dict(WithSequences, {"size": [1, 2, 3]})
    with pytest.raises(TypeError, match="expected a list"):
        config_from_dict(WithSequences, {"names": "abc"})
