"""Training tests use the fitting tests' small body and camera-facing poses (one definition)."""
from tests.core.fitting.conftest import camera_facing_poses, small_body  # noqa: F401  (pytest fixture)
