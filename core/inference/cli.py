"""``hkmr infer``: video / image folder / glob → motion file; or a batch of videos → a folder.

Registered by :func:`add_infer_parser` (``core.cli`` wires it). Machine-readable progress for
the Blender operator with ``--progress json``: lines ``HKMR_PROGRESS {"done", "total", "fps"}``
and, at the end, ``HKMR_DONE {"output", "frames", "valid"}`` on stdout.
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
from importlib.metadata import entry_points
from pathlib import Path

from hkmr_blender.base.progress import DONE_TAG, PROGRESS_TAG, progress_line

from core.runtime import PRECISIONS

from .sources import IMAGE_EXTS, is_video

__all__ = ["add_infer_parser", "run_infer"]

log = logging.getLogger(__name__)


def add_infer_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser("infer", help="video or images → SMPL motion file (.npz)",
                              description="Estimate SMPL motion from a video, an image folder or a glob. "
                                          "A folder of videos or a .txt list is processed as a batch "
                                          "(sharded across processes under torchrun).")
    p.add_argument("input", metavar="INPUT", help="video file, image folder, glob ('f/*.png'), folder of "
                                                   "videos or .txt list")
    p.add_argument("-o", "--output", required=True, help="motion .npz (a folder for a batch)")
    p.add_argument("--checkpoint", help="HKMR checkpoint or SPIN's model_checkpoint.pt "
                                        "(default: $HKMR_CHECKPOINT or the shipped demo checkpoint)")
    p.add_argument("--body", help="SMPL model file/folder (default: discovered SMPL or the open body)")
    box = p.add_mutually_exclusive_group()
    box.add_argument("--boxes", metavar="FILE", help="COCO JSON or OpenPose JSON folder with person boxes/keypoints")
    box.add_argument("--track", action="store_true", help="follow the person: next crop from this frame's joints")
    box.add_argument("--full-frame", action="store_true", help="the whole frame, letterboxed (default)")
    p.add_argument("--refine", action="store_true", help="SMPLify refinement on --boxes keypoints (HKMR_MF; slow)")
    p.add_argument("--smooth", action="store_true", help="One-Euro smoothing of rotations and translation")
    p.add_argument("--smooth-min-cutoff", type=float, default=1.5, help="rotation min cutoff, Hz (1.5)")
    p.add_argument("--smooth-beta", type=float, default=0.3, help="rotation speed coefficient, s/rad (0.3)")
    p.add_argument("--smooth-trans-min-cutoff", type=float, default=1.0, help="translation min cutoff, Hz (1.0)")
    p.add_argument("--smooth-trans-beta", type=float, default=0.5, help="translation speed coefficient, s/m (0.5)")
    p.add_argument("--smooth-d-cutoff", type=float, default=1.0, help="speed filter cutoff, Hz (1.0)")
    p.add_argument("--overlay", metavar="OUT", help="render the mesh over the input: .mp4 file or PNG folder")
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--device", default="auto", help="auto | cpu | cuda | cuda:N")
    p.add_argument("--precision", choices=PRECISIONS, default="auto",
                   help="backbone + head precision: auto = bf16 on CUDA, fp32 on CPU; bf16 on a CPU with AMX "
                   "(lscpu shows amx_bf16) was 1.4–3.3× faster end to end (rotations and the body stay fp32)")
    p.add_argument("--threads", type=int, help="CPU threads for the model (default: torch's, one per core); "
                   "1 per job when several share a machine — OpenMP threads that wait on each other are slower")
    p.add_argument("--resume", action="store_true", help="continue an interrupted run (same settings)")
    p.add_argument("--fps", type=float, help="frame rate of an image sequence (30) or a video override")
    p.add_argument("--focal-length", type=float, help="full-image focal length in pixels (default: diagonal)")
    p.add_argument("--min-confidence", type=float, default=0.3, help="frames below are marked invalid")
    p.add_argument("--chunk-size", type=int, default=256, help="frames per resumable chunk")
    p.add_argument("--world-origin", choices=("first_frame", "camera"), default="first_frame")
    p.add_argument("--no-mesh", action="store_true", help="leave the rest mesh out of the motion file")
    p.add_argument("--keep-work", action="store_true", help="keep the chunk folder after success")
    p.add_argument("--progress", choices=("bar", "json", "none"), default="bar")
    p.set_defaults(func=run_infer)
    return p


def _options(args):
    from .runner import InferOptions
    from .smoothing import OneEuroParams, SmoothingConfig

    smoothing = None
    if args.smooth:
        smoothing = SmoothingConfig(OneEuroParams(args.smooth_min_cutoff, args.smooth_beta, args.smooth_d_cutoff),
                                    OneEuroParams(args.smooth_trans_min_cutoff, args.smooth_trans_beta,
                                                  args.smooth_d_cutoff))
    return InferOptions(batch_size=args.batch_size, device=args.device, boxes=args.boxes, track=args.track,
                        fps=args.fps, focal_length=args.focal_length, min_confidence=args.min_confidence,
                        chunk_size=args.chunk_size, world_origin=args.world_origin, smoothing=smoothing,
                        include_mesh=not args.no_mesh, keep_work=args.keep_work,
                        precision=args.precision).validate()


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
    files = [f for f in p.iterdir() if f.is_file()]
    return any(is_video(str(f)) for f in files) and not any(f.suffix.lower() in IMAGE_EXTS for f in files)


def _progress(kind: str, label: str):
    if kind == "none":
        return None, lambda: None
    if kind == "json":
        def report(done, total, fps):
            print(progress_line(PROGRESS_TAG, {'input': label, 'done': done, 'total': total, 'fps': round(fps, 2)}),
                  flush=True)
        return report, lambda: None
    from tqdm import tqdm

    bar = tqdm(desc=os.path.basename(label.rstrip("/")), unit="frame", dynamic_ncols=True, file=sys.stderr)

    def update(done, total, fps):
        bar.total = total
        bar.update(done - bar.n)
    return update, bar.close


def run_infer(args) -> int:
    from .loading import load_inference_model
    from core.runtime import dist_env, pick_device

    from .runner import run_inference
    from .shard import expand_inputs, output_path_for, shard

    opts = _options(args)
    if args.threads is not None:
        if args.threads < 1:
            raise ValueError(f"--threads must be ≥ 1, got {args.threads}")
        import torch

        torch.set_num_threads(args.threads)
    env = dist_env()
    device = pick_device(opts.device, env.local_rank)
    opts.device = str(device)
    refiner = _load_refiner() if args.refine else None
    if args.refine and not args.boxes:
        raise ValueError("--refine fits SMPL to 2D keypoints: give them with --boxes FILE (COCO/OpenPose)")
    if _is_batch(args.input):
        items = expand_inputs(args.input)
        outs = [output_path_for(i, args.output) for i in items]
        dupes = sorted({o.name for o in outs if outs.count(o) > 1})
        if dupes:
            raise ValueError(f"{args.input}: several inputs would write {dupes}; rename them")
        pairs = shard(list(zip(items, outs)), env.rank, env.world_size)
        os.makedirs(args.output, exist_ok=True)
    else:
        pairs = [(args.input, Path(args.output))]
    loaded = load_inference_model(args.checkpoint, args.body, device)
    failed = 0
    for item, out in pairs:
        if len(pairs) > 1 and out.exists() and not args.resume:
            log.warning("%s exists, skipped", out)
            continue
        report, close = _progress(args.progress, item)
        try:
            overlay = args.overlay if len(pairs) == 1 else None
            res = run_inference(item, str(out), loaded.model, opts, model_id=loaded.identity, resume=args.resume,
                                refiner=refiner, progress=report, overlay=overlay)
        except (ValueError, OSError, RuntimeError) as exc:
            if len(pairs) == 1:
                raise
            failed += 1
            print(f"error: {item}: {exc}", file=sys.stderr)
            continue
        finally:
            close()
        if args.progress == "json":
            print(progress_line(DONE_TAG, {'output': str(out), 'frames': res.frames, 'valid': res.valid_frames}),
                  flush=True)
        else:
            print(f"{out}: {res.frames} frames ({res.valid_frames} valid) in {res.seconds:.1f} s", file=sys.stderr)
    return 1 if failed else 0
