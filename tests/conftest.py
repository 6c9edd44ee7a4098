"""Shared fixtures: small SMPL-format arrays and an isolated HOME/config for every test."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from hkmr_blender.base.skeleton import SMPL_PARENTS

#: Where .ci/wheels.py caches the video runtime's wheels (read before the per-test HOME is set).
CI_CACHE = os.environ.get("HKMR_CI_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "hkmr-ci")


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist's own hook, which reads the groups
def pytest_collection_modifyitems(config, items):
    """Where the suite's tests run under pytest-xdist (``--dist loadgroup``, pyproject.toml's addopts): every test
    that runs Blender in this process (the ``bpy_module`` fixture or the ``blender`` mark) on one worker, in the order
    collected — bpy's add-on registry lives in the process, and these tests hand it on from one file to the next as
    they did in one process (installed in one file and registered from the checkout in another on the same worker,
    Blender refused the second HKMRPreferences); every other file's tests on one worker together, so its module
    fixtures (the long end-to-end runs) are built once."""
    for item in items:
        bpy = "bpy_module" in getattr(item, "fixturenames", ()) or item.get_closest_marker("blender") is not None
        item.add_marker(pytest.mark.xdist_group("bpy" if bpy else item.nodeid.split("::")[0]))


class _GroupsOnStructuredIds:
    """pytest-xdist 3.8 hands a test's group to its scheduler as an "@group" suffix written to the node's legacy
    ``_nodeid`` field; pytest 9.2's structured node ids ignore that field, so ``--dist loadgroup`` silently spread
    every group over both workers (pytest-dev/pytest-xdist#1386, open; the module fixtures of the long end-to-end
    runs were built twice, in parallel). Where xdist's suffix did not take, the same suffix goes on the structured
    id. Drop this once an xdist release carries the fix (its nodeids then end in the group without it)."""

    @pytest.hookimpl(trylast=True)  # after xdist's hook
    def pytest_collection_modifyitems(self, config, items):
        if not getattr(config.option, "loadgroup", False):
            return
        from _pytest.nodeid import coerce_node_id
        for item in items:
            names = sorted({str(m.args[0] if m.args else m.kwargs.get("name", "default"))
                            for m in item.iter_markers("xdist_group")})
            suffix = "@" + "_".join(names)
            if names and not item.nodeid.endswith(suffix) and hasattr(item, "_id"):
                item._id = coerce_node_id(item.nodeid + suffix)


def pytest_configure(config):
    config.pluginmanager.register(_GroupsOnStructuredIds(), "hkmr-xdist-groups")


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory, monkeypatch):
    """No test reads or writes the developer's ~/.config (bpy and model discovery use it)."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.delenv("HKMR_SMPL_PATH", raising=False)


def make_smpl_arrays(num_verts: int = 300, num_betas: int = 10, seed: int = 0) -> dict[str, np.ndarray]:
    """Random but valid SMPL-format arrays: a stick-figure-like body with SMPL's tree.

    Vertices are scattered around the joints of a plausible T-pose so forward kinematics
    behaves like a body (pose correctives are small random values).
    """
    rng = np.random.default_rng(seed)
    joints = np.array([
        [0, .9, 0], [.09, .82, 0], [-.09, .82, 0], [0, 1.0, 0], [.1, .45, 0], [-.1, .45, 0],
        [0, 1.12, 0], [.1, .07, 0], [-.1, .07, 0], [0, 1.25, 0], [.1, 0.01, .1], [-.1, 0.01, .1],
        [0, 1.45, 0], [.08, 1.38, 0], [-.08, 1.38, 0], [0, 1.55, 0], [.18, 1.4, 0], [-.18, 1.4, 0],
        [.45, 1.4, 0], [-.45, 1.4, 0], [.7, 1.4, 0], [-.7, 1.4, 0], [.78, 1.4, 0], [-.78, 1.4, 0]])
    owner = rng.integers(0, 24, num_verts)
    v = joints[owner] + rng.normal(0, 0.03, (num_verts, 3))
    weights = np.full((num_verts, 24), 1e-3)
    weights[np.arange(num_verts), owner] = 1.0
    weights /= weights.sum(1, keepdims=True)
    jreg = np.zeros((24, num_verts))
    for j in range(24):
        mine = np.flatnonzero(owner == j)
        if len(mine) == 0:  # no vertex owned: use the nearest few
            mine = np.argsort(np.linalg.norm(v - joints[j], axis=1))[:3]
        jreg[j, mine] = 1.0 / len(mine)
    kintree = np.array([[2**32 - 1, *SMPL_PARENTS[1:]], list(range(24))], dtype=np.int64)
    faces = rng.integers(0, num_verts, (2 * num_verts, 3))
    return {
        "v_template": v, "f": faces.astype(np.uint32), "J_regressor": jreg, "kintree_table": kintree,
        "weights": weights, "shapedirs": rng.normal(0, 0.01, (num_verts, 3, num_betas)),
        "posedirs": rng.normal(0, 1e-3, (num_verts, 3, 207)),
    }


@pytest.fixture
def smpl_arrays() -> dict[str, np.ndarray]:
    return make_smpl_arrays()


@pytest.fixture(scope="session")
def open_body():
    """The shipped open default body, loaded once per test session by explicit path
    (never a developer's own SMPL file from $HKMR_SMPL_PATH or ~/.config)."""
    from core.body.discovery import OPEN_BODY_PATH
    from core.body.model import load_body_model

    return load_body_model(OPEN_BODY_PATH)


@pytest.fixture(scope="session")
def runtime_wheels() -> Path:
    """The local wheel folder of the video runtime for this Python, filled once by .ci/wheels.py (outside the
    clone, reused across runs: the suite itself needs no network once it is filled)."""
    root = Path(__file__).resolve().parents[1]
    proc = subprocess.run([sys.executable, str(root / ".ci" / "wheels.py")], capture_output=True, text=True,
                          env=dict(os.environ, HKMR_CI_CACHE=CI_CACHE), timeout=1200)
    if proc.returncode != 0:
        pytest.skip(f"the runtime's wheel folder could not be filled (run `python .ci/wheels.py` once with "
                    f"network): {proc.stderr.strip().splitlines()[-1:] or proc.returncode}")
    return Path(proc.stdout.strip().splitlines()[-1])


def offline_pip_env() -> dict:
    """This process's environment without pip's configuration (no index, no find-links): what a set-up from
    a local wheel folder must manage with."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env["PIP_CONFIG_FILE"] = os.devnull
    return env


def pytest_unconfigure(config):
    """With HKMR_HARD_EXIT=1 (set by .ci/bpy-versions), leave right after pytest's summary with its exit code:
    some bpy builds crash (4.2.23: SIGSEGV) or hang (4.5.15: a futex wait) while Python shuts down."""
    import os
    import sys
    if os.environ.get("HKMR_HARD_EXIT") == "1":
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(int(getattr(config, "_hkmr_exitstatus", 0)))


def pytest_sessionfinish(session, exitstatus):
    session.config._hkmr_exitstatus = exitstatus
