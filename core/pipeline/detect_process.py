"""Stage "detect" in a child process, so that a long video's fit (:mod:`.stream`) runs beside it on the other core.

The child (``python -c`` with this module's :func:`main`; numpy, OpenCV and mediapipe only — no torch) runs
:func:`.detect.detect_chunks` into the work folder that this process opened and holds the lock of, and reports
on its stdout, one JSON line each: ``progress`` (done, total, frames/s), ``chunk`` (the manifest's chunk list after
each chunk is on disk), ``done``, or ``error`` (the message; a ValueError's is raised again here as a ValueError).
A thread would share the interpreter's lock with the fit: measured on this machine, BlazePose beside a fitting
thread took 46–57 s for 500 frames against 20–22 s alone (docs/BENCHMARKS.md). The child dies with this process
(``PR_SET_PDEATHSIG`` on Linux), so a killed run leaves no detector writing into a folder a resumed run then owns.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Callable

from core.inference.workdir import WorkDir

__all__ = ["DetectProcess", "FinishedDetection", "main"]

_ROOT = str(Path(__file__).resolve().parents[2])


class DetectProcess:
    """Detection of ``input_path`` into ``work`` (opened and locked by the caller) in a child process. The parent's
    side: :meth:`check` / :meth:`wait_for` read the child's reports (calling ``progress`` and ``on_chunk`` as the
    in-process stage does), :meth:`load` reads finished frames, :meth:`finish` waits for the end."""

    def __init__(self, input_path: str, fps: float | None, detector, chunk_size: int, work: WorkDir,
                 progress: Callable[[int, int, float], None] | None = None,
                 on_chunk: Callable[[int], None] | None = None):
        self.work, self.progress, self.on_chunk = work, progress, on_chunk
        self.chunks: list[dict] = list(work.chunks)
        self.complete = work.complete
        self.done_at = time.perf_counter()  # when the child reported the end (perf_counter seconds)
        job = {"input": input_path, "fps": fps, "detector": asdict(detector), "chunk_size": chunk_size,
               "work": str(work.path), "fingerprint": work.fingerprint, "manifest": work.manifest}
        paths = [_ROOT] + [p for p in sys.path if p != _ROOT]  # this process's imports, wherever they came from
        code = f"import sys; sys.path[:0] = {paths!r}; from core.pipeline.detect_process import main; main()"
        self.proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.proc.stdin.write(json.dumps(job).encode())
        self.proc.stdin.close()
        self._buf = b""

    @property
    def frames(self) -> int:
        return sum(c["frames"] for c in self.chunks)

    def _line(self, block: bool) -> bytes | None:
        """The child's next line (b"" once it has ended), or None when ``block`` is False and none is there yet."""
        import select

        fd = self.proc.stdout.fileno()
        while b"\n" not in self._buf:
            if not block and not select.select([fd], [], [], 0)[0]:
                return None
            data = os.read(fd, 65536)
            if not data:
                return b""
            self._buf += data
        line, self._buf = self._buf.split(b"\n", 1)
        return line + b"\n"

    def _read(self, block: bool = True) -> bool:
        """Handle one report from the child; False when ``block`` is False and none has arrived."""
        line = self._line(block)
        if line is None:
            return False
        if not line:
            code = self.proc.wait()
            raise RuntimeError(f"the detection process ended (exit code {code}) before it finished")
        if not line.startswith(b"{"):
            return True  # a library's own output on stdout
        msg = json.loads(line)
        if msg["kind"] == "progress" and self.progress is not None:
            self.progress(msg["done"], msg["total"], msg["fps"])
        elif msg["kind"] == "chunk":
            self.chunks = msg["chunks"]
            if self.on_chunk is not None:
                self.on_chunk(len(self.chunks) - 1)
        elif msg["kind"] == "done":
            self.complete, self.done_at = True, time.perf_counter()
        elif msg["kind"] == "error":
            raise (ValueError if msg["value_error"] else RuntimeError)(msg["message"])
        return True

    def check(self) -> None:
        """Handle the reports that have arrived, without waiting."""
        while not self.complete and self._read(block=False):
            pass

    def wait_for(self, frames: int) -> tuple[int, bool]:
        """Wait until ``frames`` frames are in finished chunks or detection ended → (frames done, complete)."""
        while self.frames < frames and not self.complete:
            self._read()
        self.check()
        return self.frames, self.complete

    def load(self, a: int, b: int) -> dict:
        return self.work.load_range(a, b, self.chunks)

    def finish(self) -> None:
        """Wait for the end of detection; the caller's work folder then lists every chunk."""
        self.wait_for(sys.maxsize)
        self.proc.wait()
        self.work.reload()

    def stop(self) -> None:
        """End the child now (an interrupted or failed run)."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.proc.stdout.close()



class FinishedDetection:
    """A detection already done — a complete work folder — read as :class:`DetectProcess` is (``wait_for``,
    ``check``, ``load``): the fit's segments (:mod:`.stream`) on landmarks detected earlier (benches, tests)."""

    def __init__(self, work: WorkDir):
        self.work = work

    def wait_for(self, frames: int) -> tuple[int, bool]:
        return self.work.frames_done, True

    def check(self) -> None:
        pass

    def load(self, a: int, b: int) -> dict:
        return self.work.load_range(a, b)

def _die_with_parent() -> None:
    try:
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux/glibc: the child stops at its next report instead (a closed pipe)


def main() -> None:
    """The child: read the job (JSON) from stdin, detect, report on stdout."""
    _die_with_parent()
    job = json.loads(sys.stdin.read())
    out = sys.stdout
    sys.stdout = sys.stderr  # anything else printed goes to stderr, not into the reports

    def say(**msg) -> None:
        out.write(json.dumps(msg) + "\n")
        out.flush()

    try:
        from core.detect.blazepose import DetectorOptions
        from core.inference.sources import open_source

        from .detect import DetectStage, detect_chunks

        opts = job["detector"]
        opts["person"] = None if opts["person"] is None else tuple(opts["person"])
        work = WorkDir(job["work"], job["fingerprint"])
        work.manifest = job["manifest"]
        src = open_source(job["input"], job["fps"])
        detect_chunks(DetectStage(src, DetectorOptions(**opts), job["chunk_size"]), work,
                      lambda d, t, f: say(kind="progress", done=d, total=t, fps=f),
                      lambda k: say(kind="chunk", chunks=work.chunks))
        say(kind="done")
    except BaseException as exc:  # reported to the parent, which raises it
        say(kind="error", message=str(exc) or repr(exc), value_error=isinstance(exc, ValueError))
        os._exit(1)
