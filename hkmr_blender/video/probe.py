"""Check the preferences' Python interpreter before Motion from Video launches ``hkmr infer`` (stdlib only).

The interpreter runs a tiny ``-c`` probe that imports what ``hkmr infer`` needs (numpy, torch and the infer
command itself) and prints one tagged line. Anything else — ``/bin/true`` (prints nothing), a python3 without
numpy (``ModuleNotFoundError``), a binary that is no interpreter — is reported with its real cause and the fix,
instead of the run's later symptom (a missing motion file, ``unrecognized arguments``). A passing interpreter
is remembered for the session (same path, modification time and PYTHONPATH).
"""
from __future__ import annotations

import os
import subprocess

__all__ = ["PROBE_TAG", "PROBE_CODE", "ProbeError", "probe_interpreter"]

PROBE_TAG = "HKMR_PROBE"
#: The probe: the imports ``hkmr infer`` needs, then one line with the versions found.
PROBE_CODE = ("import sys, numpy, torch, core.inference.cli; "
              f"print('{PROBE_TAG}', sys.version.split()[0], numpy.__version__, torch.__version__)")
_FIX = ("set 'Python' in the HKMR add-on preferences to the interpreter of an environment where HKMR is installed "
        "(e.g. the project's .venv/bin/python), or install HKMR there (pip install -e <HKMR folder>)")
_PASSED: dict[tuple, str] = {}


class ProbeError(RuntimeError):
    """The interpreter cannot run ``hkmr infer``; the message names it, the cause and the fix."""


def _last_error(stderr: str) -> str:
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    errs = [ln for ln in lines if "Error" in ln.split(":")[0] or ln.startswith("error:")]
    return (errs or lines or [""])[-1][:300]


def probe_interpreter(python: str, env: dict | None = None, timeout: float = 120.0, on_start=None) -> str:
    """Run ``python -c PROBE_CODE`` with ``env``; return its report ("3.11.7 1.26.4 2.13.0": Python, numpy,
    torch versions) or raise :class:`ProbeError` with the real cause. ``timeout``: a cold torch import takes
    tens of seconds on a slow disk; :class:`..job.VideoJob` runs this off Blender's UI thread. ``on_start(proc)``:
    called with the probe's process (a caller may kill it: cancel)."""
    try:
        key = (python, os.stat(python).st_mtime_ns, (env or {}).get("PYTHONPATH", ""))
    except OSError:
        key = None
    if key in _PASSED:
        return _PASSED[key]
    try:
        proc = subprocess.Popen([python, "-c", PROBE_CODE], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, encoding="utf-8", errors="replace", env=env, stdin=subprocess.DEVNULL)
    except OSError as exc:
        raise ProbeError(f"{python} cannot be run as a Python interpreter ({exc.strerror or exc}); {_FIX}") from None
    if on_start is not None:
        on_start(proc)
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise ProbeError(f"the Python interpreter {python} did not finish a `-c` import check of HKMR within "
                         f"{timeout:g} s (it hangs, or its disk is very slow); {_FIX}") from None
    proc = subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)
    found = [ln for ln in proc.stdout.splitlines() if ln.startswith(PROBE_TAG + " ")]
    if proc.returncode == 0 and found:
        report = found[-1][len(PROBE_TAG) + 1:]
        if key is not None:
            _PASSED[key] = report
        return report
    cause = _last_error(proc.stderr)
    if "No module named" in cause:
        raise ProbeError(f"the Python interpreter {python} cannot run HKMR: {cause}; {_FIX}")
    if proc.returncode == 0:
        raise ProbeError(f"{python} does not behave like a Python interpreter (a `-c` import check printed "
                         f"nothing and exited 0); {_FIX}")
    raise ProbeError(f"the Python interpreter {python} failed a `-c` import check (exit code {proc.returncode}"
                     f"{': ' + cause if cause else ''}); {_FIX}")
