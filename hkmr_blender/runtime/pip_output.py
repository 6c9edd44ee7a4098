"""Read pip's output (bpy-free): its progress lines, and on failure the cause and the fix in one sentence.

:func:`classify` maps the text of a failed ``pip install`` / ``pip download`` to a :class:`PipProblem`
(offline, proxy, disk full, no wheel for this Python, permission, …); what matches nothing is reported with
pip's own last error line. :func:`progress_of` turns one output line into a short status-bar text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["PipProblem", "classify", "progress_of", "last_error_line"]


@dataclass(frozen=True)
class PipProblem:
    """kind: "offline" | "proxy" | "disk_full" | "no_wheel" | "no_pip" | "permission" | "ssl" | "other"; message: the cause
    and the fix, for the user."""

    kind: str
    message: str


# (kind, patterns (regex, case-insensitive), cause, fix) — first match wins; disk-full before the others
# because a full disk can also break a download half-way.
_RULES: tuple[tuple[str, tuple[str, ...], str, str], ...] = (
    ("disk_full", (r"No space left on device", r"\[Errno 28\]", r"There is not enough space on the disk",
                   r"WinError 112"),
     "the disk is full",
     "free space on the drive that holds Blender's user folder (the runtime needs about 1.5 GB) and run "
     "Set up video support again"),
    ("proxy", (r"ProxyError", r"Cannot connect to proxy", r"407 Proxy Authentication", r"Tunnel connection failed"),
     "the network proxy refused or did not answer",
     "set HTTPS_PROXY (with user:password if your proxy needs them) in the environment Blender starts from, "
     "or download the wheels elsewhere and choose them as 'Local wheel folder' in the preferences"),
    ("ssl", (r"SSLError", r"CERTIFICATE_VERIFY_FAILED", r"SSL: "),
     "the secure connection to the package index failed (certificate)",
     "a company network may intercept HTTPS: set PIP_CERT to its certificate file, or use 'Local wheel folder'"),
    ("offline", (r"NewConnectionError", r"Failed to establish a new connection", r"Temporary failure in name resolution",
                 r"Name or service not known", r"getaddrinfo failed", r"Network is unreachable",
                 r"nodename nor servname provided", r"ConnectTimeoutError", r"Read timed out",
                 r"No route to host", r"Connection refused"),
     "the package index cannot be reached (no internet connection)",
     "connect to the internet and run Set up video support again, or download the wheels on another machine "
     "(see the add-on's docs) and choose that folder as 'Local wheel folder' in the preferences"),
    ("permission", (r"PermissionError", r"\[Errno 13\]", r"Access is denied"),
     "a file could not be written (permission denied)",
     "close other Blender windows that use video support, check that the extension's user folder is writable, "
     "then run Set up video support again"),
    ("no_pip", (r"No module named pip",),
     "this Blender's Python has no pip (some Linux distribution packages of Blender remove it)",
     "use Blender from blender.org (it ships pip), or set an External Python under Advanced in the preferences"),
    ("no_wheel", (r"No matching distribution found for (?P<req>\S+)",
                  r"Could not find a version that satisfies the requirement (?P<req>\S+)"),
     "no wheel of {req} for this Blender's Python {python}",
     "this Blender's Python has no package for it on the index (or in the local wheel folder): use a Blender "
     "whose Python has a row in the runtime pins (3.11: Blender 4.2–5.0; 3.13: Blender 5.1+), or add the "
     "missing wheel to the local wheel folder"),
)


def last_error_line(text: str) -> str:
    """pip's last ``ERROR:`` line (else the last non-empty line), shortened."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    errors = [ln for ln in lines if ln.startswith("ERROR:")]
    return ((errors or lines or [""])[-1])[:300]


def classify(text: str, python: str = "") -> PipProblem:
    """The cause of a failed pip run from its combined output ``text``; ``python`` ("3.11") for the message."""
    for kind, patterns, cause, fix in _RULES:
        for pattern in patterns:
            m = re.search(pattern, text, re.IGNORECASE)
            if m:
                req = m.groupdict().get("req") or "a package"
                return PipProblem(kind, f"{cause.format(req=req, python=python or '?')}: {fix}")
    return PipProblem("other", f"pip failed ({last_error_line(text) or 'no output'}); run Set up video support "
                               "again, and if it fails again report this message")


_PROGRESS = (
    (re.compile(r"^Collecting (\S+)"), "resolving {0}"),
    (re.compile(r"^Downloading (\S+)"), "downloading {0}"),
    (re.compile(r"^Processing (\S+)"), "reading {0}"),
    (re.compile(r"^Installing collected packages"), "unpacking packages (the longest step)"),
    (re.compile(r"^Successfully installed"), "installed"),
)


def progress_of(line: str) -> str | None:
    """A short status text for one pip output line ("downloading torch-2.13.0…"), None for other lines."""
    line = line.strip()
    for pattern, text in _PROGRESS:
        m = pattern.match(line)
        if m:
            args = [g.rsplit("/", 1)[-1][:60] for g in m.groups()]
            return text.format(*args)
    return None
