"""Official-style SMPL pickles load without chumpy; anything else in a pickle is refused."""
from __future__ import annotations

import os
import pickle
import sys
import types

import numpy as np
import pytest
import scipy.sparse

from hkmr_blender.base.smpl_file import SmplFileError, load_smpl_arrays
from tests.conftest import make_smpl_arrays


def _fake_chumpy():
    """A throwaway `chumpy.ch.Ch` class, registered only while pickling (chumpy is not installed)."""
    ch_mod = types.ModuleType("chumpy.ch")

    class Ch:  # mimics chumpy: the array lives in state['x'] plus bookkeeping fields
        def __init__(self, x):
            self.x = x
            self._dirty_vars = set()

        def __getstate__(self):
            return {"x": self.x, "_dirty_vars": self._dirty_vars}

    Ch.__module__ = "chumpy.ch"
    Ch.__qualname__ = "Ch"
    ch_mod.Ch = Ch
    return ch_mod


def write_official_style_pickle(path, arrays, protocol):
    """Write arrays the way the official SMPL .pkl holds them: chumpy Ch objects for the
    dense arrays, a scipy.sparse CSC J_regressor, and plain numpy for the rest."""
    ch_mod = _fake_chumpy()
    pkg = types.ModuleType("chumpy")
    pkg.ch = ch_mod
    sys.modules.update({"chumpy": pkg, "chumpy.ch": ch_mod})
    try:
        obj = {k: (ch_mod.Ch(v) if k in ("v_template", "shapedirs", "posedirs", "weights") else v)
               for k, v in arrays.items()}
        obj["J_regressor"] = scipy.sparse.csc_matrix(arrays["J_regressor"])
        obj["bs_style"], obj["bs_type"] = "lbs", "lrotmin"
        with open(path, "wb") as fh:
            pickle.dump(obj, fh, protocol=protocol)
    finally:
        del sys.modules["chumpy"], sys.modules["chumpy.ch"]


@pytest.mark.parametrize("protocol", [0, 2, 4])
def test_official_style_pickle_loads_without_chumpy(tmp_path, protocol):
    arrays = make_smpl_arrays()
    path = tmp_path / "SMPL_NEUTRAL.pkl"
    write_official_style_pickle(path, arrays, protocol)
    assert "chumpy" not in sys.modules
    loaded = load_smpl_arrays(path)
    for key in ("v_template", "shapedirs", "posedirs", "weights", "J_regressor", "kintree_table", "f"):
        np.testing.assert_array_equal(loaded[key], arrays[key], err_msg=key)
    assert loaded["bs_style"] == "lbs"


def test_csr_sparse_regressor_is_densified(tmp_path):
    arrays = make_smpl_arrays()
    arrays_csr = dict(arrays, J_regressor=scipy.sparse.csr_matrix(arrays["J_regressor"]))
    path = tmp_path / "m.pkl"
    with open(path, "wb") as fh:
        pickle.dump(arrays_csr, fh, protocol=2)
    np.testing.assert_array_equal(load_smpl_arrays(path)["J_regressor"], arrays["J_regressor"])


class Exploit:
    """Unpickling this would run a shell command if the loader trusted the file."""

    def __reduce__(self):
        return (os.system, ("echo pwned > /tmp/hkmr_pwned",))


@pytest.mark.parametrize("payload", [Exploit(), {"v_template": Exploit()},
                                     {"v_template": np.zeros((3, 3)), "x": types.SimpleNamespace(a=1)}])
def test_pickle_naming_any_other_class_is_refused(tmp_path, payload):
    path = tmp_path / "evil.pkl"
    with open(path, "wb") as fh:
        pickle.dump(payload, fh, protocol=2)
    with pytest.raises(SmplFileError, match="refused"):
        load_smpl_arrays(path)
    assert not os.path.exists("/tmp/hkmr_pwned")


def test_npz_model_loads(tmp_path):
    arrays = make_smpl_arrays()
    np.savez(tmp_path / "body.npz", **arrays)
    loaded = load_smpl_arrays(tmp_path / "body.npz")
    np.testing.assert_array_equal(loaded["weights"], arrays["weights"])


@pytest.mark.parametrize("mutate, message", [
    (lambda a: a.pop("shapedirs"), "missing shapedirs"),
    (lambda a: a.update(weights=a["weights"][:, :10]), "weights has shape"),
    (lambda a: a.update(J_regressor=a["J_regressor"][:, :-1]), "J_regressor has shape"),
    (lambda a: a.update(v_template=a["v_template"][:, :2]), "v_template has shape"),
    (lambda a: a.update(f=a["f"].astype(np.int64) + 10_000), "faces"),
])
def test_inconsistent_model_files_name_the_problem(tmp_path, mutate, message):
    arrays = make_smpl_arrays()
    mutate(arrays)
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(SmplFileError, match=message):
        load_smpl_arrays(tmp_path / "bad.npz")


def test_missing_and_truncated_files(tmp_path):
    with pytest.raises(SmplFileError, match="not found.*smpl.is.tue.mpg.de"):
        load_smpl_arrays(tmp_path / "SMPL_NEUTRAL.pkl")
    good = tmp_path / "good.pkl"
    write_official_style_pickle(good, make_smpl_arrays(), 2)
    cut = tmp_path / "cut.pkl"
    cut.write_bytes(good.read_bytes()[:5000])
    with pytest.raises(SmplFileError, match="truncated or corrupt"):
        load_smpl_arrays(cut)
