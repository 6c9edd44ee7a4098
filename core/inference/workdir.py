"""Resumable results on disk: fixed-size chunks of per-frame arrays plus a JSON manifest.

Layout, next to the output ``motion.npz``: ``.motion.npz.hkmr-work/`` holding
``manifest.json`` and ``chunk_00000.npz`` … A chunk covers source frames
``[k · chunk_size, (k + 1) · chunk_size)``; it is written atomically, then the manifest is
rewritten atomically to list it (with the tracker state after it), so an interruption at any
moment loses at most the chunk in progress. A resumed run must have the same fingerprint
(input, model file, settings that change results); it skips the listed chunks and, since
batches never cross a chunk boundary, recomputes the rest exactly as an uninterrupted run.

One run at a time: :meth:`WorkDir.open` takes ``.motion.npz.hkmr-work.lock`` (created with O_EXCL, holding
the owner's pid) and the ``with`` block releases it; a second run on the same output is refused, naming the
other pid; the lock of a dead process is taken over, and so is one whose pid now belongs to another process (the
lock records the owner's start time where the system tells it, ``/proc``). A folder of that name that is not a
work folder (no manifest), a link, or a lock that is a folder is never removed. A resumed run keeps the readable
prefix of its chunks (a truncated chunk is redone). A write that fails inside the ``with`` block (a full disk) once
chunks are finished is re-raised saying the work is kept and to run again with ``--resume``.
"""
from __future__ import annotations

import json
import os
import shutil
import zipfile
from pathlib import Path

import numpy as np

from hkmr_blender.base.atomic import atomic_write, hidden_name
from hkmr_blender.base.atomic import atomic_savez

__all__ = ["WorkDirError", "WorkDir", "work_dir_for", "RunLock", "settings_diff", "RESUME_IF_SAME"]

_VERSION = 1
#: ``open(resume=RESUME_IF_SAME)`` (``hkmr infer --resume-if-same``, what the Blender add-on sends): continue an
#: interrupted run of the same settings, start over where its settings differ (instead of refusing).
RESUME_IF_SAME = "if-same"
_HELD: set[str] = set()  # lock files this process holds (its own pid in a lock it does not hold is stale)


class WorkDirError(ValueError):
    """A work folder that cannot be resumed; the message says why and what to do."""


#: Fingerprint keys that are no ``hkmr infer`` option of their own name (``detector_X`` → ``--X``, ``a_b`` → ``--a-b``).
_SETTING_NAMES = {"input": "the input", "input_stat": "the input's files (changed since)", "model": "--checkpoint",
                  "path": "--no-fit", "stream": "streamed fit", "img_res": "the checkpoint's image size",
                  "detector_min_detection": "detector min_detection", "detector_min_tracking": "detector min_tracking",
                  "detector_smooth": "detector smooth"}


def _setting_value(key: str, value) -> str:
    if key == "detector_person" and value is None:
        return "auto"
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, list) and key == "detector_person":
        return ",".join(f"{v:g}" for v in value)
    return "none" if value is None else str(value)


def settings_diff(old: dict, new: dict) -> str:
    """The settings two fingerprints differ in, as a user set them: ``--mirror: on (this run: off)``; a key one of
    them lacks (a work folder of an older version) reads "not recorded"."""
    out = []
    for k in sorted(set(old) | set(new)):
        if old.get(k) != new.get(k):
            name = _SETTING_NAMES.get(k, "--" + k.removeprefix("detector_").replace("_", "-"))
            if k in ("input", "input_stat"):
                out.append(name)
                continue
            was, now = (_setting_value(k, d[k]) if k in d else "not recorded" for d in (old, new))
            out.append(f"{name}: {was} (this run: {now})")
    return "; ".join(out)


def work_dir_for(output: str | os.PathLike) -> Path:
    out = Path(output)
    return out.with_name(hidden_name(out.name, ".hkmr-work", len(".lock")))


def _started(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (Linux ``/proc/PID/stat`` field 22), None elsewhere or
    when it is gone: with the pid it names one process, so a lock whose pid was reused by another is stale."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            return fh.read().rsplit(b")", 1)[1].split()[19].decode()
    except (OSError, IndexError):
        return None


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


class RunLock:
    """An O_EXCL lock file holding the owner's pid. :meth:`acquire` refuses (:class:`WorkDirError`) while a
    live process holds it and takes over the lock of a dead one; :meth:`release` removes it."""

    def __init__(self, path: str | os.PathLike, what: str):
        self.path, self.what = Path(path), what

    def _owner(self) -> int | None:
        try:
            text = self.path.read_text().split()
            return int(text[0]) if text else None
        except (OSError, ValueError):
            return None

    def _live(self, pid: int) -> bool:
        """The lock's owner ``pid`` still runs: alive, and (where the lock records it) the same process — a live
        pid with another start time is an unrelated process that reused the number of a dead run."""
        if not _pid_alive(pid):
            return False
        try:
            recorded = self.path.read_text().split()[1:2]
        except OSError:
            recorded = []
        now = _started(pid)
        return not (recorded and now is not None and recorded[0] != now)

    def acquire(self) -> "RunLock":
        if self.path.is_symlink() or (self.path.exists() and not self.path.is_file()):
            raise WorkDirError(f"{self.what}: {self.path} is not an HKMR lock file (a folder or a link); it is left "
                               f"alone: move it away or choose another output name")
        for _ in range(3):
            try:
                fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            except FileExistsError:
                pid = self._owner()
                held_here = str(self.path) in _HELD
                if pid is not None and (held_here or (pid != os.getpid() and self._live(pid))):
                    raise WorkDirError(f"{self.what}: another hkmr run (pid {pid}) is writing this output now "
                                       f"(lock {self.path}); wait for it to finish or choose another output. If "
                                       f"no such process exists, delete {self.path}") from None
                if pid is None and self.path.exists():  # being written this instant, or garbage: look again
                    import time

                    time.sleep(0.05)
                    if self._owner() is not None:
                        continue
                if self._owner() == pid:  # still the stale lock we read: take it over
                    try:
                        self.path.unlink()
                    except FileNotFoundError:
                        pass
                continue
            with os.fdopen(fd, "w") as fh:
                fh.write(f"{os.getpid()} {_started(os.getpid()) or ''}".rstrip() + "\n")
            _HELD.add(str(self.path))
            return self
        raise WorkDirError(f"{self.what}: could not take the lock {self.path} (other runs keep taking it); "
                           f"try again")

    def release(self) -> None:
        if str(self.path) in _HELD:
            _HELD.discard(str(self.path))
            try:
                self.path.unlink()
            except FileNotFoundError:
                pass


class WorkDir:
    """Chunk files + manifest for one run. ``fingerprint``: JSON-able dict that must match to resume."""

    def __init__(self, path: str | os.PathLike, fingerprint: dict):
        self.path = Path(path)
        self.fingerprint = json.loads(json.dumps(fingerprint))
        self.manifest = {"version": _VERSION, "fingerprint": self.fingerprint, "chunks": [], "complete": False}
        self.lock = RunLock(self.path.with_name(self.path.name + ".lock"), str(self.path))
        self.restarted: str | None = None  # why an interrupted run's work was started over (RESUME_IF_SAME)

    @property
    def _manifest_path(self) -> Path:
        return self.path / "manifest.json"

    def __enter__(self) -> "WorkDir":
        return self

    def __exit__(self, kind, exc, tb) -> None:
        self.lock.release()
        if isinstance(exc, OSError) and "--resume" not in str(exc) and self.chunks and self._manifest_path.is_file():
            # a full disk (or another failed write) after finished chunks: say they are kept and how to go on
            done = self.frames_done
            raise OSError(f"{exc}. The finished work ({done} frame{'s' * (done != 1)}) is kept in "
                          f"{self.path}: free some space (or fix the cause) and run the same command again with "
                          f"--resume to continue") from exc

    def open(self, resume: bool | str) -> "WorkDir":
        """Take the lock, then start fresh (an old work folder is removed), or with ``resume`` continue a
        matching one (True: a work folder of other settings is refused; :data:`RESUME_IF_SAME`: it is started over,
        :attr:`restarted` says why). Use as ``with WorkDir(...).open(resume) as work:`` (the block releases the lock)."""
        self.lock.acquire()
        try:
            return self._open(resume)
        except BaseException:
            self.lock.release()
            raise

    def _open(self, resume: bool | str) -> "WorkDir":
        if self.path.is_symlink():  # it is created and removed whole: never through a link to someone's folder
            raise WorkDirError(f"{self.path}: is a link (to {os.readlink(self.path)}), not an HKMR work folder; it is "
                               f"left alone: remove the link or choose another output name")
        if self.path.exists() and not (self.path.is_dir() and (self._manifest_path.is_file()
                                                                 or not any(self.path.iterdir()))):
            raise WorkDirError(f"{self.path}: exists but is not an HKMR work folder (no manifest.json); it is "
                               f"left alone: move it away or choose another output name")
        if self.path.exists() and resume and self._manifest_path.is_file():
            with open(self._manifest_path) as fh:
                old = json.load(fh)
            if old.get("version") == _VERSION and old.get("fingerprint") == self.fingerprint:
                kept = self._readable_prefix(old["chunks"])
                old["complete"] = bool(old.get("complete")) and len(kept) == len(old["chunks"])
                old["chunks"] = kept
                self.manifest = old
                return self
            diff = settings_diff(old.get("fingerprint", {}), self.fingerprint) or "an older version's work folder"
            if resume != RESUME_IF_SAME:
                raise WorkDirError(f"{self.path}: the interrupted run used other settings — {diff}. Run again "
                                   f"without --resume to start over, or with the interrupted run's settings")
            # a work folder of other settings is of no use to this run: started over, as without --resume
            self.restarted = f"the interrupted run used other settings — {diff}; started over with this run's"
        if self.path.exists():
            shutil.rmtree(self.path)
        self.path.mkdir(parents=True)
        self._save_manifest()
        return self

    def reload(self) -> "WorkDir":
        """Read the manifest again (a folder this process locked and another one, its detection process, writes:
        :mod:`core.pipeline.detect_process`)."""
        with open(self._manifest_path) as fh:
            self.manifest = json.load(fh)
        return self

    def _readable_prefix(self, chunks: list[dict]) -> list[dict]:
        """The listed chunks up to the first missing or unreadable one (a truncated file is redone)."""
        kept = []
        for c in chunks:
            try:
                with zipfile.ZipFile(self.path / c["file"]) as zf:
                    if zf.testzip() is not None:
                        break
            except (OSError, zipfile.BadZipFile, KeyError, TypeError):
                break
            kept.append(c)
        return kept

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
        return self.load_range(0, self.frames_done)

    def load_range(self, a: int, b: int, chunks: list[dict] | None = None,
                   keys: tuple[str, ...] | None = None) -> dict[str, np.ndarray]:
        """Frames ``[a, b)`` of the finished chunks (``chunks``: a snapshot of :attr:`chunks`, for a reader in
        another thread than the one adding them), concatenated along the frame axis; only the chunks that overlap
        are read, and of them only ``keys`` (None: every array)."""
        parts: dict[str, list[np.ndarray]] = {}
        start = 0
        for c in list(self.chunks if chunks is None else chunks):
            lo, hi = max(a - start, 0), min(b - start, c["frames"])
            if lo < hi:
                with np.load(self.path / c["file"], allow_pickle=False) as data:
                    for k in data.files if keys is None else [k for k in keys if k in data.files]:
                        parts.setdefault(k, []).append(data[k][lo:hi])
            start += c["frames"]
        return {k: np.concatenate(v) for k, v in parts.items()}

    def remove(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
