"""``hkmr demo --synthetic``: the whole product on a rendered clip whose ground truth is known.

(``hkmr demo`` without ``--synthetic`` runs real footage: :mod:`core.demo_real`.)

    hkmr demo --synthetic [--out DIR] [--frames 48] [--checkpoint FILE] [--seed 0] [--track] [--no-blender]

1. render — a synthetic clip of the default body (:mod:`core.body.poses` B-spline motion through
   random joint-limited key poses, a slow turn and a small sideways drift; clothing, light and
   background from :mod:`core.render.appearance`; one static camera) → ``clip.mp4`` and its ground
   truth ``ground_truth.npz``;
2. inference — :func:`core.inference.runner.run_inference` with the checkpoint (full frame, or
   ``--track``) and the render camera's focal length → ``motion.npz`` (motion file v1);
3. overlay — the predicted mesh over four input frames → ``overlay.png``;
4. export — the Blender add-on's headless batch exporter in a subprocess
   (``python -m hkmr_blender.export.batch motion.npz -o DIR --blend``) → ``motion.fbx``, ``motion.blend``;
5. scores — MPJPE / PA-MPJPE in mm of the motion file's joints against the clip's, on the 14 LSP
   joints after hip alignment (SPIN's protocol, :mod:`core.geometry.metrics`), printed with the
   per-stage times and saved to ``scores.json``.

The clip is rendered the way the training data is (:mod:`training.data.synthetic`, same renderer,
pose limits and looks), so the scores say how well a checkpoint trained on those renders recovers
the body — not how it does on real video. See docs/demo.md.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import cv2
import numpy as np
import torch

from hkmr_blender.base.skeleton import NUM_JOINTS

__all__ = ["GOAL_MPJPE_MM", "DemoClip", "Scores", "clip_motion", "render_clip", "score_joints", "run_demo",
           "export_blender", "export_stage"]

#: The demo's target (issue 6): mean per-joint error on the clip below this many millimetres.
GOAL_MPJPE_MM = 60.0
RES, FPS, KEY_EVERY, BODY_SIZE = 256, 30.0, 12, 0.8  # frame size px; rate; key pose spacing; body/frame
REPO_ROOT = Path(__file__).resolve().parents[1]


@dataclass
class DemoClip:
    """The rendered clip and its ground truth, camera frame (x right, y down, z forward, metres):
    poses (F, 72) axis-angle (joint 0 includes SMPL Y-up → camera), betas (NB,), transl (F, 3),
    joints (F, 24, 3), K (3, 3) intrinsics, fps."""

    video: Path
    poses: np.ndarray
    betas: np.ndarray
    transl: np.ndarray
    joints: np.ndarray
    K: np.ndarray
    fps: float


@dataclass
class Scores:
    """Mean over scored frames, millimetres; ``frames`` = number of frames scored."""

    mpjpe_mm: float
    pa_mpjpe_mm: float
    frames: int


def clip_motion(rng: np.random.Generator, frames: int) -> np.ndarray:
    """(frames, 72) camera-frame axis-angle poses: a C²-smooth B-spline through joint-limited key
    poses every ``KEY_EVERY`` frames, turning from −0.5 to 0.5 rad of yaw (facing the camera)."""
    from core.body.poses import bspline_clip, compose_global_orient, sample_body_pose

    nkeys = frames // KEY_EVERY + 4
    body = bspline_clip(sample_body_pose(rng, nkeys), frames)
    yaw = np.linspace(-0.5, 0.5, frames)
    poses = body.reshape(frames, 72)
    poses[:, :3] = compose_global_orient(yaw, np.zeros((frames, 3)))
    return poses


@torch.no_grad()
def render_clip(path: str | os.PathLike, body, frames: int, seed: int = 0, res: int = RES) -> DemoClip:
    """Render :func:`clip_motion` (seeded) of ``body`` (a BodyModel) into the video ``path``
    (written atomically) and return it with its ground truth."""
    from core.geometry.rotations import axis_angle_to_matrix
    from core.geometry.full_image_camera import default_focal_length
    from core.render import PinholeCamera
    from core.render.appearance import body_colors, random_background, random_light
    from core.render.scene import BodyGeometry, place_body, render_scene
    from hkmr_blender.base.atomic import atomic_path

    if frames < 1:
        raise ValueError(f"--frames must be ≥ 1, got {frames}")
    rng = np.random.default_rng([seed, 6])
    poses = clip_motion(rng, frames)
    betas = np.clip(rng.normal(0, 0.8, body.num_betas), -2.0, 2.0)
    f = default_focal_length(res, res)
    camera = PinholeCamera(f, f, (res - 1) / 2, (res - 1) / 2, res, res)
    geom = BodyGeometry.from_model(body)
    b = torch.as_tensor(betas, dtype=torch.float32)[None]
    colors = body_colors(rng, geom.vertex_joint, body.shaped_vertices(b)[0].numpy())
    light, background = random_light(rng), random_background(rng, res, res)
    out = body(axis_angle_to_matrix(torch.as_tensor(poses, dtype=torch.float32).reshape(-1, NUM_JOINTS, 3)),
               b.expand(frames, -1))
    verts, joints = out.vertices.double().numpy(), out.joints.double().numpy()
    t0 = place_body(verts[0], camera, BODY_SIZE, np.zeros(2))
    drift = np.linspace(-0.04, 0.04, frames) * res * t0[2] / f  # metres sideways, ±4 % of the frame
    transl = np.repeat(t0[None], frames, 0)
    transl[:, 0] += drift
    with atomic_path(path) as tmp:
        writer = cv2.VideoWriter(str(tmp), cv2.VideoWriter_fourcc(*"mp4v"), FPS, (res, res))
        if not writer.isOpened():
            raise OSError(f"{path}: OpenCV cannot write an mp4 video here")
        try:
            for i in range(frames):
                r = render_scene(verts[i] + transl[i], joints[i] + transl[i], geom, camera, colors, light, background)
                writer.write(cv2.cvtColor(r.image, cv2.COLOR_RGB2BGR))
        finally:
            writer.release()
    return DemoClip(Path(path), poses, betas, transl, joints + transl[:, None], camera.K, FPS)


def score_joints(pred: np.ndarray, gt: np.ndarray) -> Scores:
    """pred, gt (F, 24, 3) SMPL joints in one frame (metres) → mean MPJPE and PA-MPJPE in mm on the
    14 LSP joints, hip-aligned (:mod:`core.geometry.metrics`)."""
    from core.geometry.metrics import SMPL_TO_LSP14, mpjpe, pa_mpjpe

    if pred.shape != gt.shape or pred.shape[1:] != (NUM_JOINTS, 3):
        raise ValueError(f"joints must both be (F, 24, 3), got {pred.shape} and {gt.shape}")
    p = torch.as_tensor(pred, dtype=torch.float64)[:, list(SMPL_TO_LSP14)]
    g = torch.as_tensor(gt, dtype=torch.float64)[:, list(SMPL_TO_LSP14)]
    return Scores(float(mpjpe(p, g).mean()) * 1000, float(pa_mpjpe(p, g).mean()) * 1000, len(pred))


@torch.no_grad()
def motion_camera_joints(motion, body, cam_R: np.ndarray, cam_t: np.ndarray) -> np.ndarray:
    """A motion file's (Y-up world) joints mapped into the camera frame: (F, 24, 3)."""
    from core.geometry.rotations import axis_angle_to_matrix

    rot = axis_angle_to_matrix(torch.as_tensor(motion.poses, dtype=torch.float32).reshape(-1, NUM_JOINTS, 3))
    betas = torch.as_tensor(motion.betas[:body.num_betas], dtype=torch.float32)[None].expand(len(rot), -1)
    joints = body.joints(rot, betas, torch.as_tensor(motion.trans, dtype=torch.float32)).double().numpy()
    return joints @ np.asarray(cam_R).T + np.asarray(cam_t)


def _overlay_picture(video: Path, frames_dir: Path, picks: list[int], path: Path) -> None:
    """Two rows (input frames above, predicted mesh over them below) of the ``picks`` frames → PNG."""
    from core.inference.sources import open_source
    from hkmr_blender.base.atomic import atomic_path

    inputs = {i: img for i, img in open_source(str(video)).frames() if i in picks}
    top = np.concatenate([inputs[i] for i in picks], 1)
    bottom = np.concatenate([cv2.cvtColor(cv2.imread(str(frames_dir / f"{i:06d}.png")), cv2.COLOR_BGR2RGB)
                             for i in picks], 1)
    ok, buf = cv2.imencode(".png", cv2.cvtColor(np.concatenate([top, bottom], 0), cv2.COLOR_RGB2BGR))
    if not ok:
        raise OSError(f"could not encode {path}")
    with atomic_path(path) as tmp:
        tmp.write_bytes(buf.tobytes())


def export_blender(motion: Path, out: Path) -> list[Path]:
    """The add-on's headless batch exporter in a subprocess (core never imports bpy)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.run([sys.executable, "-m", "hkmr_blender.export.batch", str(motion), "-o", str(out), "--blend"],
                          capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
        hint = " (bpy is not installed: pip install bpy==5.0.1, or run with --no-blender)" \
            if "No module named 'bpy'" in proc.stderr else ""
        raise RuntimeError(f"Blender export of {motion} failed{hint}: " + " | ".join(tail))
    return [out / f"{motion.stem}.fbx", out / f"{motion.stem}.blend"]


def export_stage(motion: Path, out: Path, blender: bool, times: dict[str, float], log) -> list[Path]:
    """The demos' export stage: :func:`export_blender` timed into ``times["export"]`` and logged
    (or skipped, without bpy: ``blender=False``). Returns the files written."""
    if not blender:
        log("  export      skipped (--no-blender)")
        return []
    t = time.perf_counter()
    exported = export_blender(motion, out)
    times["export"] = time.perf_counter() - t
    log(f"  export      {times['export']:6.1f} s  {', '.join(map(str, exported))} (hkmr_blender.export.batch, subprocess)")
    return exported


def _load_model(checkpoint: str | None):
    """The inference model; a missing checkpoint gets an error that says where to get one."""
    from core.inference.loading import DEFAULT_CHECKPOINT, load_inference_model, resolve_checkpoint
    from core.model.checkpoint import CheckpointError

    shipped = DEFAULT_CHECKPOINT.relative_to(REPO_ROOT)
    how = (f"hkmr demo runs the shipped demo checkpoint {shipped} — restore it from the repository "
           f"(`git checkout -- {shipped}`) — or pass --checkpoint FILE (or set $HKMR_CHECKPOINT) with an HKMR "
           f"checkpoint, e.g. one trained by the demo recipe (training/configs/demo.json, then demo_front.json; "
           f"docs/experiments.md)")
    try:
        path = resolve_checkpoint(checkpoint)
    except CheckpointError as exc:
        raise CheckpointError(f"no checkpoint: {how}") from exc
    if not os.path.isfile(path):
        raise CheckpointError(f"checkpoint {path} does not exist; {how}")
    return load_inference_model(path, device="cpu")


def run_demo(out: str | os.PathLike = "hkmr-demo", frames: int = 48, checkpoint: str | None = None, seed: int = 0,
             blender: bool = True, track: bool = False, log=print) -> dict:
    """Run the five stages (module docstring) into ``out``; returns what ``scores.json`` holds."""
    from core.inference.overlay import write_overlay
    from core.inference.runner import InferOptions, run_inference
    from core.inference.sources import open_source
    from core.motion import read_motion
    from hkmr_blender.base.atomic import atomic_write
    from hkmr_blender.base.atomic import atomic_savez

    if frames < 1:
        raise ValueError(f"--frames must be ≥ 1, got {frames}")
    times: dict[str, float] = {}
    t = time.perf_counter()
    loaded = _load_model(checkpoint)  # before anything is written: a bad checkpoint leaves no files
    model, body = loaded.model, loaded.model.body
    times["load"] = time.perf_counter() - t
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    cfg = model.config
    log(f"hkmr demo: {frames} frames {RES}×{RES} at {FPS:g} fps, seed {seed} → {out}/")
    log(f"  checkpoint  {loaded.identity.rsplit(':', 2)[0]} ({loaded.kind}, {cfg.backbone.name}"
        f"{f' width {cfg.backbone.width}' if getattr(cfg.backbone, 'width', None) else ''}, {cfg.img_res} px crops)")

    t = time.perf_counter()
    clip = render_clip(out / "clip.mp4", body, frames, seed)
    times["render"] = time.perf_counter() - t
    atomic_savez(out / "ground_truth.npz", {"poses": clip.poses, "betas": clip.betas, "transl": clip.transl,
                                             "joints": clip.joints, "K": clip.K, "fps": np.float64(clip.fps)})
    log(f"  render      {times['render']:6.1f} s  {clip.video} (+ ground_truth.npz)")

    t = time.perf_counter()
    opts = InferOptions(batch_size=16, device="cpu", track=track, focal_length=float(clip.K[0, 0]))
    res = run_inference(str(clip.video), str(out / "motion.npz"), model, opts, model_id=loaded.identity)
    times["inference"] = time.perf_counter() - t
    log(f"  inference   {times['inference']:6.1f} s  {res.output} ({res.valid_frames}/{res.frames} valid frames, "
        f"{'tracking' if track else 'full-frame'} crops, {res.frames / times['inference']:.1f} frames/s)")

    motion = read_motion(out / "motion.npz")
    valid = np.ones(motion.num_frames, bool) if motion.valid is None else np.asarray(motion.valid, bool)
    t = time.perf_counter()
    picks = sorted({round(x) for x in np.linspace(0, frames - 1, min(4, frames))})
    work = Path(tempfile.mkdtemp(dir=out, prefix=".overlay-"))
    try:
        write_overlay(open_source(str(clip.video)), body, res.world, motion.betas[:body.num_betas], valid,
                      opts.focal_length, str(work / "frames"))
        _overlay_picture(clip.video, work / "frames", picks, out / "overlay.png")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    times["overlay"] = time.perf_counter() - t
    log(f"  overlay     {times['overlay']:6.1f} s  {out / 'overlay.png'} (frames {', '.join(map(str, picks))})")

    pred = motion_camera_joints(motion, body, res.world.cam_R, res.world.cam_t)
    scores = score_joints(pred[valid], clip.joints[valid]) if valid.any() else Scores(np.nan, np.nan, 0)

    exported = export_stage(out / "motion.npz", out, blender, times, log)
    total = sum(times.values())
    met = "met" if scores.mpjpe_mm < GOAL_MPJPE_MM else "NOT met"
    log(f"  total       {total:6.1f} s  (checkpoint load {times['load']:.1f} s)")
    log(f"scores against the clip's ground truth ({scores.frames} frames, 14 LSP joints, hip-aligned):")
    log(f"  MPJPE     {scores.mpjpe_mm:7.1f} mm   (goal < {GOAL_MPJPE_MM:g} mm: {met})")
    log(f"  PA-MPJPE  {scores.pa_mpjpe_mm:7.1f} mm")
    report = {"frames": frames, "seed": seed, "checkpoint": loaded.identity, "track": track, **asdict(scores),
              "goal_mpjpe_mm": GOAL_MPJPE_MM, "seconds": times,
              "files": [str(p) for p in [clip.video, out / "ground_truth.npz", out / "motion.npz",
                                         out / "overlay.png", *exported]]}
    atomic_write(out / "scores.json", lambda fh: fh.write(json.dumps(report, indent=1).encode()))
    return report
