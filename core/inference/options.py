"""Settings both inference paths share (the network runner and the detector + fit pipeline)."""
from __future__ import annotations

from dataclasses import dataclass

__all__ = ["OutputOptions"]


@dataclass
class OutputOptions:
    """fps overrides the source's; focal_length in pixels (None: frame diagonal); frames below
    ``min_confidence`` are invalid; ``chunk_size`` frames per resumable chunk; world_origin "first_frame" |
    "camera"; include_mesh: the rest mesh in the motion file; keep_work: keep the chunk folder after success."""

    fps: float | None = None
    focal_length: float | None = None
    min_confidence: float = 0.3
    chunk_size: int = 256
    world_origin: str = "first_frame"
    include_mesh: bool = True
    keep_work: bool = False

    def validate(self):
        if self.chunk_size < 1:
            raise ValueError(f"--chunk-size must be ≥ 1, got {self.chunk_size}")
        if self.focal_length is not None and self.focal_length <= 0:
            raise ValueError(f"focal length must be > 0 pixels, got {self.focal_length}")
        return self
