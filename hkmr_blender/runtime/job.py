"""The "Set up video support" job (bpy-free): pip steps in a subprocess, read on a thread, cancel, marker.

``SetupJob(...).start()`` creates the runtime folder if needed (remembering that this run created it), runs
the pip steps of :func:`.plan.commands_for` one after the other, and :meth:`poll` reports a short status
text from pip's output (:func:`.pip_output.progress_of`). On failure the cause comes from
:func:`.pip_output.classify`. :meth:`cancel` kills pip and removes the folder only if this run created it.
When pip is done the caller verifies (:func:`.verify.verify_runtime`) and :meth:`finish` writes the marker.
:func:`remove_runtime` deletes a folder only when the set-up's marker is in it.
"""
from __future__ import annotations

import collections
import os
import queue
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass

from .locate import MARKER, read_marker, write_marker
from .pins import RuntimePins, python_version
from .pip_output import classify, progress_of
from .plan import commands_for

__all__ = ["SetupStatus", "SetupJob", "remove_runtime", "pins_digest", "RuntimeFolderError", "MADE_BY"]

MADE_BY = "hkmr_mocap: Set up video support"


class RuntimeFolderError(RuntimeError):
    """A folder the set-up did not make was asked to be removed (or cannot be used); the message says why."""


def pins_digest(pins: RuntimePins) -> str:
    """A short fingerprint of a pins row: a marker with another digest means "update: repair needed"."""
    import hashlib
    return hashlib.sha256(repr(pins).encode()).hexdigest()[:16]


@dataclass
class SetupStatus:
    """step (1-based) of steps; text: pip's current activity; finished; error: cause + fix when it failed."""

    step: int = 0
    steps: int = 0
    text: str = "starting pip"
    finished: bool = False
    error: str = ""
    kind: str = ""


class SetupJob:
    """Install ``pins`` into ``target`` with ``python`` (Blender's own); ``wheel_dir``: a local wheel folder."""

    def __init__(self, pins: RuntimePins, python: str, target: str, wheel_dir: str = "", env: dict | None = None,
                 platform: str = sys.platform):
        self.pins, self.python, self.target, self.wheel_dir = pins, python, os.path.abspath(target), wheel_dir
        self.env = dict(os.environ if env is None else env)
        self.env["PYTHONNOUSERSITE"] = "1"
        self.env.pop("PYTHONPATH", None)  # pip must not see the runtime it is installing
        self.commands = commands_for(pins, python, self.target, platform, wheel_dir)
        self.status = SetupStatus(steps=len(self.commands))
        self.created = False
        self.cancelled = False
        self.proc: subprocess.Popen | None = None
        self._lines: queue.Queue = queue.Queue()
        self._tail: collections.deque = collections.deque(maxlen=400)
        self._thread: threading.Thread | None = None
        self.started = time.monotonic()

    def start(self) -> "SetupJob":
        if self.wheel_dir and not os.path.isdir(self.wheel_dir):
            raise RuntimeFolderError(f"local wheel folder {self.wheel_dir} not found: choose an existing folder "
                                     "in the add-on preferences, or clear it to download from the package index")
        if os.path.exists(self.target) and not os.path.isdir(self.target):
            raise RuntimeFolderError(f"{self.target} exists and is not a folder: move it away and run again")
        if os.path.isdir(self.target) and os.listdir(self.target) and read_marker(self.target) is None:
            raise RuntimeFolderError(f"{self.target} holds files the set-up did not make (no {MARKER}): move them "
                                     "away and run again")
        if not os.path.isdir(self.target):
            os.makedirs(self.target)
            self.created = True
        # marked at once: a set-up interrupted by a crash leaves a folder that a re-run repairs and Remove deletes
        write_marker(self.target, {"made_by": MADE_BY, "tag": self.pins.tag, "complete": False})
        self._next_step()
        return self

    def _next_step(self) -> None:
        cmd = self.commands[self.status.step]
        self.status.step += 1
        flags = subprocess.CREATE_NEW_PROCESS_GROUP if sys.platform == "win32" else 0
        try:
            self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                         encoding="utf-8", errors="replace", env=self.env, creationflags=flags,
                                         stdin=subprocess.DEVNULL)
        except OSError as exc:
            self._fail("other", f"cannot start pip with {self.python} ({exc})")
            return
        self._thread = threading.Thread(target=self._pump, args=(self.proc.stdout,), daemon=True)
        self._thread.start()

    def _pump(self, stream) -> None:
        for line in stream:
            self._lines.put(line.rstrip("\n"))
        stream.close()

    def _fail(self, kind: str, message: str) -> None:
        self.status.finished, self.status.kind, self.status.error = True, kind, message
        if self.created:  # a half-filled folder this run made is of no use
            shutil.rmtree(self.target, ignore_errors=True)

    def poll(self) -> SetupStatus:
        st = self.status
        while True:
            try:
                line = self._lines.get_nowait()
            except queue.Empty:
                break
            self._tail.append(line)
            text = progress_of(line)
            if text:
                st.text = text
        if st.finished or self.proc is None or self.proc.poll() is None:
            return st
        if self._thread is not None:
            self._thread.join(timeout=5)
        if not self._lines.empty():
            return self.poll()
        if self.cancelled:
            return st
        if self.proc.returncode != 0:
            problem = classify("\n".join(self._tail), python_version(self.pins.tag))
            self._fail(problem.kind, problem.message)
        elif st.step < st.steps:
            self._next_step()
        else:
            st.finished, st.text = True, "verifying"
        return st

    def output(self) -> str:
        return "\n".join(self._tail)

    def wait(self, timeout: float | None = None) -> SetupStatus:
        """Block until every step ended (headless use)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self.poll().finished:
            if deadline is not None and time.monotonic() > deadline:
                self.cancel()
                self._fail("other", f"pip did not finish within {timeout:g} s")
                break
            time.sleep(0.2)
        return self.status

    def cancel(self) -> None:
        """Kill pip; remove the folder only if this run created it (a repaired folder keeps its old marker)."""
        self.cancelled = True
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.status.finished, self.status.kind, self.status.error = True, "cancelled", "cancelled"
        if self.created:
            shutil.rmtree(self.target, ignore_errors=True)

    def finish(self, versions: dict) -> None:
        """Write the marker (what was installed, by which pins) after a successful verification."""
        write_marker(self.target, {"made_by": MADE_BY, "tag": self.pins.tag, "complete": True,
                                   "pins": pins_digest(self.pins), "versions": versions,
                                   "seconds": round(time.monotonic() - self.started, 1)})


def remove_runtime(target: str) -> None:
    """Delete ``target`` if the set-up made it (its marker is there); else raise :class:`RuntimeFolderError`."""
    if not os.path.isdir(target):
        raise RuntimeFolderError(f"{target}: no video runtime is installed there")
    if read_marker(target) is None:
        raise RuntimeFolderError(f"{target} has no {MARKER}: the set-up did not make it, so it is left alone")
    shutil.rmtree(target)
