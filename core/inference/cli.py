"""``hkmr infer``: video / image folder / glob → motion file; or a batch of videos → a folder.

Registered by :func:`add_infer_parser` (``core.cli`` wires it). Default: the real-footage path
(:mod:`core.pipeline`: BlazePose landmarks → HKMR_MF clip fit); ``--no-fit``: the raw network
(:mod:`core.inference.runner`). Machine-readable progress for the Blender operator with ``--progress json``:
lines ``HKMR_PROGRESS {"input", "stage", "done", "total", "fps"}`` (stage "detect": frames, per chunk; "fit":
frames × passes, per fitted window; "hands" with ``--hands``: frames × 2, detection then the finger fit), ``HKMR_WARNING {"message"}`` and, at the end,
``HKMR_DONE {"output", "frames", "valid"}`` on stdout.
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
from importlib.metadata import entry_points
from pathlib import Path

from hkmr_blender.base.options import (frame_rate, nonnegative_float, positive_float, positive_int, thread_count,
                                      unit_float)
from hkmr_blender.base.progress import DONE_TAG, PROGRESS_TAG, WARNING_TAG, progress_line

from core.detect.blazepose import DetectorOptions
from core.pipeline.start import INITS
from core.runtime import PRECISIONS

from .sources import IMAGE_EXTS, VIDEO_EXTS, is_video
from .workdir import RESUME_IF_SAME

__all__ = ["add_infer_parser", "run_infer", "synthetic_warning"]

log = logging.getLogger(__name__)
#: Options of the raw network path only (``--no-fit``).
NETWORK_ONLY = ("boxes", "track", "full_frame", "refine", "checkpoint", "batch_size", "precision", "smooth")


def add_infer_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser("infer", help="video or images → SMPL motion file (.npz)",
                              description="Estimate SMPL motion from a video, an image folder or a glob. "
                                          "A folder of videos or a .txt list is processed as a batch "
                                          "(sharded across processes under torchrun).")
    p.add_argument("input", metavar="INPUT", help="video file, image folder, glob ('f/*.png'), folder of "
                                                   "videos or .txt list")
    p.add_argument("-o", "--output", required=True, help="motion .npz (a folder for a batch)")
    p.add_argument("--no-fit", action="store_true",
                   help="raw network path: the image model per frame, no detector and no fit (the shipped "
                   "checkpoint saw only synthetic renders: unreliable on real footage)")
    p.add_argument("--init", choices=INITS, default=None,
                   help="the fit's start: keypoints (default: the shipped keypoint model, HKMR on BlazePose's "
                   "landmarks — 10 mm better in 3D on rendered clips with truth) or none (a neutral pose turned "
                   "like the detected torso)")
    p.add_argument("--camera", choices=("auto", "static"), default=None,
                   help="auto (default): find out from the background whether the camera pans, follows or shakes "
                   "and put the person's true path in the world; static: assume a camera on a tripod")
    p.add_argument("--height", type=positive_float, metavar="METRES",
                   help="the person's height (e.g. 1.75): sets the world's scale — how far they travel and how far "
                   "from the camera they are (default: one adult size from the detector)")
    p.add_argument("--person", metavar="auto|x0,y0,x1,y1",
                   help="whom to follow when several people are in view: auto (BlazePose's most confident "
                   "detection, then tracked) or a box in pixels — every frame is cropped to it (+15 %%) before "
                   "detection, so the person must stay inside it")
    p.add_argument("--mirror", action=argparse.BooleanOptionalAction, default=None,
                   help="two looks per frame: run BlazePose on each frame and on its mirror image and average the "
                   f"two (its 3D ~4–6 %% closer to the truth, detection ~1.5× the time). Default: "
                   f"{'on' if DetectorOptions.mirror else 'off'}; --no-mirror: one look, faster. The detector + fit "
                   f"path only (not with --no-fit)")
    p.add_argument("--world3d", choices=("blazepose", "lifter"), default=None,
                   help="the 3D landmarks the fit follows: blazepose (default: BlazePose's world landmarks) or lifter "
                   "(the world lifter, trained on real motion capture: its 3D is 14 mm PA closer to the truth on "
                   "rendered real motion, the fit's result is better on the choosing renders but not on held-out ones)")
    p.add_argument("--hands", action="store_true",
                   help="also find both hands (MediaPipe Hands on crops at the body's wrists) and fit SMPL-H's "
                   "finger joints into the motion file's hand_pose (open body; adds ~40-80 ms per frame)")
    p.add_argument("--checkpoint", help="with --no-fit: HKMR checkpoint or SPIN's model_checkpoint.pt "
                                        "(default: $HKMR_CHECKPOINT or the shipped demo checkpoint)")
    p.add_argument("--body", help="SMPL model file/folder (default: discovered SMPL or the open body)")
    box = p.add_argument_group("person crops of the network path (with --no-fit)").add_mutually_exclusive_group()
    box.add_argument("--boxes", metavar="FILE", help="COCO JSON or OpenPose JSON folder with person boxes/keypoints")
    box.add_argument("--track", action="store_true", help="follow the person: next crop from this frame's joints")
    box.add_argument("--full-frame", action="store_true", help="the whole frame, letterboxed (default)")
    p.add_argument("--refine", action="store_true", help="SMPLify refinement on --boxes keypoints (HKMR_MF; slow)")
    p.add_argument("--smooth", action="store_true", help="with --no-fit: One-Euro smoothing of rotations and "
                   "translation (the fit has its own temporal term)")
    p.add_argument("--smooth-min-cutoff", type=positive_float, default=1.5, help="rotation min cutoff, Hz (1.5)")
    p.add_argument("--smooth-beta", type=nonnegative_float, default=0.3, help="rotation speed coefficient, s/rad (0.3)")
    p.add_argument("--smooth-trans-min-cutoff", type=positive_float, default=1.0, help="translation min cutoff, Hz (1.0)")
    p.add_argument("--smooth-trans-beta", type=nonnegative_float, default=0.5, help="translation speed coefficient, s/m (0.5)")
    p.add_argument("--smooth-d-cutoff", type=positive_float, default=1.0, help="speed filter cutoff, Hz (1.0)")
    p.add_argument("--overlay", metavar="OUT", help="render the mesh over the input: .mp4 file or PNG folder")
    p.add_argument("--batch-size", type=positive_int, help="with --no-fit: crops per model call (16)")
    p.add_argument("--device", default="auto", help="auto | cpu | cuda | cuda:N")
    p.add_argument("--precision", choices=PRECISIONS,
                   help="with --no-fit: backbone + head precision: auto = bf16 on CUDA, fp32 on CPU; bf16 on a CPU with AMX "
                   "(lscpu shows amx_bf16) was 1.4–3.3× faster end to end (rotations and the body stay fp32)")
    p.add_argument("--threads", type=thread_count, help="CPU threads: for the fit (default 1: measured fastest, its "
                   "windows are small) or, with --no-fit, the model (default: torch's, one per core; 1 per job when "
                   "several share a machine — OpenMP threads that wait on each other are slower)")
    again = p.add_mutually_exclusive_group()
    again.add_argument("--resume", action="store_true", help="continue an interrupted run with the same settings (a "
                       "work folder of other settings is refused, naming them)")
    again.add_argument("--resume-if-same", dest="resume", action="store_const", const=RESUME_IF_SAME,
                       help="continue an interrupted run of the same settings, or start over where they differ "
                       "(with a warning; what the Blender add-on sends)")
    p.add_argument("--fps", type=frame_rate, help="frame rate of an image sequence (30) or a video override")
    p.add_argument("--focal-length", type=positive_float, help="full-image focal length in pixels (default: diagonal)")
    p.add_argument("--min-confidence", type=unit_float, default=0.3, help="frames below are marked invalid")
    p.add_argument("--chunk-size", type=positive_int, default=256, help="frames per resumable chunk")
    p.add_argument("--world-origin", choices=("first_frame", "camera"), default="first_frame")
    p.add_argument("--no-mesh", action="store_true", help="leave the rest mesh out of the motion file")
    p.add_argument("--keep-work", action="store_true", help="keep the chunk folder after success")
    p.add_argument("--progress", choices=("bar", "json", "none"), default="bar")
    p.set_defaults(func=run_infer)
    return p


def _smoothing(args):
    from .smoothing import OneEuroParams, SmoothingConfig

    if not args.smooth:
        return None
    return SmoothingConfig(OneEuroParams(args.smooth_min_cutoff, args.smooth_beta, args.smooth_d_cutoff),
                           OneEuroParams(args.smooth_trans_min_cutoff, args.smooth_trans_beta, args.smooth_d_cutoff))


def _options(args):
    from .runner import InferOptions

    return InferOptions(batch_size=args.batch_size or 16, device=args.device, boxes=args.boxes, track=args.track,
                        fps=args.fps, focal_length=args.focal_length, min_confidence=args.min_confidence,
                        chunk_size=args.chunk_size, world_origin=args.world_origin, smoothing=_smoothing(args),
                        include_mesh=not args.no_mesh, keep_work=args.keep_work,
                        precision=args.precision or "auto").validate()


def _real_options(args):
    from core.detect.blazepose import parse_person
    from core.pipeline.run import RealOptions

    given = [f"--{n.replace('_', '-')}" for n in NETWORK_ONLY if getattr(args, n) not in (None, False)]
    if given:
        raise ValueError(f"{', '.join(given)} belong(s) to the raw network path; add --no-fit to use it, or drop "
                         f"{'it' if len(given) == 1 else 'them'} (the default path is the BlazePose detector + fit)")
    mirror = DetectorOptions.mirror if args.mirror is None else args.mirror
    return RealOptions(detector=DetectorOptions(person=parse_person(args.person), mirror=mirror), fps=args.fps,
                       focal_length=args.focal_length, min_confidence=args.min_confidence,
                       chunk_size=args.chunk_size, world_origin=args.world_origin,
                       include_mesh=not args.no_mesh, keep_work=args.keep_work,
                       init=args.init or "keypoints", fit_threads=args.threads or 1,
                       camera=args.camera or "auto", hands=args.hands, height=args.height,
                       world3d=args.world3d or "blazepose").validate()


def synthetic_warning(loaded) -> str | None:
    """The once-per-run warning for a checkpoint trained only on synthetic renders (``--no-fit``)."""
    if not loaded.synthetic_only:
        return None
    name = loaded.identity.rsplit(":", 2)[0]
    return (f"{name} was trained only on synthetic renders ({', '.join(loaded.trained_on)}): on real footage "
            f"its poses are unreliable (on a real clip it scored worse than a constant T-pose, and it marks "
            f"every frame confident). Drop --no-fit to use the default BlazePose detector + fit.")


def _warn(message: str, kind: str) -> None:
    print(f"warning: {message}", file=sys.stderr, flush=True)
    if kind == "json":
        print(progress_line(WARNING_TAG, {"message": message}), flush=True)


def _load_refiner(name: str = "smplify"):
    """The 2D-keypoint refiner (HKMR_MF) comes from the ``hkmr.refiners`` entry-point group:
    ``training`` provides ``smplify``; core never imports the packages above it."""
    found = [ep for ep in entry_points(group="hkmr.refiners") if ep.name == name]
    if not found:
        raise RuntimeError(f"--refine needs the '{name}' refiner from the HKMR training package, which is "
                           "not installed here; install the full HKMR package (pip install -e .) or drop --refine")
    return found[0].load()


def _is_batch(path: str) -> bool:
    p = Path(path)
    if p.is_file():
        return p.suffix.lower() == ".txt"
    if not p.is_dir():
        return False
    files = [f for f in p.iterdir() if not f.is_dir()]  # a FIFO named like a video counts (and is skipped, named)
    return any(is_video(str(f)) for f in files) and not any(f.suffix.lower() in IMAGE_EXTS for f in files)


def _progress(kind: str, label: str):
    """(detection report(done, total, fps), stage report(done, total, stage="fit"|"hands"), close) for
    ``--progress kind``."""
    if kind == "none":
        return None, None, lambda: None
    if kind == "json":
        def report(done, total, fps, stage="detect"):
            print(progress_line(PROGRESS_TAG, {'input': label, 'stage': stage, 'done': done, 'total': total,
                                              'fps': round(fps, 2)}), flush=True)
        return report, lambda done, total, stage="fit": report(done, total, 0.0, stage), lambda: None
    from tqdm import tqdm

    bar = tqdm(desc=os.path.basename(label.rstrip("/")), unit="frame", dynamic_ncols=True, file=sys.stderr)
    bars = {}  # one more bar a stage: on a long video the fit runs while detection goes on (core.pipeline.stream)

    def update(done, total, fps):
        bar.total = total
        bar.update(done - bar.n)

    def stage_update(done, total, stage="fit"):
        if stage not in bars:
            bars[stage] = tqdm(desc=stage, total=total, unit="frame-pass", dynamic_ncols=True, file=sys.stderr,
                               position=1 + len(bars))
        bars[stage].total = total
        bars[stage].update(done - bars[stage].n)

    def close():
        bar.close()
        for b in bars.values():
            b.close()
    return update, stage_update, close


def _network_runner(args):
    """The raw network path: (item, out, report) → result; warns once about a synthetic-only checkpoint."""
    from core.runtime import dist_env, pick_device

    from .loading import load_inference_model
    from .runner import run_inference

    opts = _options(args)
    if args.person not in (None, "auto"):
        raise ValueError("--person chooses whom the detector follows; with --no-fit use --boxes FILE or --track")
    if args.init is not None:
        raise ValueError("--init chooses the fit's start; --no-fit runs no fit: drop one of them")
    if args.camera is not None:
        raise ValueError("--camera belongs to the fit; --no-fit assumes a static camera: drop one of them")
    if args.hands:
        raise ValueError("--hands needs the default path (BlazePose + fit); drop --no-fit or --hands")
    if args.mirror is not None:
        raise ValueError("--mirror / --no-mirror set BlazePose, which --no-fit does not run: drop one of them")
    if args.threads is not None:
        import torch

        torch.set_num_threads(args.threads)
    device = pick_device(opts.device, dist_env().local_rank)
    opts.device = str(device)
    refiner = _load_refiner() if args.refine else None
    if args.refine and not args.boxes:
        raise ValueError("--refine fits SMPL to 2D keypoints: give them with --boxes FILE (COCO/OpenPose)")
    loaded = load_inference_model(args.checkpoint, args.body, device)
    for warning in (*loaded.warnings, synthetic_warning(loaded)):
        if warning:
            _warn(warning, args.progress)

    def run(item, out, report, overlay, _fit_report=None):  # no fit on this path
        return run_inference(item, str(out), loaded.model, opts, model_id=loaded.identity, resume=args.resume,
                             refiner=refiner, progress=report, overlay=overlay)
    return run


def _real_runner(args):
    """The default path: BlazePose → clip fit → motion file (:func:`core.pipeline.run.run_real`)."""
    from core.body.model import load_body_model
    from core.pipeline.run import run_real

    opts = _real_options(args)
    body = load_body_model(args.body)

    def run(item, out, report, overlay, fit_report=None):
        return run_real(item, str(out), body, opts, resume=args.resume, progress=report, overlay=overlay,
                        fit_progress=fit_report)
    return run


def _check_paths(args) -> None:
    """Outputs never overwrite, hold or sit inside an input and have the suffix their writer needs; an overlay
    folder is new, empty or a previous overlay (before any work; :mod:`hkmr_blender.base.outputs`)."""
    from hkmr_blender.base.formats import MOTION_SUFFIXES
    from hkmr_blender.base.outputs import check_into_folder, check_new_folder, check_output_file

    from .overlay import is_overlay_folder
    from .workdir import work_dir_for

    inputs = [args.input, args.checkpoint, args.body if args.body and os.path.isfile(args.body) else None, args.boxes]
    if _is_batch(args.input):
        check_into_folder(args.output, inputs, "-o/--output")
    else:
        check_output_file(args.output, inputs, "-o/--output", MOTION_SUFFIXES, searched=[args.body])
    if args.overlay is not None:
        suffix = os.path.splitext(args.overlay.rstrip("/"))[1].lower()
        if suffix and suffix not in VIDEO_EXTS:
            raise ValueError(f"--overlay {args.overlay}: give a video file ({', '.join(VIDEO_EXTS[:3])}…) or a "
                             f"folder name for PNG frames")
        outputs = inputs + [args.output, work_dir_for(args.output)]
        if suffix:
            check_output_file(args.overlay, outputs, "--overlay")
        else:
            check_new_folder(args.overlay, outputs, "--overlay", is_overlay_folder)


def run_infer(args) -> int:
    from core.runtime import dist_env

    from .shard import expand_inputs, output_path_for, shard

    _check_paths(args)
    env = dist_env()
    batch = _is_batch(args.input)
    if batch:
        items = expand_inputs(args.input, lambda message: _warn(message, args.progress))
        outs = [output_path_for(i, args.output) for i in items]
        dupes = sorted({o.name for o in outs if outs.count(o) > 1})
        if dupes:
            raise ValueError(f"{args.input}: several inputs would write {dupes}; rename them")
        pairs = shard(list(zip(items, outs)), env.rank, env.world_size)
    else:
        pairs = [(args.input, Path(args.output))]
    run = _network_runner(args) if args.no_fit else _real_runner(args)
    created = batch and not os.path.lexists(args.output)
    if batch:
        os.makedirs(args.output, exist_ok=True)
    failed = 0
    try:
        for item, out in pairs:
            if len(pairs) > 1 and out.exists() and not args.resume:
                log.warning("%s exists, skipped", out)
                continue
            report, fit_report, close = _progress(args.progress, item)
            try:
                res = run(item, out, report, args.overlay if len(pairs) == 1 else None, fit_report)
            except (ValueError, OSError, RuntimeError) as exc:
                for warning in getattr(exc, "warnings", ()):  # what the run saw before it failed (RunFailed)
                    _warn(warning, args.progress)
                if len(pairs) == 1:
                    raise
                failed += 1
                print(f"error: {item}: {exc}", file=sys.stderr)
                continue
            finally:
                close()
            for warning in getattr(res, "warnings", ()):
                _warn(warning, args.progress)
            if args.progress == "json":
                print(progress_line(DONE_TAG, {'output': str(out), 'frames': res.frames, 'valid': res.valid_frames}),
                      flush=True)
            else:
                print(f"{out}: {res.frames} frames ({res.valid_frames} valid) in {_seconds(res):.1f} s",
                      file=sys.stderr)
    finally:
        if created and not os.listdir(args.output):   # every input failed: no empty folder left behind
            os.rmdir(args.output)
    return 1 if failed else 0


def _seconds(res) -> float:
    return sum(res.seconds.values()) if isinstance(res.seconds, dict) else res.seconds
