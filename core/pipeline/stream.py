"""A long video's fit while it is still being detected: segments fitted on the second core as chunks arrive.

On a video of at least :attr:`StreamConfig.min_frames` frames (the container's count) detection (decode + BlazePose)
runs in a child process (:class:`.detect_process.DetectProcess`) while this process fits the clip in segments
(:func:`fit_streamed`, :mod:`core.fitting.segments`) from the chunks it has finished in the work folder:

- **Segment 0** is the prefix: at least :attr:`~StreamConfig.segment` frames and at least
  :attr:`~StreamConfig.prefix_found` frames with a person (it waits until detection has them). It runs the
  whole-clip path's stages on its frames — left/right swaps, world lean, the camera stage (static or moving?), the
  keypoint start, the fit — and fixes what the fit needs for the whole clip: the body shape β (the start's median
  over the prefix, ``--height`` applied), the 2D scale (median torso length) and the floor (from its planted feet).
- **Later segments** (:attr:`~StreamConfig.segment` frames each, the last one 0.5–1.5× by the container's frame
  count) each run the same stages
  on their frames ± :attr:`~StreamConfig.margin` with those three taken as given, and are blended into the clip
  over the shared frames.

The whole-clip path is kept (:func:`fit_streamed` returns None, and :mod:`.run` fits after detection, as before) when the
clip has fewer than ``min_frames`` frames, when it turns out to hold no more than one segment (e.g. the person
appears only at the end), and when the camera moves (the moving-camera fit needs the whole clip's camera path).
Each segment's fit is a file in the work folder (``fit/seg{j}.npz``, with a digest of its inputs) and its fit's
windows are streamed below it (``fit/s{j}/``): a resumed run replays finished segments and windows.
"""
from __future__ import annotations

import hashlib
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from core.detect.swaps import fix_swaps
from core.detect.world_lean import level_world
from core.fitting.contacts import Floor
from core.fitting.segments import FIT_ARRAYS, DiskFit, Segment, Stitcher, fit_arrays, segment_after
from core.fitting.windows import WindowStore
from hkmr_blender.base.atomic import atomic_savez
from hkmr_blender.base.columns import Columns

from .detect import landmarks_from_arrays

__all__ = ["StreamConfig", "StreamFit", "fit_streamed"]


@dataclass(frozen=True)
class StreamConfig:
    """segment: frames per segment; margin: extra frames fitted on each side of a segment (blended with the
    neighbour's); prefix_found: frames with a person the first segment must hold (the clip-wide β, scale and floor
    come from it); min_frames: clips shorter than this (container's frame count) are fitted whole after detection."""

    segment: int = 600
    margin: int = 32
    prefix_found: int = 150
    min_frames: int = 1200

    def validate(self) -> "StreamConfig":
        if not 2 <= 2 * self.margin <= self.segment // 2 or self.prefix_found < 1:
            raise ValueError(f"stream: need 1 ≤ margin ≤ segment/4 and prefix_found ≥ 1, got {self}")
        return self


def _landmarks(feed, a: int, b: int, image_size, fps: float, world=lambda lm: lm):
    """Frames [a, b) as :class:`core.detect.landmarks.Landmarks`, swaps undone, the world levelled and then given
    to ``world`` (:func:`.run.world_source`: the world lifter), as the whole-clip path does (:mod:`.run`)."""
    return world(level_world(fix_swaps(landmarks_from_arrays(feed.load(a, b), image_size, fps)).landmarks))


@dataclass
class StreamFit:
    """The stitched fit (:class:`core.fitting.segments.DiskFit`: its per-frame arrays in the work folder's
    ``fit/clip/``), the camera stage's estimate on the prefix, the number of segments, seconds spent fitting them."""

    fit: object
    camera: object
    segments: int
    seconds: float = 0.0


def _digest(lm, extra: tuple) -> str:
    h = hashlib.sha1(repr(extra).encode())
    for k in ("points2d", "visibility", "world", "found"):
        h.update(np.ascontiguousarray(getattr(lm, k)).tobytes())
    return h.hexdigest()


def _load(path: Path, digest: str) -> dict | None:
    try:
        with np.load(path, allow_pickle=False) as z:
            return {k: z[k] for k in z.files} if str(z["digest"]) == digest else None
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, EOFError):
        return None


def _find_prefix(feed, cfg: StreamConfig, expected: int) -> tuple[int, int, bool] | None:
    """→ (end of segment 0's core, frames done, complete), or None when the clip is one segment. The core ends after
    the ``prefix_found``-th frame with a person and holds at least ``cfg.segment`` frames (then as
    :func:`segment_after` with that length: the whole clip when less than half of it again follows)."""
    found_total, seen = 0, 0
    while True:
        done, complete = feed.wait_for(seen + 1)
        if done > seen:
            upto = min(done, seen + cfg.segment)  # a segment at a time: detection may be far ahead (a resumed run)
            cum = found_total + np.cumsum(feed.load(seen, upto)["found"])
            hit = np.flatnonzero(cum >= cfg.prefix_found)
            if len(hit):
                end = max(seen + int(hit[0]) + 1, cfg.segment)
                break
            found_total, seen = int(cum[-1]), upto
        if complete and seen >= done:
            return None
    while (b := segment_after(0, end, cfg.margin, done, complete, expected))[0] is None:
        done, complete = feed.wait_for(b[1])
    return None if complete and b[0] >= done else (b[0], done, complete)


def fit_streamed(body, src, feed, opts, cfg: StreamConfig, fit_dir: Path,
                 progress: Callable[[int, int], None] | None = None,
                 log: Callable[[str], None] | None = None) -> StreamFit | None:
    """Fit the clip segment by segment as detection delivers it (see the module docstring); None: fit it whole
    after detection instead. ``feed``: the detection (:class:`.detect_process.DetectProcess`: ``wait_for``,
    ``check``, ``load``); ``opts``: :class:`.run.RealOptions`; ``fit_dir``: the work folder's ``fit/``."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(opts.fit_threads or before)  # the keypoint start too: the other core detects
    try:
        return _fit_segments(body, src, feed, opts, cfg.validate(), fit_dir, progress, log)
    finally:
        torch.set_num_threads(before)


def _fit_segments(body, src, feed, opts, cfg: StreamConfig, fit_dir: Path, progress, log) -> StreamFit | None:
    from core.fitting.full_camera import FullCamera
    from core.inference.keypoint_regressor import KEYPOINT_MODEL_PATH, load_keypoint_model

    from .camera import CameraStage, run_camera
    from .fit import FitStage, run_fit
    from .start import StartStage, run_start

    info = src.info
    size = (info.width, info.height)
    prefix = _find_prefix(feed, cfg, info.num_frames)
    if prefix is None:
        return None  # one segment: the whole clip, fitted after detection as before
    b0, done, complete = prefix
    t0 = time.perf_counter()
    model = load_keypoint_model(KEYPOINT_MODEL_PATH) if opts.init == "keypoints" else None
    from .run import world_source  # (run imports this module)
    world = world_source(opts.world3d)
    cam = FullCamera.for_image(*size, focal=opts.focal_length)
    columns = Columns(fit_dir / "clip")  # the stitched frames, rewritten on every run (a resumed one replays)
    stitcher, const, camera_est = Stitcher(lambda piece: columns.append(DiskFit.rows(piece))), None, None
    seg = Segment.make(0, 0, b0, done, cfg.margin)
    while True:
        feed.check()
        last = complete and seg.b >= done
        lm = _landmarks(feed, seg.lo, seg.hi, size, info.fps, world)
        if seg.index == 0 and opts.camera != "static" and lm.found.any():
            camera_est, rotations = run_camera(CameraStage(src, lm, cam.focal, opts.camera))
            if rotations is not None:
                if log:
                    log("camera: moving in the first segment — the clip is fitted whole after detection")
                return None
        extra = (seg, cfg, opts.init, opts.focal_length, opts.height,
                 None if const is None else tuple(np.asarray(v, np.float64).round(9).tobytes() for v in const))
        digest = _digest(lm, extra)
        path = fit_dir / f"seg{seg.index:05d}.npz"
        stored = _load(path, digest)
        if stored is None:
            def tick(d: int, t: int, base=seg.a, span=seg.b - seg.a) -> None:
                feed.check()  # detection's reports (its progress, a failure) between the fit's windows
                if progress is not None:
                    progress(base + int(span * d / max(t, 1)), max(info.num_frames, done))
            start = run_start(StartStage(lm, model=model)) if model is not None and lm.found.any() else None
            betas = const[0] if const is not None else None if start is None else start.betas
            stage = FitStage(lm, opts.focal_length, None if start is None else start.rotmats, betas,
                             threads=opts.fit_threads, height=opts.height if const is None else None,
                             store=WindowStore(fit_dir / f"s{seg.index:05d}"),
                             torso_px=None if const is None else float(const[1]),
                             floor=None if const is None else Floor(const[2][:3], float(const[2][3]),
                                                                    bool(const[2][4])))
            fit = run_fit(body, stage, tick) if lm.found.any() else None
            stored = _segment_arrays(fit, stitcher, seg)
            stored["digest"] = np.array(digest)
            if fit is not None and const is None:
                stored["const_betas"] = np.asarray(fit.betas, np.float64)
                stored["const_scale"] = np.array(fit.torso_px, np.float64)
                stored["const_floor"] = np.array([*fit.floor.normal, fit.floor.offset, float(fit.floor.fitted)])
            atomic_savez(path, stored, compressed=False)
        if const is None:
            const = (stored["const_betas"], stored["const_scale"], stored["const_floor"])
        stitcher.add(seg, {k: stored[k] for k in FIT_ARRAYS}, last)
        if progress is not None:
            progress(seg.b, max(info.num_frames, done))
        if last:
            break
        a = seg.b
        while (b := segment_after(a, cfg.segment, cfg.margin, done, complete, info.num_frames))[0] is None:
            done, complete = feed.wait_for(b[1])
        seg = Segment.make(seg.index + 1, a, b[0], done, cfg.margin)
    if log:
        log(f"fit: {seg.index + 1} segments of ~{cfg.segment} frames fitted beside detection (β, 2D scale and floor "
            f"from the first {b0} frames)")
    floor = Floor(const[2][:3], float(const[2][3]), bool(const[2][4]))
    fit = DiskFit(columns, np.asarray(const[0], np.float64), floor, cam, float(const[1]))
    return StreamFit(fit, camera_est, seg.index + 1, time.perf_counter() - t0)


def _segment_arrays(fit, stitcher: Stitcher, seg: Segment) -> dict[str, np.ndarray]:
    """A segment's per-frame arrays; a segment without a person holds the clip's last final frame, invalid."""
    if fit is not None:
        return fit_arrays(fit)
    prev = stitcher.last_row
    if prev is None:
        raise ValueError("the first segment has no person")  # never: segment 0 holds prefix_found such frames
    n = seg.hi - seg.lo
    out = {k: np.repeat(prev[k], n, axis=0) for k in ("rotmats", "transl")}
    out.update(reprojection_px=np.full(n, np.nan), reprojection=np.full(n, np.nan),
               contacts=np.zeros((n, 2), bool), point_contacts=np.zeros((n, 4), bool), valid=np.zeros(n, bool))
    return out

