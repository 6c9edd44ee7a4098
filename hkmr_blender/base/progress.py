"""The machine-readable progress lines of ``hkmr infer --progress json`` (stdlib only).

The command prints ``HKMR_PROGRESS {json}`` after each chunk and ``HKMR_DONE {json}`` at the end of each
input; the Blender operator (:mod:`hkmr_blender.video.job`) reads them from the subprocess's stdout.
"""
from __future__ import annotations

import json

__all__ = ["PROGRESS_TAG", "DONE_TAG", "WARNING_TAG", "progress_line", "parse_line"]

PROGRESS_TAG, DONE_TAG, WARNING_TAG = "HKMR_PROGRESS", "HKMR_DONE", "HKMR_WARNING"
_KINDS = {PROGRESS_TAG: "progress", DONE_TAG: "done", WARNING_TAG: "warning"}


def progress_line(tag: str, data: dict) -> str:
    """One line: ``TAG {json}`` (``tag`` is one of the tags above)."""
    if tag not in _KINDS:
        raise ValueError(f"unknown progress tag {tag!r}")
    return f"{tag} {json.dumps(data)}"


def parse_line(line: str) -> tuple[str, dict] | None:
    """``HKMR_PROGRESS {...}`` → ("progress", dict); ``HKMR_DONE {...}`` → ("done", dict);
    ``HKMR_WARNING {...}`` → ("warning", dict); anything else → None."""
    tag, _, payload = line.strip().partition(" ")
    if tag not in _KINDS:
        return None
    try:
        data = json.loads(payload)
    except ValueError:
        return None
    return (_KINDS[tag], data) if isinstance(data, dict) else None
