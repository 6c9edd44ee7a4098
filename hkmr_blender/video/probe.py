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


def probe_interpreter(python: str, env: dict | None = None, timeout: float = 120.0) -> str:
    """Run ``python -c PROBE_CODE`` with ``env``; return its report ("3.11.7 1.26.4 2.13.0": Python, numpy,
    torch versions) or raise :class:`ProbeError` with the real cause."""
    try:
        key = (python, os.stat(python).st_mtime_ns, (env or {}).get("PYTHONPATH", ""))
    except OSError:
        key = None
    if key in _PASSED:
        return _PASSED[key]
    try:
        proc = subprocess.run([python, "-c", PROBE_CODE], capture_output=True, text=True, encoding="utf-8",
                              errors="replace", env=env, timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise ProbeError(f"the Python interpreter {python} did not finish importing HKMR within {timeout:g} s; "
                         f"{_FIX}") from None
    except OSError as exc:
        raise ProbeError(f"{python} cannot be run as a Python interpreter ({exc.strerror or exc}); {_FIX}") from None
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
