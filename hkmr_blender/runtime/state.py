"""What the preferences show about video support, from the runtime folder's marker (bpy-free, no subprocess)."""
from __future__ import annotations

import os
from dataclasses import dataclass

from .job import pins_digest
from .locate import read_marker
from .pins import RuntimePins

__all__ = ["RuntimeState", "runtime_state"]


@dataclass(frozen=True)
class RuntimeState:
    """kind: "missing" | "incomplete" | "outdated" | "ready"; text: one line for the preferences."""

    kind: str
    text: str

    @property
    def ready(self) -> bool:
        return self.kind == "ready"


def runtime_state(runtime_dir: str, pins: RuntimePins) -> RuntimeState:
    marker = read_marker(runtime_dir) if os.path.isdir(runtime_dir) else None
    if marker is None:
        return RuntimeState("missing", "Not set up: Set up video support installs it (the download size is shown first)")
    if not marker.get("complete"):
        return RuntimeState("incomplete", "Set-up did not finish: run Set up video support again to repair it")
    if marker.get("pins") != pins_digest(pins):
        return RuntimeState("outdated", "Installed for an older add-on version: run Set up video support to update")
    v = marker.get("versions", {})
    return RuntimeState("ready", f"Ready: torch {v.get('torch', '?')}, numpy {v.get('numpy', '?')}, "
                                 f"OpenCV {v.get('cv2', '?')}, mediapipe {v.get('mediapipe', '?')}")
