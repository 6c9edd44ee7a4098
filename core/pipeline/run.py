"""``hkmr infer`` on real footage (the default): frames → detect (+ left/right swaps undone,
:mod:`core.detect.swaps`; world landmarks levelled, :mod:`core.detect.world_lean`; with ``--world3d lifter``
replaced by the world lifter's 3D, :mod:`core.model.world_lifter`) → start → fit → motion file (world, contacts)
(+ overlay).

Each stage is one module of this package with a dataclass in and out; this function only strings them
together, times them and keeps the work folder (resume per chunk of detection, see :mod:`.detect`).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from core.detect.blazepose import DetectorOptions, check_person
from core.detect.landmarks import Landmarks
from core.detect.swaps import fix_swaps
from core.detect.world_lean import level_world
from core.fitting.windows import WindowStore
from core.inference.options import OutputOptions
from core.inference.sources import open_source, source_fingerprint
from core.inference.workdir import WorkDir, work_dir_for
from core.runtime import return_large_blocks
from hkmr_blender.base.options import height_problem

from .background import in_background
from .camera import CAMERA_MODES, CameraStage, run_camera
from .detect import (DetectStage, detector_fingerprint, frame_times, landmarks_from_arrays, load_landmarks,
                     run_detect)
from .detect_process import DetectProcess
from .fit import FitStage, run_fit
from .hands import (HandBlocks, HandStage, hand_progress, hands_message, refine_body_wrists, run_hand_detect,
                    run_hand_fit)
from .motion import MotionOutput, MotionStage, NoPerson, run_motion
from .motion_blocks import BlockedMotionStage, run_motion_blocks
from .start import INITS, StartStage, run_start
from .stream import StreamConfig, fit_streamed

__all__ = ["WORLD3D", "RealOptions", "RealResult", "RunFailed", "run_real", "world_source"]

#: ``hkmr infer --world3d`` choices: BlazePose's own world landmarks (default) or the world lifter's 3D.
WORLD3D: tuple[str, ...] = ("blazepose", "lifter")


def world_source(world3d: str):
    """``RealOptions.world3d`` → a function Landmarks → Landmarks applied after the swaps and the lean: the world
    lifter (loaded once) or nothing."""
    if world3d == "blazepose":
        return lambda lm: lm
    from core.model.world_lifter import PIPELINE_SMOOTHING, lift_world, load_world_lifter

    model = load_world_lifter()
    return lambda lm: lift_world(lm, model, smooth=PIPELINE_SMOOTHING)


class RunFailed(ValueError):
    """A verdict on the content (nobody there, no frame usable) after detection: the message is the error;
    ``warnings`` what the run had to say before it (e.g. "a person was seen in 0 of 60 frames", a variable
    frame rate), which ``hkmr infer --progress json`` still reports as warning lines before the error."""

    def __init__(self, message: str, warnings: list[str]):
        super().__init__(message)
        self.warnings = warnings


@dataclass
class RealOptions(OutputOptions):
    """detector: BlazePose settings (incl. ``person``); init: the fit's start, one of :data:`.start.INITS`
    ("keypoints": the keypoint model, "none": a neutral pose); fit_threads: torch threads for the fit (see
    :mod:`.fit`; None: torch's setting); camera: one of :data:`.camera.CAMERA_MODES` ("auto": find out whether
    the camera moves and follow it, "static": assume it does not); and the shared
    :class:`~core.inference.options.OutputOptions` (here ``min_confidence`` is the mean landmark visibility);
    hands: also detect hands and fit SMPL-H's finger joints (the motion file's ``hand_pose``; :mod:`.hands`);
    height: the person's height in metres, the world's scale (None: from the detector, see :mod:`.fit`);
    stream: how a long video is fitted in segments beside detection (:mod:`.stream`; None: always whole, after
    detection); world3d: the 3D landmarks the start and the fit follow, one of :data:`WORLD3D` ("blazepose":
    BlazePose's own world landmarks, levelled — the default; "lifter": the world lifter's,
    :mod:`core.model.world_lifter`: better 3D, but not a better fit on the held-out renders, docs/experiments.md);
    hand_blocks: the pieces the hands are fitted (and on a long video detected) in (:class:`.hands.HandBlocks`)."""

    detector: DetectorOptions = field(default_factory=DetectorOptions)
    init: str = "keypoints"
    fit_threads: int | None = 1
    camera: str = "auto"
    hands: bool = False
    height: float | None = None
    stream: StreamConfig | None = field(default_factory=StreamConfig)
    world3d: str = "blazepose"
    hand_blocks: HandBlocks = field(default_factory=HandBlocks)

    def validate(self) -> "RealOptions":
        if self.world3d not in WORLD3D:
            raise ValueError(f"--world3d {self.world3d!r} is not one of {', '.join(WORLD3D)}")
        if self.init not in INITS:
            raise ValueError(f"--init {self.init!r} is not one of {', '.join(INITS)}")
        if self.camera not in CAMERA_MODES:
            raise ValueError(f"--camera {self.camera!r} is not one of {', '.join(CAMERA_MODES)}")
        if self.height is not None and (problem := height_problem(self.height)):
            raise ValueError(problem)
        if self.stream is not None:
            self.stream.validate()
        self.hand_blocks.validate()
        return super().validate()


@dataclass
class RealResult:
    """frames / valid_frames; seconds per stage (decode is inside detect); the stages' outputs (a long video's
    blocked write keeps none: ``landmarks``, ``fit`` and ``motion`` are None, the file is the output); warnings for
    the user (e.g. a variable frame rate)."""

    output: str
    frames: int
    valid_frames: int
    resumed_frames: int
    seconds: dict[str, float]
    landmarks: Landmarks = field(repr=False)
    fit: object = field(repr=False)
    motion: MotionOutput = field(repr=False)
    fps: float = 0.0
    warnings: list[str] = field(default_factory=list)
    hands: object = field(default=None, repr=False)
    hand_fit: object = field(default=None, repr=False)


def run_real(input_path: str, output: str, body, opts: RealOptions | None = None, *, resume: bool | str = False,
             progress: Callable[[int, int, float], None] | None = None,
             on_chunk: Callable[[int], None] | None = None, overlay: str | None = None,
             log: Callable[[str], None] | None = None,
             fit_progress: Callable[[int, int], None] | None = None) -> RealResult:
    """Run the stages on one input (video, image folder or glob) into the motion file ``output``.
    ``progress(done, total, frames_per_s)``: detection, per chunk; ``fit_progress(done, total)``: the fit,
    per window."""
    opts = (opts or RealOptions()).validate()
    return_large_blocks()  # flat memory on long clips (core.runtime)
    src = open_source(input_path, opts.fps)  # bad input fails here, before anything is written
    info = src.info
    check_person(opts.detector.person, info.width, info.height)
    stream = opts.stream if opts.stream is not None and info.num_frames >= opts.stream.min_frames else None
    fingerprint = {**source_fingerprint(src), "path": "detect+fit", "chunk_size": opts.chunk_size,
                   **detector_fingerprint(opts.detector), "stream": None if stream is None else repr(stream)}
    with WorkDir(work_dir_for(output), fingerprint).open(resume) as work:  # locked until the end
        resumed = work.frames_done
        seconds: dict[str, float] = {}
        t = time.perf_counter()
        streamed = None
        try:
            if stream is None:
                lm = run_detect(DetectStage(src, opts.detector, opts.chunk_size), work, progress, on_chunk)
                seconds["detect"] = time.perf_counter() - t
            else:  # a long video: its fit's segments run here while a child process detects (.stream)
                streamed = _detect_beside_fit(body, src, input_path, opts, stream, work, seconds,
                                              progress, on_chunk, fit_progress, log)
        except BaseException:
            if not work.chunks:  # nothing worth resuming: leave no trace
                work.remove()
            raise
        restarted = [f"{input_path}: {work.restarted}"] if work.restarted else []  # resume="if-same"
        if streamed is not None:  # memory flat in the length
            res = _write_in_blocks(body, src, input_path, str(output), opts, work, streamed, seconds, resumed, log,
                                   overlay, fit_progress)
            res.warnings[:0] = restarted
            return res
        if stream is not None:
            lm = load_landmarks(work, info)
        warnings = restarted + _timing_warnings(lm.frame_index, lm.time_ms, lm.fps, input_path, info.num_frames)
        if log:
            log(f"detect: person found in {int(lm.found.sum())}/{lm.num_frames} frames ({seconds['detect']:.1f} s)")
        swaps = fix_swaps(lm)  # BlazePose's left/right limb swaps, undone before anything uses the labels
        lm = level_world(swaps.landmarks)  # and its world landmarks' lean away from the camera
        lm = world_source(opts.world3d)(lm)  # the 3D the start and the fit follow (--world3d)
        if log and any(s.any() for s in swaps.swapped.values()):
            log("detect: left/right labels swapped back on " + ", ".join(
                f"{int(s.sum())} frames ({g})" for g, s in swaps.swapped.items() if s.any()))
        try:
            fit, out, hands, hand_fit = _fit_and_write(body, src, lm, opts, str(output), seconds, fit_progress, log,
                                                       WindowStore(work.path / "fit"))
        except ValueError as exc:  # a verdict on the content (nobody there): nothing to resume, leave no work folder
            raise _failed(exc, opts, work, input_path, lm.found, warnings) from exc
        warnings += _presence_warnings(out.motion.valid, input_path)
        if overlay:
            _write_overlay(src, body, out.world, fit.betas, out.motion.valid, fit.camera.focal, overlay, seconds)
        if not opts.keep_work:
            work.remove()
        return RealResult(str(output), lm.num_frames, int(out.motion.valid.sum()), resumed, seconds, lm, fit, out,
                          info.fps, warnings, hands, hand_fit)


def _failed(exc: ValueError, opts: RealOptions, work, input_path: str, found: np.ndarray, warnings: list[str]):
    """A verdict on the content (nobody there) → :class:`RunFailed`; nothing to resume: the work folder goes."""
    if not opts.keep_work:
        work.remove()
    nobody = isinstance(exc, NoPerson) or not found.any()  # the fit's or the detector's verdict
    seen = _presence_warnings(np.zeros(len(found), bool), input_path) if nobody else []
    return RunFailed(_with_box(str(exc), opts.detector.person, found), warnings + seen)


def _write_in_blocks(body, src, input_path: str, output: str, opts: RealOptions, work, fit, seconds: dict,
                     resumed: int, log, overlay: str | None = None, fit_progress=None) -> RealResult:
    """A long video's motion file from its fit on disk, block by block (:mod:`.motion_blocks`; with ``--hands`` the
    hands first, in chunks and blocks, :mod:`.hand_blocks`), then its overlay from the same rows, a batch at a time:
    nothing of the clip's length is held but its timing and flags. The result's ``landmarks``, ``fit`` and ``motion``
    are None (the file is the output: :func:`core.motion.read_motion`)."""
    info = src.info
    index = work.load_range(0, work.frames_done, keys=("found", "frame_index", "time_ms"))
    found, times = np.asarray(index["found"], bool), frame_times(index)
    warnings = _timing_warnings(index["frame_index"], times, info.fps, input_path, info.num_frames)
    if log:
        log(f"detect: person found in {int(found.sum())}/{len(found)} frames ({seconds['detect']:.1f} s)")
    size = (info.width, info.height)
    hands = None
    if opts.hands:  # detected in chunks and fitted in blocks; the fit's wrists refined on disk (.hand_blocks)
        from .hand_blocks import run_hand_blocks

        hands = run_hand_blocks(body, src, work, fit, opts.hand_blocks, seconds, log,
                                progress=hand_progress(fit_progress))
    stage = BlockedMotionStage(fit, lambda a, b: landmarks_from_arrays(work.load_range(a, b), size, info.fps),
                               index["frame_index"], times, info.fps, output, opts.min_confidence, opts.world_origin,
                               opts.include_mesh, hands=hands)
    t = time.perf_counter()
    try:
        out = run_motion_blocks(body, stage)
    except ValueError as exc:
        raise _failed(exc, opts, work, input_path, found, warnings) from exc
    seconds["write"] = time.perf_counter() - t
    warnings += _presence_warnings(out.valid, input_path)
    if overlay:  # before the work folder goes: the trajectory is read from the fit's columns in it
        _write_overlay(src, body, out.world, fit.betas, out.valid, fit.camera.focal, overlay, seconds)
    if not opts.keep_work:
        work.remove()
    return RealResult(output, out.frames, int(out.valid.sum()), resumed, seconds, None, None, None, info.fps, warnings)


def _write_overlay(src, body, world, betas, valid, focal: float, overlay: str, seconds: dict) -> None:
    from core.inference.overlay import write_overlay

    t = time.perf_counter()
    write_overlay(src, body, world, betas, valid, focal, overlay)
    seconds["overlay"] = time.perf_counter() - t


def _detect_beside_fit(body, src, input_path: str, opts: RealOptions, stream: StreamConfig, work, seconds: dict,
                       progress, on_chunk, fit_progress, log):
    """Detection in a child process (:mod:`.detect_process`) while this one fits the segments (:mod:`.stream`) →
    the clip's fit on disk (:class:`core.fitting.segments.DiskFit`), or None to fit it whole now."""
    import resource

    t, cpu, child_cpu = time.perf_counter(), time.process_time(), _children_cpu(resource)
    det = DetectProcess(input_path, opts.fps, opts.detector, opts.chunk_size, work, progress, on_chunk)
    try:
        result = fit_streamed(body, src, det, opts, stream, work.path / "fit", fit_progress, log)
        det.finish()
    except BaseException:
        det.stop()
        try:
            work.reload()  # the chunks the child finished (kept for --resume)
        except (OSError, ValueError):
            pass
        raise
    seconds["detect"] = det.done_at - t
    seconds["detect_cpu"] = _children_cpu(resource) - child_cpu  # the child's CPU time, both cores together
    seconds["fit_cpu"] = time.process_time() - cpu  # this process's: the segments' fit (and waiting, ~0)
    if result is not None:
        seconds["fit"] = max(time.perf_counter() - det.done_at, 0.0)  # what the fit took after detection
        seconds["fit_beside_detect"] = result.seconds
        if log and result.camera is not None:
            _camera_done((result.camera, None), 0.0, {}, log)
    return None if result is None else result.fit


def _children_cpu(resource) -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _fit_and_write(body, src, lm, opts: RealOptions, output: str, seconds: dict, fit_progress, log, store=None):
    """The start, fit, hands (with ``opts.hands``) and motion-file stages (timed into ``seconds``) →
    (fit, motion output, hand landmarks or None, hand fit or None). ``store``: the fit's finished windows
    (:class:`core.fitting.windows.WindowStore`; a resumed run replays them)."""
    fit = _fit(body, src, lm, opts, seconds, fit_progress, log, store)
    hands = hand_fit = None
    if opts.hands:
        t = time.perf_counter()
        hands = run_hand_detect(HandStage(src, lm, progress=hand_progress(fit_progress)))
        seconds["hand_detect"] = time.perf_counter() - t
        t = time.perf_counter()
        hand_fit = run_hand_fit(body, fit.betas, hands, opts.hand_blocks, hand_progress(fit_progress))
        fit, refined = refine_body_wrists(body, fit, hand_fit)
        seconds["hand_fit"] = time.perf_counter() - t
        if log:
            log(hands_message(int(hands.found[:, 0].sum()), int(hands.found[:, 1].sum()), hands.num_frames,
                              int(refined.sum()), seconds))
    t = time.perf_counter()
    out = run_motion(body, MotionStage(fit, lm, output, opts.min_confidence, opts.world_origin, opts.include_mesh,
                                       None if hand_fit is None else hand_fit.hand_pose,
                                       None if hand_fit is None else hand_fit.found))
    seconds["write"] = time.perf_counter() - t
    return fit, out, hands, hand_fit


def _fit(body, src, lm, opts: RealOptions, seconds: dict, fit_progress, log, store):
    """The whole clip's camera (beside the start), start and fit stages → :class:`core.fitting.clip.ClipFit`."""
    rotations = None
    if opts.camera != "static" and lm.found.any():  # started first: it runs beside the keypoint start
        from core.fitting.full_camera import FullCamera

        focal = FullCamera.for_image(*lm.image_size, focal=opts.focal_length).focal
        rotations = in_background(run_camera, CameraStage(src, lm, focal, opts.camera),
                                  lambda r, sec: _camera_done(r, sec, seconds, log))
    start = None
    if opts.init == "keypoints" and lm.found.any():
        t = time.perf_counter()
        start = run_start(StartStage(lm))
        seconds["start"] = time.perf_counter() - t
    t = time.perf_counter()
    fit = run_fit(body, FitStage(lm, opts.focal_length, None if start is None else start.rotmats,
                                 None if start is None else start.betas, threads=opts.fit_threads,
                                 camera_rotations=rotations, height=opts.height, store=store), fit_progress)
    seconds["fit"] = time.perf_counter() - t
    return fit


def _camera_done(result, sec: float, seconds: dict, log) -> np.ndarray | None:
    """The camera stage's result (run beside the keypoint start) → the fit's rotations; timed and logged."""
    est, rotations = result
    seconds["camera"] = sec
    if log and est is not None:
        log(f"camera: {'static' if rotations is None else 'moving'} (median background motion "
            f"{float(np.median(est.motion_px[1:])) if len(est.motion_px) > 1 else 0.0:.2f} px/frame)")
    return rotations


#: Fewer valid frames than this share (or than 3) make the run say the scene looks empty.
FEW_VALID = 0.2


def _presence_warnings(valid, name: str) -> list[str]:
    """An (almost) empty scene says so: a person in fewer than :data:`FEW_VALID` of the frames."""
    n, k = len(valid), int(valid.sum())
    if k >= min(n, max(3, FEW_VALID * n)):  # a 1- or 2-frame clip with the person in every frame is not empty
        return []
    seen = (f"no person was seen in any of the {n} frames of {name}" if k == 0 else
            f"a person was seen in only {k} of {n} frames of {name} (the others are marked invalid and not keyed as "
            f"seen)")
    return [f"{seen}: is anyone in view? Film the whole body, or choose them with --person x0,y0,x1,y1"]


def _with_box(message: str, box, found: np.ndarray) -> str:
    """A "no person" error of a run with ``--person x0,y0,x1,y1`` says that only that box was searched."""
    if box is None or found.any():
        return message
    return (f"--person {','.join(f'{v:g}' for v in box)}: the detector found no person inside this box (+15 %) in "
            f"any of the {len(found)} frames; draw the box around the whole person on the first frame (they "
            f"must stay inside it), or use --person auto")


def _timing_warnings(frame_index: np.ndarray, time_ms: np.ndarray | None, fps: float, name: str,
                     listed: int) -> list[str]:
    """The variable-frame-rate / broken-times warning and the "fewer frames than listed" warning
    (:mod:`core.inference.timing`), if the video has them; ``listed``: the container's frame count."""
    from core.inference.timing import missing_frames_warning, timing_report

    report = None if time_ms is None else timing_report(frame_index, time_ms, fps)
    missing = missing_frames_warning(len(frame_index), listed, name)
    return ([report.warning(name)] if report is not None and report.variable else []) + ([missing] if missing else [])
