"""Shared fixture: footage from bench/render_moving.py (real parallax, exact truth) for the end-to-end tests."""
from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture(scope="module")
def render_moving(tmp_path_factory):
    """→ a function (name, render_moving.py arguments without ``--out``) → (VIDEO.mp4 path, truth dict)."""
    def render(name: str, args: list[str]):
        import torch

        from bench.render_moving import main

        out = tmp_path_factory.mktemp("moving") / f"{name}.mp4"
        threads = torch.get_num_threads()
        try:  # the renderer sets one thread; leave the suite's setting as it was
            code = main([*args, "--out", str(out)])
        finally:
            torch.set_num_threads(threads)
        assert code == 0
        return out, dict(np.load(out.with_suffix(".npz")))
    return render
