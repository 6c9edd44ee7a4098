"""Stage "fit": a clip's landmarks → HKMR_MF clip fit (:func:`core.fitting.clip.fit_clip`).

One body shape for the clip, per-frame pose and root in the camera frame, foot contacts, the fit's
2D reprojection error. The full-image camera is the frame-diagonal pinhole unless ``focal_length`` is given.

The fit runs with ``threads`` torch threads (default 1, restored afterwards): its windows are small batches,
and on the shared 2-core CPU one thread fitted the 100-frame demo clip in 1.9–3.3 s against 48–50 s with two
(docs/BENCHMARKS.md) — OpenMP threads that wait on each other cost more than the work they share.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch

from core.detect.landmarks import Landmarks

__all__ = ["FitStage", "run_fit"]


@dataclass
class FitStage:
    """landmarks: the detect stage's output; focal_length: pixels (None: frame diagonal);
    init_rotmats / init_betas: optional (F,24,3,3) camera-frame rotations and (NB,) shape from the start
    stage (:mod:`.start`); threads: torch threads for the fit (None: leave torch's setting); camera_rotations:
    (F,3,3) a moving camera's rotations (or its estimate, with the frames where it stood) from :mod:`.camera` (None: static camera), or a function giving them when
    the fit needs them (the camera stage running beside it, :mod:`.background`); height: the person's height in
    metres (None: the body's size from the detector's bone lengths, near one adult size for everyone); store: where
    the fit's finished windows go (:class:`core.fitting.windows.WindowStore` in the run's work folder: a resumed
    run replays them) or None; torso_px / floor: the clip's 2D scale and floor taken as given (a long video's later
    segments, :mod:`.stream`) instead of estimated from these landmarks."""

    landmarks: Landmarks
    focal_length: float | None = None
    init_rotmats: np.ndarray | None = None
    init_betas: np.ndarray | None = None
    threads: int | None = 1
    camera_rotations: np.ndarray | Callable[[], np.ndarray | None] | None = None
    height: float | None = None
    store: object = None
    torso_px: float | None = None
    floor: object = None


def run_fit(body, stage: FitStage, progress: Callable[[int, int], None] | None = None):
    """→ :class:`core.fitting.clip.ClipFit`. Raises ValueError when no frame has a person. ``progress(done,
    total)`` after every fitted window (see :func:`core.fitting.clip.fit_clip`)."""
    from core.fitting.clip import fit_clip
    from core.fitting.full_camera import FullCamera

    lm = stage.landmarks
    if not lm.found.any():
        raise ValueError(f"the detector found no person in any of the {lm.num_frames} frames; check the person "
                         f"is fully in view, or choose them with --person x0,y0,x1,y1")
    cam = FullCamera.for_image(*lm.image_size, focal=stage.focal_length)
    betas = stage.init_betas
    if stage.height is not None:  # the person's size sets the depth and so the world's scale
        from core.fitting.shape import betas_for_height, betas_from_bone_lengths, median_bone_lengths
        if betas is None:
            betas = betas_from_bone_lengths(body, median_bone_lengths(lm)[0]).numpy()
        betas = betas_for_height(body, betas, stage.height)
    before = torch.get_num_threads()
    if stage.threads is not None:
        torch.set_num_threads(stage.threads)
    try:
        return fit_clip(body, lm, camera=cam, init_rotmats=stage.init_rotmats, init_betas=betas,
                        camera_rotations=stage.camera_rotations, progress=progress, store=stage.store,
                        torso_px=stage.torso_px, floor=stage.floor)
    finally:
        torch.set_num_threads(before)
