"""Read SMPL model files into plain numpy arrays — without chumpy, scipy or arbitrary pickles.

numpy only, so the Blender add-on and ``core`` share it. Official SMPL ``.pkl`` files are
Python-2 pickles holding chumpy ``Ch`` objects and a ``scipy.sparse`` J_regressor. A
restricted :class:`pickle.Unpickler` maps those classes to inert stand-ins that keep their
arrays, allows numpy's own array reconstruction, and **refuses every other class** — which
also makes loading an untrusted file safe (no code runs).

Returned arrays use the SMPL file's key names: ``v_template`` (V,3), ``f`` (F,3),
``J_regressor`` (J,V) dense, ``kintree_table`` (2,J), ``weights`` (V,J), ``shapedirs``
(V,3,NB), ``posedirs`` (V,3,P) or (V·3,P). Coordinates are SMPL's: Y-up, metres.
"""
from __future__ import annotations

import os
import pickle
from pathlib import Path

import numpy as np

from .inputs import file_problem
from .npz import MAX_NPZ_BYTES, NpzError, load_npz_checked

try:  # numpy 2 renamed numpy.core → numpy._core
    from numpy._core import multiarray as _multiarray
except ImportError:  # numpy 1.x
    from numpy.core import multiarray as _multiarray

__all__ = ["SmplFileError", "load_smpl_arrays", "REQUIRED_KEYS", "SMPL_DOWNLOAD_HINT", "OPEN_BODY_PATH",
           "body_identity", "shape_mismatch"]

#: The shipped open default body (CC0, docs/open-body.md); inside the add-on because Blender needs it too.
OPEN_BODY_PATH = Path(__file__).resolve().parent.parent / "assets" / "hkmr_open_body.npz"

REQUIRED_KEYS = ("v_template", "f", "J_regressor", "kintree_table", "weights", "shapedirs")
SMPL_DOWNLOAD_HINT = ("SMPL model files are licensed: register at https://smpl.is.tue.mpg.de, download "
                      "'SMPL for Python' and point HKMR at SMPL_NEUTRAL.pkl (or the folder holding it)")


#: Motion ``body_model`` values of files whose betas belong to a licensed SMPL-family model, not ours.
_FOREIGN_BETAS = {"amass": "SMPL-H (AMASS)", "smplcodec": "SMPL/SMPL-H/SMPL-X (.smpl)",
                  "spin": "SMPL's neutral model (SPIN was trained with it)"}


def body_identity(arrays: dict, gender: str) -> str:
    """``"name:gender:sha1[:12]"`` of a body model's template: what motion files and checkpoints record."""
    import hashlib

    name = str(arrays["model_name"]) if "model_name" in arrays else "smpl"
    digest = hashlib.sha1(np.ascontiguousarray(arrays["v_template"], np.float32).tobytes()).hexdigest()[:12]
    return f"{name}:{gender}:{digest}"


def shape_mismatch(motion_body: str, used: str, what: str = "the file") -> str | None:
    """A warning when the body ``used`` (an identity) is not the one whose shape coefficients (betas)
    ``motion_body`` names; None when they match or the file does not say."""
    used_name = used.split(":")[0]
    if motion_body in _FOREIGN_BETAS:
        if used_name != "hkmr-open-body":
            return None  # a user's own SMPL file: the licensed family the betas belong to
        return (f"{what}'s shape coefficients belong to {_FOREIGN_BETAS[motion_body]}, but the open default body "
                "is used: body shape and joint positions are approximate. Give the SMPL model file "
                "(add-on preferences / --body / --model)")
    if motion_body.count(":") == 2 and motion_body.split(":")[::2] != used.split(":")[::2]:
        return (f"{what}'s shape coefficients belong to body '{motion_body}', but '{used}' is used: body shape "
                "and joint positions will differ. Give the matching model file (--body / --model)")
    return None


class SmplFileError(ValueError):
    """An SMPL model file is missing, unreadable, unsafe or not an SMPL model."""


class _Refused(pickle.UnpicklingError):
    """The pickle names a class an SMPL file never holds."""


class _ArrayHolder:
    """Stand-in for chumpy objects: keeps the pickled state; ``x`` is the array."""

    def __setstate__(self, state):
        self.state = state if isinstance(state, dict) else {"x": state}


class _SparseHolder:
    """Stand-in for scipy.sparse CSC matrices: keeps data/indices/indptr/shape to densify."""

    compressed_columns = True

    def __setstate__(self, state):
        self.state = state


class _CsrHolder(_SparseHolder):
    """Stand-in for scipy.sparse CSR matrices."""

    compressed_columns = False


def _reconstructor(cls, base, state):
    """copyreg._reconstructor for py2 pickles, restricted to our stand-ins on ``object``."""
    if cls not in (_ArrayHolder, _SparseHolder, _CsrHolder) or base is not object or state is not None:
        raise _Refused(f"refused to reconstruct {cls!r} on {base!r}")
    return object.__new__(cls)


_ALLOWED = {
    ("copy_reg", "_reconstructor"): _reconstructor,
    ("copyreg", "_reconstructor"): _reconstructor,
    ("__builtin__", "object"): object,
    ("builtins", "object"): object,
    ("__builtin__", "set"): set,  # chumpy keeps bookkeeping sets in its state
    ("builtins", "set"): set,
    ("__builtin__", "frozenset"): frozenset,
    ("builtins", "frozenset"): frozenset,
    ("_codecs", "encode"): __import__("codecs").encode,  # protocol ≤2 pickles store bytes this way
}


class _SmplUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        if (module, name) in _ALLOWED:
            return _ALLOWED[(module, name)]
        if module.startswith("chumpy"):
            return _ArrayHolder
        if module.startswith("scipy.sparse") and name in ("csc_matrix", "csr_matrix"):
            return _SparseHolder if name == "csc_matrix" else _CsrHolder
        if module in ("numpy.core.multiarray", "numpy._core.multiarray") and name in ("_reconstruct", "scalar"):
            return getattr(_multiarray, name)
        if module == "numpy" and name in ("ndarray", "dtype"):
            return getattr(np, name)
        raise _Refused(
            f"refused to load class {module}.{name}: an SMPL model file only holds arrays")


def _sparse_to_dense(holder: _SparseHolder) -> np.ndarray:
    """Densify after checking the stored shape and indices (a hostile shape could ask for terabytes)."""
    state = holder.state
    try:
        shape = tuple(int(n) for n in (state.get("_shape") or state.get("shape")))
        data, indices, indptr = (np.asarray(state[k]) for k in ("data", "indices", "indptr"))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise SmplFileError(f"a sparse matrix in the file is malformed ({exc})") from exc
    csc = holder.compressed_columns
    if len(shape) != 2 or min(shape) < 1 or shape[0] * shape[1] * 8 > MAX_NPZ_BYTES:
        raise SmplFileError(f"a sparse matrix claims shape {shape}; an SMPL J_regressor is (24, V) with V "
                            f"at most a few ten thousand")
    outer_n, inner_n = (shape[1], shape[0]) if csc else shape
    if (indptr.ndim != 1 or len(indptr) != outer_n + 1 or data.shape != indices.shape or data.ndim != 1
            or len(data) != indptr[-1] or np.any(np.diff(indptr) < 0)
            or (len(indices) and (indices.min() < 0 or indices.max() >= inner_n))):
        raise SmplFileError(f"a sparse matrix of shape {shape} has inconsistent indices")
    dense = np.zeros(shape, dtype=np.float64)
    outer = np.repeat(np.arange(len(indptr) - 1), np.diff(indptr))
    rows, cols = (indices, outer) if csc else (outer, indices)
    dense[rows, cols] = data
    return dense


def _plain(value):
    """Stand-ins → numpy arrays; everything else unchanged."""
    if isinstance(value, _ArrayHolder):
        if "x" not in value.state:
            raise SmplFileError("a chumpy object in the file holds no array ('x')")
        return np.asarray(value.state["x"])
    if isinstance(value, _SparseHolder):
        return _sparse_to_dense(value)
    return value


def _read_pickle(path: Path) -> dict:
    with open(path, "rb") as fh:
        try:
            data = _SmplUnpickler(fh, encoding="latin1").load()
        except _Refused as exc:
            raise SmplFileError(f"{path}: {exc}. This is not an SMPL model file (or it was tampered "
                                f"with); {SMPL_DOWNLOAD_HINT}.") from exc
        except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, IndexError) as exc:
            raise SmplFileError(f"{path}: unreadable pickle ({exc}); the file is truncated or "
                                f"corrupt. {SMPL_DOWNLOAD_HINT}.") from exc
    if not isinstance(data, dict):
        raise SmplFileError(f"{path}: expected a dict of arrays, found {type(data).__name__}")
    try:
        return {str(k): _plain(v) for k, v in data.items()}
    except SmplFileError as exc:
        raise SmplFileError(f"{path}: {exc}. {SMPL_DOWNLOAD_HINT}.") from None


def _read_npz(path: Path) -> dict:
    try:
        return load_npz_checked(path)
    except NpzError as exc:
        raise SmplFileError(f"{path}: unreadable .npz ({exc}); re-download or regenerate it") from exc


def load_smpl_arrays(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Load an SMPL-format model (``.pkl`` official or ``.npz``) as a dict of numpy arrays.

    Checks that the required keys exist and their shapes agree (V vertices, J joints);
    ``J_regressor`` is always returned dense. Raises :class:`SmplFileError` with the fix.
    """
    p = Path(path)
    problem = file_problem(p)
    if problem == "file not found":
        raise SmplFileError(f"{p}: SMPL model file not found. {SMPL_DOWNLOAD_HINT}.")
    if problem:  # a folder, a FIFO (the reader would block on it), a device
        raise SmplFileError(f"{p}: {problem}; give the SMPL model file (.pkl or .npz) itself.")
    data = _read_npz(p) if p.suffix.lower() == ".npz" else _read_pickle(p)
    missing = [k for k in REQUIRED_KEYS if k not in data]
    if missing:
        raise SmplFileError(f"{p}: not an SMPL model (missing {', '.join(missing)}). {SMPL_DOWNLOAD_HINT}.")
    out = {k: (np.asarray(v) if isinstance(v, np.ndarray) or k in REQUIRED_KEYS else v) for k, v in data.items()}
    _check_shapes(p, out)
    return out


def _check_shapes(p: Path, a: dict) -> None:
    """Shapes agree (V vertices, J joints), arrays are numeric and finite (NaN vertices would give NaN bones)."""
    for key in REQUIRED_KEYS + ("posedirs",):
        if key in a and (not isinstance(a[key], np.ndarray) or a[key].dtype.kind not in "biuf"):
            raise SmplFileError(f"{p}: '{key}' is not a numeric array; the file is not an SMPL model")
    v, kt = a["v_template"], a["kintree_table"]
    if v.ndim != 2 or v.shape[1] != 3 or v.shape[0] < 1:
        raise SmplFileError(f"{p}: v_template has shape {v.shape}, expected (V, 3)")
    if kt.ndim != 2 or kt.shape[0] != 2 or kt.shape[1] < 1:
        raise SmplFileError(f"{p}: kintree_table has shape {kt.shape}, expected (2, J) (parents, joints)")
    nv, nj = v.shape[0], kt.shape[1]
    expect = {"J_regressor": (nj, nv), "weights": (nv, nj)}
    for key, shape in expect.items():
        if a[key].shape != shape:
            raise SmplFileError(f"{p}: {key} has shape {a[key].shape}, expected {shape} "
                                f"for {nv} vertices and {nj} joints; the file is not a consistent SMPL model")
    sd = a["shapedirs"]
    if sd.ndim != 3 or sd.shape[:2] != (nv, 3):
        raise SmplFileError(f"{p}: shapedirs has shape {sd.shape}, expected ({nv}, 3, NB)")
    f = a["f"]
    if f.ndim != 2 or f.shape[1] != 3 or f.size == 0 or f.min() < 0 or f.max() >= nv:
        raise SmplFileError(f"{p}: faces 'f' must be (F, 3) indices into {nv} vertices")
    for key in ("v_template", "J_regressor", "weights", "shapedirs", "posedirs"):
        if key in a and a[key].dtype.kind == "f" and not np.isfinite(a[key]).all():
            raise SmplFileError(f"{p}: '{key}' contains NaN or infinite values; the file is corrupt. "
                                f"{SMPL_DOWNLOAD_HINT}")
