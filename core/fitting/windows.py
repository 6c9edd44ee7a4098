"""The clip fit's windowed passes, streamed to disk: overlapping windows blended linearly, each finished window
written atomically to the run's work folder so that a killed run resumes from its last finished window.

A pass visits windows ``[a, b)`` with ``a = k · (window − overlap)``, ``b = min(a + window, F)``. Window k starts
from the blend so far (warm start); its result is blended in over the overlap with linearly rising weight
(rotations re-projected onto SO(3)). What window k writes to frames ``[a, b)`` is exactly what it leaves in the
pass's output there, so a resumed run replays finished windows by assignment — no optimisation, no float drift —
and continues with the first missing one: the result equals an uninterrupted run's.

Each file (``p{pass}_w{k:05d}.npz`` in :class:`WindowStore`'s folder) also holds a digest of the window's inputs:
its start state and lock targets, and the store's ``salt`` — the whole fit's inputs (settings, shape, camera, the
landmarks the terms follow; :func:`inputs_digest`, set by the caller with :meth:`WindowStore.salted`). A window
whose inputs differ from the stored ones (other settings, ``--height``, another start) is recomputed, never reused. The per-frame state the passes keep in memory is small (78 float32 = 312 B
a frame); the landmarks' body points are computed in blocks of :data:`BLOCK` frames (:func:`blockwise`), so
nothing of the body model's size is ever held for the whole clip.
:func:`smooth_state` is the fit's filter over time (its start and its output).
"""
from __future__ import annotations

import hashlib
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import roma
import torch
from scipy.ndimage import gaussian_filter1d, median_filter

from core import runtime
from core.geometry.rotations import matrix_to_rot6d, rot6d_to_matrix
from hkmr_blender.base.atomic import atomic_savez

__all__ = ["FitState", "WindowStore", "inputs_digest", "BLOCK", "blockwise", "window_bounds", "run_windows", "smooth_state"]

#: Frames per body-model call outside the windows (start translation, feet, hips, the result's reprojection).
BLOCK = 512


@dataclass
class FitState:
    """Per-frame fit parameters of F frames: body_aa (F,23,3) axis-angle joints 1…23, root6d (F,6) the root's 6D
    rotation (camera frame), transl (F,3) metres (camera frame). float32 tensors."""

    body_aa: torch.Tensor
    root6d: torch.Tensor
    transl: torch.Tensor

    def slice(self, a: int, b: int) -> "FitState":
        return FitState(self.body_aa[a:b], self.root6d[a:b], self.transl[a:b])

    def clone(self) -> "FitState":
        return FitState(self.body_aa.clone(), self.root6d.clone(), self.transl.clone())

    def arrays(self) -> dict[str, np.ndarray]:
        return {"body_aa": self.body_aa.numpy(), "root6d": self.root6d.numpy(), "transl": self.transl.numpy()}


def blockwise(fn: Callable[[int, int], torch.Tensor], n: int, block: int = BLOCK) -> torch.Tensor:
    """``fn(a, b)`` over frames ``[0, n)`` in blocks of at most ``block`` frames (:func:`core.runtime.blockwise`)."""
    return runtime.blockwise(fn, n, block)


def window_bounds(n: int, window: int, overlap: int) -> list[tuple[int, int]]:
    """The pass's windows ``[(a, b), …]`` over F = ``n`` frames (the last one ends at F)."""
    out, a = [], 0
    while True:
        b = min(a + window, n)
        out.append((a, b))
        if b >= n:
            return out
        a += window - overlap


class WindowStore:
    """One folder of finished windows (created on first save). ``None`` as a store: nothing is written.
    ``salt``: the digest of the fit's own inputs, part of every window's digest (:meth:`salted`)."""

    def __init__(self, path: str | Path, salt: str = ""):
        self.path = Path(path)
        self.salt = salt

    def salted(self, salt: str) -> "WindowStore":
        """The same folder, its windows keyed also by ``salt`` (e.g. :func:`inputs_digest` of the fit's settings)."""
        return WindowStore(self.path, salt)

    def _file(self, pass_id: int, k: int) -> Path:
        return self.path / f"p{pass_id}_w{k:05d}.npz"

    def load(self, pass_id: int, k: int, digest: str) -> FitState | None:
        """Window k of pass ``pass_id`` if it is on disk, readable and was fitted from the same inputs."""
        f = self._file(pass_id, k)
        if not f.is_file():
            return None
        try:
            with np.load(f, allow_pickle=False) as z:
                if str(z["digest"]) != digest:
                    return None
                return FitState(*(torch.from_numpy(np.array(z[k])) for k in ("body_aa", "root6d", "transl")))
        except (OSError, ValueError, KeyError, zipfile.BadZipFile, EOFError):
            return None  # truncated or foreign: fit it again

    def save(self, pass_id: int, k: int, digest: str, s: FitState) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        atomic_savez(self._file(pass_id, k), {**s.arrays(), "digest": np.array(digest)}, compressed=False)


def inputs_digest(*parts) -> str:
    """SHA-1 over ``parts``: arrays and tensors by dtype, shape and bytes, anything else by its ``repr`` (a
    dataclass config's repr lists every field, nested ones too; floats repr exactly)."""
    h = hashlib.sha1()
    for p in parts:
        if isinstance(p, torch.Tensor):
            p = p.detach().cpu().numpy()
        if isinstance(p, np.ndarray):
            h.update(f"{p.dtype}{p.shape}".encode())
            h.update(np.ascontiguousarray(p).tobytes())
        else:
            h.update(repr(p).encode())
        h.update(b"|")
    return h.hexdigest()


def _digest(s: FitState, lock: tuple[torch.Tensor, torch.Tensor] | None, salt: str = "") -> str:
    return inputs_digest(salt, s.body_aa, s.root6d, s.transl, *(lock or ()))


def _blend(out: FitState, fit: FitState, a: int, b: int, overlap: int) -> None:
    """Blend ``fit`` (frames [a, b)) into ``out`` in place: weight rising linearly over the first ``overlap``."""
    w = torch.ones(b - a)
    if overlap:
        w[:overlap] = torch.arange(1, overlap + 1, dtype=torch.float32) / (overlap + 1)
    old = out.slice(a, b).clone()
    out.transl[a:b] = w[:, None] * fit.transl + (1 - w[:, None]) * old.transl
    out.body_aa[a:b] = w[:, None, None] * fit.body_aa + (1 - w[:, None, None]) * old.body_aa
    mix = w[:, None, None] * rot6d_to_matrix(fit.root6d) + (1 - w[:, None, None]) * rot6d_to_matrix(old.root6d)
    out.root6d[a:b] = matrix_to_rot6d(roma.special_procrustes(mix))


def run_windows(s: FitState, window: int, overlap: int, fit_window: Callable[[int, int, FitState], FitState],
                lock: tuple[torch.Tensor, torch.Tensor] | None = None, store: WindowStore | None = None,
                pass_id: int = 0, tick: Callable[[int], None] | None = None) -> FitState:
    """One pass over ``s`` (F frames): ``fit_window(a, b, start)`` fits frames [a, b) from ``start``; ``lock``
    (targets (F,4,3), weights (F,4)) is only part of the inputs' digest here. With ``store``, finished windows are
    read back instead of fitted and new ones written. ``tick(b)`` after each window: frames [0, b) are done."""
    out = s.clone()
    for k, (a, b) in enumerate(window_bounds(len(s.transl), window, overlap)):
        start = out.slice(a, b)
        digest = "" if store is None else _digest(start, None if lock is None else (lock[0][a:b], lock[1][a:b]),
                                                  store.salt)
        done = None if store is None else store.load(pass_id, k, digest)
        if done is not None and done.transl.shape == start.transl.shape:
            out.body_aa[a:b], out.root6d[a:b], out.transl[a:b] = done.body_aa, done.root6d, done.transl
        else:
            _blend(out, fit_window(a, b, start), a, b, 0 if a == 0 else min(overlap, b - a))
            if store is not None:
                store.save(pass_id, k, digest, out.slice(a, b))
        if tick is not None:
            tick(b)
    return out


def smooth_state(s: FitState, sigma: float, rot: torch.Tensor | None, median: int = 0) -> FitState:
    """Gaussian filter over time (σ frames) of the joints' axis-angles, the root's 6D (re-orthonormalised) and
    the translation (after a ``median``-frame median filter when > 0). With a moving camera's rotations ``rot``
    (F,3,3) the translation is filtered in the first camera's axes (a turning camera moves people in its own
    frame)."""
    if sigma <= 0 or len(s.transl) < 3:
        return s
    t = s.transl.double().numpy()
    r = None if rot is None else rot.double().numpy()
    if r is not None:
        t = np.einsum("fji,fj->fi", r, t)
    if median:
        t = median_filter(t, size=(median, 1), mode="nearest")
    t = gaussian_filter1d(t, sigma, axis=0, mode="nearest")
    if r is not None:
        t = np.einsum("fij,fj->fi", r, t)
    body_aa = gaussian_filter1d(s.body_aa.numpy(), sigma, axis=0, mode="nearest")
    root = roma.special_procrustes(rot6d_to_matrix(torch.as_tensor(
        gaussian_filter1d(s.root6d.numpy(), sigma, axis=0, mode="nearest"))))
    return FitState(torch.as_tensor(body_aa), matrix_to_rot6d(root), torch.as_tensor(t, dtype=torch.float32))
