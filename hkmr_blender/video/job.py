"""Run ``hkmr infer`` in a subprocess for Blender (bpy-free, stdlib only).

The "Motion from video" operator runs inference in a subprocess: Blender's own Python with the video runtime
and the extension's core folder on its path (:mod:`..runtime`), or an external interpreter set in the
add-on's preferences (one that has HKMR and torch installed). This module builds that command, starts it, reads its machine-readable progress lines
(``HKMR_PROGRESS {json}`` / ``HKMR_DONE {json}``, see :mod:`.base.progress`) on a reader
thread so Blender's timer can poll without blocking, keeps the tail of stderr for error
reports, and cancels gracefully (SIGINT: finished chunks stay on disk, ``--resume-if-same`` continues them, or
starts over where a setting was changed since). Before the
launch the interpreter is probed (:mod:`.probe`) so a wrong one is reported with its real cause. The probe runs
on a thread: ``start()`` waits for it ``probe_wait`` seconds (a wrong interpreter usually fails at once and
``start()`` raises); a slower one (a cold torch import, or an interpreter that hangs) goes on behind Blender's
timer — ``poll()`` reports stage "check", then launches the run or ends with the probe's error, and Esc
(``cancel()``) kills the probe: Blender's UI never waits the probe's ``probe_timeout``.
"""
from __future__ import annotations

import collections
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass, field

from ..base.formats import MOTION_SUFFIXES, VIDEO_MOTION_SUFFIX
from ..base.inputs import IMAGE_EXTS, VIDEO_EXTS, file_problem
from ..base.options import height_problem
from ..base.progress import parse_line
from ..runtime.locate import infer_env
from .probe import ProbeError, probe_interpreter

__all__ = ["VideoJobError", "VideoJobConfig", "JobStatus", "VideoJob", "build_command", "parse_line",
           "default_output", "video_problem", "VIDEO_FILTER"]

#: The file browser's filter of Motion from Video: every extension ``hkmr infer`` reads as a video.
VIDEO_FILTER = ";".join(f"*{ext}" for ext in VIDEO_EXTS)


class VideoJobError(RuntimeError):
    """The job could not start or failed; the message carries the subprocess's error text."""


@dataclass
class VideoJobConfig:
    """python: interpreter with HKMR + torch; method: "fit" (default, ``hkmr infer``'s: BlazePose detector +
    clip fit; ``person_box`` "x0,y0,x1,y1" chooses whom to follow, empty = auto; ``height`` the person's height in
    metres, ``hkmr infer --height``: the world's scale, 0 = unknown; ``mirror`` False: one BlazePose look per frame,
    ``hkmr infer --no-mirror``, faster, less accurate) or "network" (``--no-fit``:
    the image model with ``checkpoint`` and person crops ``person`` "full" | "track" | "boxes" (needs ``boxes``));
    ``smooth``: One-Euro smoothing, network only; pythonpath: optional folder put in front of PYTHONPATH (an HKMR
    checkout not installed); isolated: PYTHONPATH is exactly ``pythonpath`` and user site-packages are off (Blender's
    own Python with the video runtime, :func:`..runtime.locate.infer_env`)."""

    python: str
    input: str
    output: str
    method: str = "fit"
    person_box: str = ""
    height: float = 0.0
    mirror: bool = True
    checkpoint: str = ""
    person: str = "full"
    boxes: str = ""
    smooth: bool = True
    device: str = "auto"
    resume: bool = True
    overlay: str = ""
    pythonpath: str = ""
    isolated: bool = False
    extra_args: list[str] = field(default_factory=list)
    probe_wait: float = 2.0
    probe_timeout: float = 120.0


def video_problem(path: str) -> str | None:
    """Why ``path`` is no input for Motion from Video — the message names the file and the fix — or None for a
    video file (by extension, any case), an image file or a folder holding image frames. Checked before anything
    starts: ``hkmr infer`` would read a ``.txt`` as a list of videos and write a folder, a motion file as a broken
    video."""
    if not path:
        return f"no video chosen: pick a video file ({', '.join(VIDEO_EXTS)}) in the file browser"
    ext = os.path.splitext(path.rstrip("/\\"))[1].lower()
    if os.path.isdir(path):
        try:
            names = os.listdir(path)
        except OSError as exc:
            return f"{path}: cannot list the folder ({exc.strerror}); choose a video file"
        if any(os.path.splitext(f)[1].lower() in IMAGE_EXTS for f in names if not f.startswith(".")):
            return None
        return (f"{path}: a folder without image frames ({', '.join(IMAGE_EXTS)}); choose a video file, or a folder "
                f"of a clip's frames")
    problem = file_problem(path)
    if problem is not None:
        return f"{path}: {problem}; choose a video file ({', '.join(VIDEO_EXTS)})"
    if ext in VIDEO_EXTS or ext in IMAGE_EXTS:
        return None
    if ext in MOTION_SUFFIXES:
        return (f"{path}: a motion file, not a video; import it with Import Motion… (HKMR sidebar) or File > Import "
                f"> SMPL Motion")
    return (f"{path}: not a video ({ext or 'no extension'}); Motion from Video takes a video file "
            f"({', '.join(VIDEO_EXTS)}) or a folder of image frames")


def default_output(video: str) -> str:
    """``clip.mp4`` → ``clip.motion.npz`` next to it (a folder ``frames/`` → ``frames.motion.npz``)."""
    base = os.path.splitext(video.rstrip("/\\"))[0]
    return base + VIDEO_MOTION_SUFFIX


def build_command(cfg: VideoJobConfig) -> list[str]:
    """The argv of ``python -m core.cli infer ...`` for ``cfg``."""
    cmd = [cfg.python, "-m", "core.cli", "infer", cfg.input, "-o", cfg.output, "--progress", "json",
           "--device", cfg.device]
    if cfg.method == "fit":
        if cfg.person_box:
            cmd += ["--person", cfg.person_box]
        if cfg.height:
            problem = height_problem(cfg.height, "Person's height")
            if problem:
                raise VideoJobError(f"{problem}, or 0 if unknown")
            cmd += ["--height", repr(float(cfg.height))]
        if not cfg.mirror:  # the default (two looks) sends no flag
            cmd.append("--no-mirror")
    elif cfg.method == "network":
        cmd.append("--no-fit")
        if cfg.smooth:  # One-Euro on the network's per-frame output; the fit has its own temporal term
            cmd.append("--smooth")
        if cfg.checkpoint:
            cmd += ["--checkpoint", cfg.checkpoint]
        if cfg.person == "track":
            cmd.append("--track")
        elif cfg.person == "boxes":
            if not cfg.boxes:
                raise VideoJobError("person boxes chosen but no boxes file given")
            cmd += ["--boxes", cfg.boxes]
        elif cfg.person != "full":
            raise VideoJobError(f"unknown person mode {cfg.person!r}; use full, track or boxes")
    else:
        raise VideoJobError(f"unknown method {cfg.method!r}; use fit or network")
    if cfg.resume:  # after Esc the animator may change a setting (Two looks per frame): then it starts over
        cmd.append("--resume-if-same")
    if cfg.overlay:
        cmd += ["--overlay", cfg.overlay]
    return cmd + list(cfg.extra_args)


@dataclass
class JobStatus:
    """fraction 0…1; fps frames/s; finished; returncode (None while running); output when done;
    error: the subprocess's error text when it failed; warnings: what ``hkmr infer`` warned about
    (``HKMR_WARNING {"message": ...}`` lines), for the operator to show."""

    fraction: float = 0.0
    done: int = 0
    total: int = 0
    fps: float = 0.0
    stage: str = "detect"  # "check" (the interpreter's probe), "detect" (done/total frames), "fit" (frames ×
    #                        passes; frames on a long video) or "hands" (--hands: frames × 2)
    finished: bool = False
    returncode: int | None = None
    output: str = ""
    error: str = ""
    warnings: list[str] = field(default_factory=list)


def _resolve_python(python: str) -> str:
    if not python:
        raise VideoJobError("no Python interpreter set: in the HKMR add-on preferences, set 'Python' to an "
                            "interpreter that has HKMR and torch installed (e.g. the venv's bin/python)")
    found = python if os.path.isfile(python) else shutil.which(python)
    if not found or not os.access(found, os.X_OK):
        raise VideoJobError(f"Python interpreter {python!r} not found or not executable; fix 'Python' in the "
                            f"HKMR add-on preferences")
    return found


class VideoJob:
    """One ``hkmr infer`` subprocess. ``start()``, then ``poll()`` from a timer; ``cancel()``."""

    def __init__(self, cfg: VideoJobConfig):
        self.cfg = cfg
        self.status = JobStatus()
        self.proc: subprocess.Popen | None = None
        self._lines: queue.Queue = queue.Queue()
        self._stderr: collections.deque = collections.deque(maxlen=200)
        self._threads: list[threading.Thread] = []
        self.cancelled = False
        self._pending: tuple[list[str], dict] | None = None   # the run's argv and env while the probe runs
        self._probe: threading.Thread | None = None
        self._probe_proc: subprocess.Popen | None = None
        self._probe_error: str | None = None

    def start(self) -> "VideoJob":
        cmd = build_command(self.cfg)
        cmd[0] = _resolve_python(self.cfg.python)
        env = dict(os.environ)
        env["PYTHONUNBUFFERED"] = "1"
        if self.cfg.isolated:
            core_dir, _, runtime_dir = self.cfg.pythonpath.partition(os.pathsep)
            env = infer_env(runtime_dir, core_dir)
        elif self.cfg.pythonpath:
            env["PYTHONPATH"] = os.pathsep.join(p for p in (self.cfg.pythonpath, env.get("PYTHONPATH")) if p)
        self._pending = (cmd, env)
        self._probe = threading.Thread(target=self._run_probe, args=(cmd[0], env), daemon=True)
        self._probe.start()
        self._probe.join(self.cfg.probe_wait)
        if self._probe.is_alive():   # slow or hanging: poll() goes on from Blender's timer
            self.status.stage = "check"
            return self
        if self._probe_error is not None:
            raise VideoJobError(self._probe_error)
        return self._launch()

    def _run_probe(self, python: str, env: dict) -> None:
        try:
            probe_interpreter(python, env, self.cfg.probe_timeout, on_start=self._started_probe)
        except ProbeError as exc:
            self._probe_error = str(exc)

    def _started_probe(self, proc: subprocess.Popen) -> None:
        self._probe_proc = proc
        if self.cancelled:
            proc.kill()

    def _launch(self) -> "VideoJob":
        cmd, env = self._pending
        self._pending = None
        self.status.stage = "detect"
        flags = subprocess.CREATE_NEW_PROCESS_GROUP if sys.platform == "win32" else 0
        try:
            self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                         encoding="utf-8", errors="replace", env=env, creationflags=flags)
        except OSError as exc:
            raise VideoJobError(f"cannot start {cmd[0]}: {exc}") from exc
        for stream, sink in ((self.proc.stdout, self._lines.put), (self.proc.stderr, self._stderr.append)):
            t = threading.Thread(target=self._pump, args=(stream, sink), daemon=True)
            t.start()
            self._threads.append(t)
        return self

    @staticmethod
    def _pump(stream, sink) -> None:
        for line in stream:
            sink(line.rstrip("\n"))
        stream.close()

    def poll(self) -> JobStatus:
        """Consume pending progress lines; detect the end of the process (or of the interpreter's probe)."""
        st = self.status
        if self._pending is not None and not st.finished:
            if self._probe is not None and self._probe.is_alive():
                return st
            if self.cancelled or self._probe_error is not None:
                st.finished, st.error = True, "cancelled" if self.cancelled else self._probe_error
                self._pending = None
                return st
            try:
                self._launch()
            except VideoJobError as exc:
                st.finished, st.error = True, str(exc)
                return st
        while True:
            try:
                parsed = parse_line(self._lines.get_nowait())
            except queue.Empty:
                break
            if parsed is None:
                continue
            kind, data = parsed
            if kind == "progress":
                stage = str(data.get("stage", "detect"))
                if stage == "fit" and st.stage == "detect" and 0 < st.done < st.total:
                    continue  # a long video's fit runs beside detection: the bar follows detection until it ends
                st.done, st.total, st.fps = int(data["done"]), int(data["total"]), float(data["fps"])
                st.stage = stage
                st.fraction = min(st.done / max(st.total, 1), 1.0)
            elif kind == "warning":
                st.warnings.append(str(data.get("message", "")))
            else:
                st.output, st.fraction = data["output"], 1.0
        if self.proc is not None and not st.finished and self.proc.poll() is not None:
            for t in self._threads:
                t.join(timeout=5)
            if not self._lines.empty():
                return self.poll()
            st.finished, st.returncode = True, self.proc.returncode
            if st.returncode != 0:
                st.error = self.error_text()
            elif not st.output or not os.path.isfile(st.output):  # exit 0 without HKMR_DONE: not a real run
                st.error = (f"{self.cfg.python} exited without writing the motion file "
                            f"({st.output or self.cfg.output}); {self.error_text()}")
        return st

    def error_text(self) -> str:
        """The subprocess's own error lines (``error: ...``), else the tail of its stderr."""
        lines = [ln for ln in self._stderr if ln.strip()]
        errs = [ln for ln in lines if ln.startswith("error:") or "Error" in ln.split(":")[0]]
        if self.cancelled:
            return "cancelled; run again to resume from the last finished chunk"
        return "\n".join(errs[-5:] or lines[-15:]) or f"hkmr infer exited with code {self.status.returncode}"

    def wait(self, timeout: float | None = None) -> JobStatus:
        """Block until the process ends (headless use)."""
        if self._pending is not None and self._probe is not None:
            self._probe.join()
            if self.poll().finished:
                return self.status
        if self.proc is not None:
            self.proc.wait(timeout)
        for t in self._threads:
            t.join(timeout=5)
        return self.poll()

    def cancel(self, grace: float = 10.0) -> None:
        """Interrupt (SIGINT / CTRL_BREAK) so the run stops cleanly; kill after ``grace`` seconds. While the
        interpreter is still being probed, the probe is killed and the run never starts."""
        if self._pending is not None:
            self.cancelled = True
            if self._probe_proc is not None and self._probe_proc.poll() is None:
                self._probe_proc.kill()
            return
        if self.proc is None or self.proc.poll() is not None:
            return
        self.cancelled = True
        self.proc.send_signal(signal.CTRL_BREAK_EVENT if sys.platform == "win32" else signal.SIGINT)
        try:
            self.proc.wait(grace)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
