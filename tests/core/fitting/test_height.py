"""The person's height (``hkmr infer --height``): β for a given stature, and the option's bounds."""
from __future__ import annotations

import numpy as np
import pytest

from core.fitting.shape import betas_for_height, stature


@pytest.mark.parametrize("height", [1.5, 1.62, 1.9])
def test_betas_for_a_height_make_a_body_that_tall(open_body, height):
    start = np.zeros(open_body.num_betas)
    start[1] = 0.8                                         # a body that is not the mean one
    betas = betas_for_height(open_body, start, height)
    assert abs(stature(open_body, betas) - height) < 1e-3
    # the smallest change that does it: the other shape directions stay near where they were
    assert abs(betas[1] - start[1]) < 0.5


def test_a_body_already_that_tall_keeps_its_shape(open_body):
    start = np.linspace(-1, 1, open_body.num_betas)
    betas = betas_for_height(open_body, start, stature(open_body, start))
    np.testing.assert_allclose(betas, start, atol=1e-3)


def test_an_impossible_height_is_refused(tmp_path, capsys):
    from core.cli import main
    from core.pipeline.run import RealOptions

    with pytest.raises(ValueError, match="--height"):
        RealOptions(height=175.0).validate()              # centimetres by mistake
    assert main(["infer", "clip.mp4", "-o", str(tmp_path / "m.npz"), "--height", "175"]) == 2
    assert "--height" in capsys.readouterr().err
    assert not (tmp_path / "m.npz").exists()
