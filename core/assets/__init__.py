"""Vendored data files shipped with the package (provenance and licences: README.md beside this file)."""
from pathlib import Path

__all__ = ["REAL_DEMO_CLIP"]

#: 3.3 s of a real person walking (sports2d demo video, BSD-3-Clause): what ``hkmr demo`` runs.
REAL_DEMO_CLIP = Path(__file__).with_name("walk.mp4")
