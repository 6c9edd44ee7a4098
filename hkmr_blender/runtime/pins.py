"""The one table of runtime pins: what "Set up video support" installs, per Python minor (bpy-free).

Each row holds what ``hkmr infer``'s default path (BlazePose detector → keypoint start → clip fit → motion
file) imports that is not ours, nothing more. Installed by Blender's own Python with
``pip install --target <runtime folder>`` in the row's steps (one pip call each). On Linux, torch from PyPI
is the multi-GB CUDA build: the installer asks for the ``+cpu`` local version from PyTorch's CPU index
(:data:`TORCH_CPU_INDEX`) unless a local wheel folder is given (docs/platforms.md). Windows and macOS wheels
on PyPI are CPU builds already.

cp311 (Blender 4.2–5.0) = the project's pins (pyproject.toml, .ci/venv). mediapipe 0.10.21 goes in with
``--no-deps``: its declared dependencies pull jax and opencv-contrib 4.11, which overwrites
opencv-python-headless' ``cv2/`` folder; protobuf, attrs and matplotlib are what it needs at run time.
cp313 (Blender 5.1+) is a separate row: numpy 2, mediapipe 0.10.32 (Tasks API; its models ship with the
project as ``.task`` bundles, see docs/architecture.md), also ``--no-deps`` (it declares opencv-contrib 5.x, which
writes into the same ``cv2/`` folder; the Tasks API needs numpy and matplotlib only). ``.ci/py313`` installs this
row (the CI venv for core on Python 3.13), so the pins validated there are the ones users get.
"""
from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Step", "RuntimePins", "PINS", "TORCH_VERSION", "TORCH_CPU_INDEX", "python_tag", "python_version", "pins_for",
           "requirements_for"]

TORCH_VERSION = "2.13.0"
#: PyTorch's CPU-only wheel index (Linux: the PyPI torch wheel is the CUDA build).
TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"


@dataclass(frozen=True)
class Step:
    """One ``pip install`` call: its requirements, and whether dependencies are left out (``--no-deps``)."""

    requirements: tuple[str, ...]
    no_deps: bool = False


@dataclass(frozen=True)
class RuntimePins:
    """tag: "cp311"; steps in install order; imports: modules the verification imports (each must come
    from the runtime folder); cv2_prefix: the OpenCV version the row pins ("4.10." for <4.11)."""

    tag: str
    steps: tuple[Step, ...]
    imports: tuple[str, ...]
    cv2_prefix: str


_IMPORTS = ("numpy", "torch", "cv2", "scipy", "smplx", "roma", "mediapipe")

PINS: dict[str, RuntimePins] = {
    "cp311": RuntimePins(
        tag="cp311",
        steps=(
            Step((f"torch=={TORCH_VERSION}", "numpy>=1.26,<2", "opencv-python-headless<4.11", "scipy>=1.11",
                  "smplx==0.1.28", "roma==1.8.0", "tqdm>=4.66", "protobuf>=4.25.3,<5", "attrs>=19.1.0",
                  "matplotlib>=3.7")),
            Step(("mediapipe==0.10.21",), no_deps=True),
        ),
        imports=_IMPORTS,
        cv2_prefix="4.10.",
    ),
    "cp313": RuntimePins(
        tag="cp313",
        steps=(
            Step((f"torch=={TORCH_VERSION}", "numpy>=2.2", "opencv-python-headless<4.11", "scipy>=1.14",
                  "smplx==0.1.28", "roma==1.8.0", "tqdm>=4.66", "matplotlib>=3.9")),
            Step(("mediapipe==0.10.32",), no_deps=True),
        ),
        imports=_IMPORTS,
        cv2_prefix="4.10.",
    ),
}


def python_tag(version_info=None) -> str:
    """``sys.version_info`` → "cp311"."""
    import sys
    v = version_info or sys.version_info
    return f"cp{v[0]}{v[1]}"


def python_version(tag: str) -> str:
    """"cp311" → "3.11"."""
    return f"{tag[2]}.{tag[3:]}"


def pins_for(tag: str) -> RuntimePins:
    """The row for ``tag``; ValueError names the Blender versions that have a row."""
    try:
        return PINS[tag]
    except KeyError:
        raise ValueError(f"video support has no runtime for Python {python_version(tag)} ({tag}); it exists for "
                         f"{', '.join(sorted(PINS))} (Blender 4.2–5.0: Python 3.11, Blender 5.1+: Python 3.13)") from None


def requirements_for(step: Step, platform: str, local: bool) -> tuple[str, ...]:
    """The step's requirements for ``platform`` (``sys.platform``): on Linux from an index, torch becomes
    the CPU build (``torch==X+cpu``, found on :data:`TORCH_CPU_INDEX`); a local wheel folder is taken as is."""
    if platform.startswith("linux") and not local:
        return tuple(r + "+cpu" if r == f"torch=={TORCH_VERSION}" else r for r in step.requirements)
    return step.requirements
