"""Resumable results on disk: fixed-size chunks of per-frame arrays plus a JSON manifest.

Layout, next to the output ``motion.npz``: ``.motion.npz.hkmr-work/`` holding
``manifest.json`` and ``chunk_00000.npz`` … A chunk covers source frames
``[k · chunk_size, (k + 1) · chunk_size)``; it is written atomically, then the manifest is
rewritten atomically to list it (with the tracker state after it), so an interruption at any
moment loses at most the chunk in progress. A resumed run must have the same fingerprint
(input, model file, settings that change results); it skips the listed chunks and, since
batches never cross a chunk boundary, recomputes the rest exactly as an uninterrupted run.
"""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np

from hkmr_blender.base.atomic import atomic_write
from hkmr_blender.base.atomic import atomic_savez

__all__ = ["WorkDirError", "WorkDir", "work_dir_for"]

_VERSION = 1


class WorkDirError(ValueError):
    """A work folder that cannot be resumed; the message says why and what to do."""


def work_dir_for(output: str | os.PathLike) -> Path:
    out = Path(output)
    return out.with_name(f".{out.name}.hkmr-work")


class WorkDir:
    """Chunk files + manifest for one run. ``fingerprint``: JSON-able dict that must match to resume."""

    def __init__(self, path: str | os.PathLike, fingerprint: dict):
        self.path = Path(path)
        self.fingerprint = json.loads(json.dumps(fingerprint))
        self.manifest = {"version": _VERSION, "fingerprint": self.fingerprint, "chunks": [], "complete": False}

    @property
    def _manifest_path(self) -> Path:
        return self.path / "manifest.json"

    def open(self, resume: bool) -> "WorkDir":
        """Start fresh (an old folder is removed), or with ``resume`` continue a matching one."""
        if self.path.exists() and resume and self._manifest_path.is_file():
            with open(self._manifest_path) as fh:
                old = json.load(fh)
            if old.get("version") != _VERSION or old.get("fingerprint") != self.fingerprint:
                diff = sorted(k for k in set(self.fingerprint) | set(old.get("fingerprint", {}))
                              if self.fingerprint.get(k) != old.get("fingerprint", {}).get(k))
                raise WorkDirError(f"{self.path}: the interrupted run used other settings ({', '.join(diff)}); "
                                   f"run again without --resume to start over, or restore those settings")
            old["chunks"] = [c for c in old["chunks"] if (self.path / c["file"]).is_file()]
            self.manifest = old
            return self
        if self.path.exists():
            shutil.rmtree(self.path)
        self.path.mkdir(parents=True)
        self._save_manifest()
        return self

    @property
    def chunks(self) -> list[dict]:
        return self.manifest["chunks"]

    @property
    def frames_done(self) -> int:
        return sum(c["frames"] for c in self.chunks)

    @property
    def complete(self) -> bool:
        return bool(self.manifest["complete"])

    def _save_manifest(self) -> None:
        atomic_write(self._manifest_path, lambda fh: fh.write(json.dumps(self.manifest).encode()))

    def add_chunk(self, arrays: dict[str, np.ndarray], frames: int, state: dict) -> None:
        name = f"chunk_{len(self.chunks):05d}.npz"
        atomic_savez(self.path / name, arrays, compressed=False)
        self.chunks.append({"file": name, "frames": int(frames), "state": state})
        self._save_manifest()

    def mark_complete(self) -> None:
        self.manifest["complete"] = True
        self._save_manifest()

    def last_state(self) -> dict:
        return self.chunks[-1]["state"] if self.chunks else {}

    def load_all(self) -> dict[str, np.ndarray]:
        """Concatenate every chunk's arrays along the frame axis."""
        parts: dict[str, list[np.ndarray]] = {}
        for c in self.chunks:
            with np.load(self.path / c["file"], allow_pickle=False) as data:
                for k in data.files:
                    parts.setdefault(k, []).append(data[k])
        return {k: np.concatenate(v) for k, v in parts.items()}

    def remove(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
