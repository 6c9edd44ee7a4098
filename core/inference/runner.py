"""Batched, streaming, resumable inference: frames → crops → model → motion file v1.

Pipeline per chunk of ``chunk_size`` source frames (see :mod:`core.inference.workdir`):
decode (background thread) → person box (:mod:`~core.inference.boxes`) → 224 px crop → batch
→ model (GPU: pinned memory, bf16 autocast, channels_last; CPU otherwise) → per-frame rotations,
betas, crop camera, confidence → chunk file. After the last chunk: one shape for the clip,
crop → full-image camera (CLIFF), world trajectory, optional One-Euro smoothing, the motion
file written atomically with :func:`core.motion.motion_from_smpl`, optional overlay.

Frames without a person (no box in the boxes file), with confidence below ``min_confidence``
or where the tracker lost the person get ``valid = False``; their pose, translation and camera
are the nearest earlier valid frame's (a placeholder, never an estimate).
Confidence = detection score × fraction of the predicted joints that project inside the crop.
"""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Callable, Iterator

import numpy as np
import torch

from hkmr_blender.base.skeleton import NUM_JOINTS

from core.geometry.full_image_camera import crop_cam_to_full, default_focal_length
from core.geometry.projection import weak_perspective_project
from core.model.mesh_regressor import MeshRegressor, predict
from core.motion import motion_from_smpl, write_motion
from core.runtime import normalize_precision, pick_device, use_bf16

from .boxes import BoxProvider, Detection, FullFrame, Tracker, load_box_file, to_smpl_keypoints
from .crops import crop, crop_to_image, image_to_crop, normalize_batch
from .options import OutputOptions
from .smoothing import SmoothingConfig, smooth_motion
from .sources import FrameSource, open_source, prefetch, source_fingerprint
from .workdir import WorkDir, work_dir_for
from .world import WorldTrajectory, to_world

__all__ = ["InferOptions", "InferResult", "Refiner", "run_inference", "make_box_provider"]

#: (body, rotmats, betas, cam, keypoints (B,24,3) normalised crop coords + confidence) → same three.
Refiner = Callable[[torch.nn.Module, torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor],
                   tuple[torch.Tensor, torch.Tensor, torch.Tensor]]


@dataclass
class InferOptions(OutputOptions):
    """Settings of one network run (and the shared :class:`~core.inference.options.OutputOptions`).
    ``boxes``: COCO/OpenPose file (else ``track`` or the full frame); ``smoothing``: optional One-Euro."""

    batch_size: int = 16
    smoothing: SmoothingConfig | None = None
    device: str = "auto"
    boxes: str | None = None
    track: bool = False
    precision: str = "auto"
    queue_size: int = 32

    def validate(self) -> "InferOptions":
        if self.batch_size < 1 or self.queue_size < 1:
            raise ValueError("batch_size and queue_size must be ≥ 1")
        if self.boxes and self.track:
            raise ValueError("choose one of --boxes FILE, --track, --full-frame")
        super().validate()
        self.precision = normalize_precision(self.precision)
        return self


@dataclass
class InferResult:
    output: str
    frames: int
    valid_frames: int
    resumed_frames: int
    seconds: float
    world: WorldTrajectory = field(repr=False)
    fps: float = 0.0
    warnings: list[str] = field(default_factory=list)


def make_box_provider(opts: InferOptions) -> BoxProvider:
    if opts.boxes:
        return load_box_file(opts.boxes)
    return Tracker(min_confidence=opts.min_confidence) if opts.track else FullFrame()


def _frames_with_boxes(frames: Iterator, provider: BoxProvider, res: int) -> Iterator:
    """(index, image) → (index, detection, crop or None): cropping runs in the decode thread."""
    for i, img in frames:
        h, w = img.shape[:2]
        det = provider.detect(i, w, h)
        yield i, det, None if det is None else crop(img, det.box, res)


class _Batcher:
    """Runs the model on batches of crops and records per-frame results for one chunk."""

    def __init__(self, model: MeshRegressor, device: torch.device, opts: InferOptions, provider: BoxProvider,
                 size: tuple[int, int], refiner: Refiner | None):
        self.model, self.device, self.opts, self.provider, self.refiner = model, device, opts, provider, refiner
        self.w, self.h = size
        self.amp = use_bf16(opts.precision, device)
        self.nb = model.head.num_betas
        self.pending: list[tuple[int, Detection, np.ndarray]] = []
        self.rows: dict[str, list] = {}

    def add(self, index: int, det: Detection | None, crop_img: np.ndarray | None) -> None:
        if det is None:
            self._record(index, np.zeros(3), np.eye(3)[None].repeat(NUM_JOINTS, 0), np.zeros(self.nb), np.zeros(3), 0.0, False)
            return
        self.pending.append((index, det, crop_img))
        if len(self.pending) >= self.opts.batch_size:
            self.flush()

    def _record(self, index, box, rot, betas, cam, conf, ok) -> None:
        for k, v in (("frame_index", index), ("box", box), ("rotmats", rot), ("betas", betas), ("cam", cam),
                     ("confidence", conf), ("ok", ok)):
            self.rows.setdefault(k, []).append(v)

    @torch.no_grad()
    def flush(self) -> None:
        if not self.pending:
            return
        idx, dets, crops = zip(*self.pending)
        self.pending = []
        x = torch.from_numpy(np.stack(crops))
        if self.device.type == "cuda":
            x = x.pin_memory().to(self.device, non_blocking=True)
        x = normalize_batch(x, self.model.config.channels_last)
        out = predict(self.model, x, amp=self.amp, run_body=False)
        rot, betas, cam = out.final.rotmats.float(), out.final.betas.float(), out.final.cam.float()
        boxes = np.stack([d.box for d in dets])
        if self.refiner is not None and any(d.keypoints is not None for d in dets):
            rot, betas, cam = self._refine(dets, boxes, rot, betas, cam)
        joints = self.model.body.joints(rot, betas)
        j2d = weak_perspective_project(joints, cam).cpu().numpy()
        rot, betas, cam = rot.cpu().numpy(), betas.cpu().numpy(), cam.cpu().numpy()
        inside = (np.abs(j2d) <= 1.0).all(-1).mean(-1) * (cam[:, 0] > 0)
        px = crop_to_image(j2d, boxes)
        for b, (i, d) in enumerate(zip(idx, dets)):
            conf = float(np.clip(d.score * inside[b], 0.0, 1.0))
            lost = self.provider.observe(i, px[b], conf, self.w, self.h)
            self._record(i, d.box, rot[b], betas[b], cam[b], conf, not lost)

    def _refine(self, dets, boxes, rot, betas, cam):
        kp = np.zeros((len(dets), 24, 3))
        for b, d in enumerate(dets):
            if d.keypoints is not None:
                k = to_smpl_keypoints(d.keypoints, d.layout)
                kp[b, :, :2] = image_to_crop(k[None, :, :2], boxes[b:b + 1])[0]
                kp[b, :, 2] = k[:, 2]
        kp_t = torch.as_tensor(kp, dtype=torch.float32, device=rot.device)
        # clones: predict() returns inference-mode tensors, which autograd may not save
        return self.refiner(self.model.body, rot.clone(), betas.clone(), cam.clone(), kp_t)

    def take(self) -> dict[str, np.ndarray]:
        self.flush()
        rows, self.rows = self.rows, {}
        out = {k: np.asarray(v) for k, v in rows.items()}
        if out:  # box-less frames are recorded at once, boxed ones when their batch runs: restore frame order
            order = np.argsort(out["frame_index"], kind="stable")
            out = {k: v[order] for k, v in out.items()}
        out["rotmats"] = out["rotmats"].astype(np.float32)
        out["betas"], out["cam"] = out["betas"].astype(np.float32), out["cam"].astype(np.float32)
        out["confidence"] = out["confidence"].astype(np.float32)
        return out


def _hold_last_valid(valid: np.ndarray) -> np.ndarray:
    """Index of the nearest earlier valid frame (the first valid one for leading invalid frames)."""
    idx = np.where(valid, np.arange(len(valid)), -1)
    idx = np.maximum.accumulate(idx)
    return np.where(idx < 0, int(np.flatnonzero(valid)[0]), idx)


def run_inference(input_path: str, output: str, model: MeshRegressor, opts: InferOptions | None = None, *,
                  model_id: str = "", resume: bool | str = False, refiner: Refiner | None = None,
                  progress: Callable[[int, int, float], None] | None = None,
                  on_chunk: Callable[[int], None] | None = None, overlay: str | None = None) -> InferResult:
    """Run the whole pipeline on one input (video, image folder or glob); see the module docstring.

    ``resume``: continue a matching interrupted run from its work folder; ``progress(done, total,
    frames_per_s)`` after every chunk; ``on_chunk(k)`` after chunk k is safely on disk.
    """
    opts = (opts or InferOptions()).validate()
    t0 = time.perf_counter()
    src = open_source(input_path, opts.fps)  # bad input fails here, before anything is written
    provider = make_box_provider(opts)
    provider.check_size(src.info.width, src.info.height)
    device = pick_device(opts.device)
    model = model.to(device).eval()
    if use_bf16(opts.precision, device) and not model.config.channels_last:
        model.use_channels_last()  # bf16 convolutions want NHWC
    info = src.info
    res = model.config.img_res
    settings = {k: v for k, v in asdict(opts).items()
                if k in ("batch_size", "boxes", "track", "min_confidence", "chunk_size", "precision")}
    fingerprint = {**source_fingerprint(src), "model": model_id, "device": device.type, **settings,
                   "refine": refiner is not None, "img_res": res}
    with WorkDir(work_dir_for(output), fingerprint).open(resume) as work:  # locked until the end
        provider.load_state(work.last_state())
        resumed = work.frames_done
        batcher = _Batcher(model, device, opts, provider, (info.width, info.height), refiner)
        try:
            if not work.complete:
                _run_chunks(src, provider, batcher, work, opts, res, progress, on_chunk)
        except BaseException:
            if not work.chunks:  # nothing worth resuming: leave no trace
                work.remove()
            raise
        result = _finish(work, model, info, opts, output, overlay, src)
        if not opts.keep_work:
            work.remove()
        result.resumed_frames, result.seconds = resumed, time.perf_counter() - t0
        result.warnings += ([f"{input_path}: {work.restarted}"] if work.restarted else []) + _timing_warnings(src)
        return result


def _timing_warnings(src: FrameSource) -> list[str]:
    """Variable frame rate (:mod:`.timing`) of the frames decoded in this run; this path only warns (the
    default fit path also writes the true times)."""
    from .timing import timing_report

    idx = np.array(sorted(src.times_ms), np.int64)
    report = timing_report(idx, np.array([src.times_ms[i] for i in idx]), src.info.fps) if len(idx) else None
    return [report.warning(src.info.path, kept=False)] if report is not None and report.variable else []


def _run_chunks(src: FrameSource, provider: BoxProvider, batcher: _Batcher, work: WorkDir, opts: InferOptions,
                res: int, progress, on_chunk) -> None:
    """Decode → box → crop → batch → model from the first unfinished chunk to the end."""
    info, resumed = src.info, work.frames_done
    frames = src.frames(resumed)
    if provider.sequential:
        items = prefetch(frames, maxsize=min(opts.queue_size, 8))  # full frames: a short queue
    else:
        items = prefetch(_frames_with_boxes(frames, provider, res), maxsize=opts.queue_size)
    done, t_run = resumed, time.perf_counter()
    chunk_end = (resumed // opts.chunk_size + 1) * opts.chunk_size
    for item in items:
        i = item[0]
        if i >= chunk_end:
            chunk = batcher.take()
            work.add_chunk(chunk, len(chunk["frame_index"]), provider.state())
            if on_chunk is not None:
                on_chunk(len(work.chunks) - 1)
            chunk_end += opts.chunk_size
        if provider.sequential:  # the box needs the previous batch's prediction
            img = item[1]
            det = provider.detect(i, img.shape[1], img.shape[0])
            batcher.add(i, det, None if det is None else crop(img, det.box, res))
        else:
            batcher.add(i, item[1], item[2])
        done = i + 1
        if progress is not None and (done % opts.batch_size == 0):
            progress(done, max(info.num_frames, done), (done - resumed) / (time.perf_counter() - t_run))
    tail = batcher.take()
    if len(tail.get("frame_index", [])):
        work.add_chunk(tail, len(tail["frame_index"]), provider.state())
        if on_chunk is not None:
            on_chunk(len(work.chunks) - 1)
    work.mark_complete()
    if progress is not None:
        progress(done, done, (done - resumed) / max(time.perf_counter() - t_run, 1e-9))


def _finish(work: WorkDir, model: MeshRegressor, info, opts: InferOptions, output: str,
            overlay: str | None, src: FrameSource) -> InferResult:
    """Chunks → one shape, full-image camera, world frame, smoothing → motion file (+ overlay)."""
    r = work.load_all()
    if not len(r.get("frame_index", [])):
        raise ValueError(f"{info.path}: no frames were decoded")
    conf = r["confidence"]
    valid = r["ok"] & (conf >= opts.min_confidence) & ~np.isin(r["frame_index"], sorted(src.repeats))
    if not valid.any():
        raise ValueError(f"{info.path}: no person found with confidence ≥ {opts.min_confidence} in any of "
                         f"{len(valid)} frames; give person boxes (--boxes), try --track, or lower "
                         f"--min-confidence")
    hold = _hold_last_valid(valid)
    rot, cam, boxes = r["rotmats"][hold], r["cam"][hold], r["box"][hold]
    betas = np.average(r["betas"][valid], axis=0, weights=np.maximum(conf[valid], 1e-6))
    f = opts.focal_length or default_focal_length(info.width, info.height)
    cam_t = crop_cam_to_full(cam, boxes, info.width, info.height, f)
    body = model.body.cpu()
    world = to_world(body, rot, betas, cam_t, valid, opts.world_origin)
    rot_w, trans = world.rotmats, world.trans
    if opts.smoothing is not None:
        rot_w, trans = smooth_motion(rot_w, trans, valid, info.fps, opts.smoothing)
    motion = motion_from_smpl(body, torch.as_tensor(rot_w), torch.as_tensor(betas), torch.as_tensor(trans),
                              info.fps, frame_index=r["frame_index"], confidence=conf, valid=valid,
                              camera=torch.as_tensor(cam, dtype=torch.float64), include_mesh=opts.include_mesh)
    write_motion(output, motion)
    world = WorldTrajectory(rot_w, trans, world.cam_R, world.cam_t)
    if overlay:
        from .overlay import write_overlay

        try:
            write_overlay(src, body, world, betas, valid, f, overlay)
        except OSError as exc:  # the motion is safe; the kept work folder lets --resume redo only the overlay
            raise OSError(f"{exc}. {output} was written; add --resume to retry only the overlay") from exc
    return InferResult(str(output), len(valid), int(valid.sum()), 0, 0.0, world, info.fps)
