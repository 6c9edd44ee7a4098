"""pip commands of "Set up video support" and the download size shown before it starts (bpy-free).

Every step is ``<Blender's python> -m pip install --target <runtime folder> --upgrade --only-binary=:all:``
(``--upgrade`` so re-running repairs; ``--target`` never touches Blender's own site-packages). A local wheel
folder adds ``--no-index --find-links <folder>``; otherwise on Linux PyPI's CPU torch index is added
(:data:`.pins.TORCH_CPU_INDEX`). The size comes from a ``--dry-run --report`` of the same command: the
files pip would take (a local file's size, else the index's ``Content-Length``).
"""
from __future__ import annotations

import json
import os
import subprocess
import tempfile
import urllib.parse
import urllib.request
from dataclasses import dataclass

from .pins import TORCH_CPU_INDEX, RuntimePins, Step, requirements_for

__all__ = ["install_command", "commands_for", "DownloadPlan", "plan_download", "format_size"]


def install_command(python: str, target: str, step: Step, platform: str, wheel_dir: str = "",
                    report: str = "") -> list[str]:
    """argv of one step; ``report``: a JSON path → ``--dry-run --report`` (nothing installed)."""
    reqs = requirements_for(step, platform, local=bool(wheel_dir))
    cmd = [python, "-m", "pip", "install", "--disable-pip-version-check", "--no-input", "--progress-bar", "off",
           "--target", target, "--upgrade", "--only-binary=:all:", "--no-warn-script-location", "--no-compile"]
    if step.no_deps:
        cmd.append("--no-deps")
    if wheel_dir:
        cmd += ["--no-index", "--find-links", wheel_dir]
    elif any(r.startswith("torch==") and r.endswith("+cpu") for r in reqs):
        cmd += ["--extra-index-url", TORCH_CPU_INDEX]
    if report:
        cmd += ["--dry-run", "--ignore-installed", "--report", report]
    return cmd + list(reqs)


def commands_for(pins: RuntimePins, python: str, target: str, platform: str, wheel_dir: str = "") -> list[list[str]]:
    """Every step's argv, in order."""
    return [install_command(python, target, s, platform, wheel_dir) for s in pins.steps]


@dataclass
class DownloadPlan:
    """files: (name, bytes or None when the index did not say); total: bytes known; unknown: files of unknown size."""

    files: list[tuple[str, int | None]]

    @property
    def total(self) -> int:
        return sum(size or 0 for _, size in self.files)

    @property
    def unknown(self) -> int:
        return sum(size is None for _, size in self.files)

    def describe(self) -> str:
        text = f"{len(self.files)} packages, {format_size(self.total)} to download"
        return text + (f" (+{self.unknown} of unknown size)" if self.unknown else "")


def format_size(n: int) -> str:
    return f"{n / 1e9:.2f} GB" if n >= 1e9 else f"{n / 1e6:.0f} MB"


def _size_of(url: str, timeout: float) -> int | None:
    parsed = urllib.parse.urlparse(url)
    if parsed.scheme == "file":
        try:
            return os.path.getsize(urllib.request.url2pathname(parsed.path))
        except OSError:
            return None
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=timeout) as resp:
            length = resp.headers.get("Content-Length")
            return int(length) if length else None
    except (OSError, ValueError):
        return None


def plan_download(pins: RuntimePins, python: str, platform: str, wheel_dir: str = "", env: dict | None = None,
                  timeout: float = 600.0, head_timeout: float = 10.0) -> DownloadPlan:
    """Dry-run every step and sum the files pip would take. Raises RuntimeError with pip's output on failure
    (the caller classifies it, :func:`.pip_output.classify`)."""
    files: list[tuple[str, int | None]] = []
    with tempfile.TemporaryDirectory(prefix="hkmr-plan-") as tmp:
        for i, step in enumerate(pins.steps):
            report = os.path.join(tmp, f"report{i}.json")
            cmd = install_command(python, os.path.join(tmp, "target"), step, platform, wheel_dir, report=report)
            proc = subprocess.run(cmd, capture_output=True, text=True, encoding="utf-8", errors="replace", env=env,
                                  timeout=timeout, stdin=subprocess.DEVNULL)
            if proc.returncode != 0 or not os.path.isfile(report):
                raise RuntimeError(proc.stdout + proc.stderr)
            with open(report, encoding="utf-8") as f:
                for item in json.load(f).get("install", []):
                    url = item.get("download_info", {}).get("url", "")
                    name = urllib.parse.unquote(url.rsplit("/", 1)[-1].split("#")[0])
                    files.append((name, _size_of(url, head_timeout)))
    return DownloadPlan(files)
