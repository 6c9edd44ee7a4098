"""Synthetic training data: the body model rendered on the CPU, written in SPIN's npz layout.

    python -m training.data.synthetic --out DIR --num N --seed S [--clip] [--workers 2]

writes ``DIR/images/*.jpg``, ``DIR/masks/*.png`` (0/1), ``DIR/parts/*.png`` (0–6, see
:mod:`core.render.parts`) and ``DIR/synthetic.npz`` with SPIN's fields (``imgname``,
``center``, ``scale`` = box side / 200, ``part`` (24, 3) and ``S`` (24, 4) in SPIN's J24 order,
``pose`` (72), ``shape`` (10), ``has_smpl``, ``maskname``, ``partname``) plus the full SMPL-order
ground truth (``joints2d_smpl`` (24, 3) pixels + visibility, ``joints3d_smpl`` (24, 4) camera
frame metres + 1, ``transl`` (3), ``cam_K`` (3, 3), ``clip_id``, ``frame_id``) — one reader
(:mod:`training.data.dataset`) serves it and the real datasets. Frames: see
:mod:`core.render.scene`. Sample ``i`` depends only on (seed, i) (clips: on (seed, clip)),
so any N, worker count or run order gives the same images.
"""
from __future__ import annotations

import argparse
import os
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import torch

from hkmr_blender.base.skeleton import NUM_JOINTS, NUM_POSE_PARAMS

from core.body.poses import bspline_clip, sample_body_pose, sample_clip_motion, sample_global_orient
from core.geometry.rotations import axis_angle_to_matrix
from core.render import PinholeCamera
from core.render.appearance import body_colors, random_background, random_light
from core.render.scene import BodyGeometry, place_body, render_scene

from .joints import smpl_to_j24

__all__ = ["SynthConfig", "generate", "main"]

NPZ_NAME = "synthetic.npz"


@dataclass
class SynthConfig:
    """Image size ``res``; horizontal field of view in [fov_min, fov_max] degrees; the body's
    larger projected side spans [size_min, size_max] of the image height, its centre up to
    ``offset`` × res from the image centre; betas ~ N(0, betas_std) clipped to ±betas_clip;
    clips of ``clip_len`` frames with a key pose every ``key_every`` frames."""

    res: int = 256
    fov_min: float = 35.0
    fov_max: float = 65.0
    size_min: float = 0.55
    size_max: float = 0.9
    offset: float = 0.1
    betas_std: float = 1.0
    betas_clip: float = 2.5
    max_tilt: float = 0.35
    yaw_max: float = float(np.pi)
    clip_len: int = 48
    key_every: int = 12
    jpeg_quality: int = 92
    feather: int = 1
    batch: int = 16


@dataclass
class _Scene:
    """Everything fixed for one image (or one clip): poses (T, 72), betas, camera, looks."""

    poses: np.ndarray
    betas: np.ndarray
    camera: PinholeCamera
    size: float
    offsets: np.ndarray  # (T, 2) pixels
    colors: np.ndarray
    light: object
    background: np.ndarray
    transl0: np.ndarray | None = None  # body translation of the first frame (set when rendered)


def _scene(rng: np.random.Generator, frames: int, cfg: SynthConfig, geom: BodyGeometry, rest: np.ndarray) -> _Scene:
    if frames == 1:
        poses = sample_body_pose(rng, 1).reshape(1, NUM_POSE_PARAMS)
        poses[:, :3] = sample_global_orient(rng, 1, cfg.max_tilt, cfg.yaw_max)
        offsets = rng.uniform(-cfg.offset, cfg.offset, (1, 2)) * cfg.res
    else:
        poses = sample_clip_motion(rng, frames, cfg.key_every, cfg.max_tilt, cfg.yaw_max)
        nkeys = frames // cfg.key_every + 4
        offsets = bspline_clip(rng.uniform(-cfg.offset, cfg.offset, (nkeys, 2)) * cfg.res, frames)
    betas = np.clip(rng.normal(0, cfg.betas_std, 10), -cfg.betas_clip, cfg.betas_clip)
    camera = PinholeCamera.from_fov(rng.uniform(cfg.fov_min, cfg.fov_max), cfg.res, cfg.res)
    return _Scene(poses=poses, betas=betas, camera=camera, size=rng.uniform(cfg.size_min, cfg.size_max),
                  offsets=offsets, colors=body_colors(rng, geom.vertex_joint, rest), light=random_light(rng),
                  background=random_background(rng, cfg.res, cfg.res))


def _write_image(path: Path, img: np.ndarray, quality: int = 92) -> None:
    """Encode and write atomically (temporary name in the same folder, then os.replace)."""
    ext = path.suffix.lower()
    params = [cv2.IMWRITE_JPEG_QUALITY, quality] if ext in (".jpg", ".jpeg") else []
    ok, buf = cv2.imencode(ext, img, params)
    if not ok:
        raise OSError(f"could not encode {path}")
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(buf.tobytes())
    os.replace(tmp, path)


def _frames(num: int, seed: int, clip: bool, cfg: SynthConfig):
    """Yield (frame index, scene key, frame within scene, scene length) for frames 0..num-1."""
    for i in range(num):
        if clip:
            c, t = divmod(i, cfg.clip_len)
            yield i, c, t, min(cfg.clip_len, num - c * cfg.clip_len)
        else:
            yield i, i, 0, 1


def _render_range(args: tuple) -> list[dict]:
    """Render frames [start, end) into ``out``; returns their annotation records."""
    out, start, end, num, seed, clip, cfg, body_path = args
    from core.body.model import load_body_model

    model = load_body_model(body_path)
    geom = BodyGeometry.from_model(model)
    rest = model.shaped_vertices(torch.zeros(1, model.num_betas))[0].numpy()
    scenes: dict[int, _Scene] = {}
    todo = [f for f in _frames(num, seed, clip, cfg) if start <= f[0] < end]
    records = []
    for b in range(0, len(todo), cfg.batch):
        chunk = todo[b:b + cfg.batch]
        scenes = {k: v for k, v in scenes.items() if k >= chunk[0][1]}  # drop finished scenes
        for _, key, _, length in chunk:
            if key not in scenes:
                scenes[key] = _scene(np.random.default_rng([seed, key, int(clip)]), length, cfg, geom, rest)
        poses = np.stack([scenes[k].poses[t] for _, k, t, _ in chunk])
        betas = np.stack([scenes[k].betas for _, k, _, _ in chunk])
        with torch.no_grad():
            rot = axis_angle_to_matrix(torch.as_tensor(poses, dtype=torch.float32).reshape(-1, NUM_JOINTS, 3))
            res = model(rot, torch.as_tensor(betas, dtype=torch.float32))
        verts, joints = res.vertices.numpy().astype(np.float64), res.joints.numpy().astype(np.float64)
        for n, (i, key, t, _) in enumerate(chunk):
            sc = scenes[key]
            if t == 0 or not clip:  # a clip keeps the depth of its first frame
                sc.transl0 = place_body(verts[n], sc.camera, sc.size, sc.offsets[0])
            transl = sc.transl0.copy()
            transl[:2] += (sc.offsets[t] - sc.offsets[0]) * transl[2] / sc.camera.fx
            v, j = verts[n] + transl, joints[n] + transl
            r = render_scene(v, j, geom, sc.camera, sc.colors, sc.light, sc.background, cfg.feather)
            names = (f"images/{i:07d}.jpg", f"masks/{i:07d}.png", f"parts/{i:07d}.png")
            _write_image(out / names[0], r.image[..., ::-1], cfg.jpeg_quality)
            _write_image(out / names[1], r.mask)
            _write_image(out / names[2], r.parts)
            side = float((r.bbox[2:] - r.bbox[:2]).max())
            j3 = np.concatenate([j, np.ones((NUM_JOINTS, 1))], 1)
            records.append(dict(
                imgname=names[0], maskname=names[1], partname=names[2], center=(r.bbox[:2] + r.bbox[2:]) / 2,
                scale=1.2 * side / 200.0, part=smpl_to_j24(r.joints2d), S=smpl_to_j24(j3), pose=poses[n],
                shape=betas[n], has_smpl=1.0, joints2d_smpl=r.joints2d, joints3d_smpl=j3, transl=transl,
                cam_K=sc.camera.K, clip_id=key if clip else -1, frame_id=t))
    return records


def generate(out: str | os.PathLike, num: int, seed: int = 0, clip: bool = False, cfg: SynthConfig | None = None,
             body_path: str | None = None, workers: int = 1, progress: bool = False) -> Path:
    """Render ``num`` frames into ``out`` (module docstring). Returns the npz path."""
    from hkmr_blender.base.atomic import atomic_savez

    cfg = cfg or SynthConfig()
    if num < 1:
        raise ValueError(f"--num must be ≥ 1, got {num}")
    out = Path(out)
    for sub in ("images", "masks", "parts"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    step = cfg.clip_len if clip else cfg.batch
    bounds = list(range(0, num, max(step, -(-num // max(workers, 1) // step) * step))) + [num]
    jobs = [(out, s, e, num, seed, clip, cfg, body_path) for s, e in zip(bounds[:-1], bounds[1:])]
    if workers > 1:
        import multiprocessing as mp

        with mp.get_context("fork").Pool(workers, initializer=torch.set_num_threads, initargs=(1,)) as pool:
            parts = pool.map(_render_range, jobs)
    else:
        parts = [_render_range(j) for j in jobs]
    recs = [r for p in parts for r in p]
    arrays = {k: np.stack([np.asarray(r[k]) for r in recs]) for k in recs[0]}
    arrays["has_smpl"] = arrays["has_smpl"].astype(np.float64)
    path = out / NPZ_NAME
    atomic_savez(path, arrays, compressed=False)
    return path


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m training.data.synthetic", description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True, help="output folder")
    ap.add_argument("--num", type=int, required=True, help="number of images (frames)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--clip", action="store_true", help="smooth motion clips instead of independent poses")
    ap.add_argument("--clip-len", type=int, default=SynthConfig.clip_len)
    ap.add_argument("--res", type=int, default=SynthConfig.res, help="image size in pixels (square)")
    ap.add_argument("--yaw-max", type=float, default=180.0, metavar="DEG",
                    help="people face the camera within ±DEG degrees of yaw (default 180: every direction)")
    ap.add_argument("--body", default=None, help="SMPL-format body model file (default: discovered/open body)")
    ap.add_argument("--workers", type=int, default=1, help="processes (each renders a share of the frames)")
    a = ap.parse_args(argv)
    if not 0 <= a.yaw_max <= 180:
        ap.error(f"--yaw-max must be in [0, 180] degrees, got {a.yaw_max:g}")
    cfg = SynthConfig(res=a.res, clip_len=a.clip_len, yaw_max=float(np.radians(a.yaw_max)))
    t0 = time.perf_counter()
    path = generate(a.out, a.num, a.seed, a.clip, cfg, a.body, a.workers)
    dt = time.perf_counter() - t0
    print(f"wrote {a.num} images and {path} in {dt:.1f} s ({a.num / dt:.1f} images/s, {a.workers} worker(s))")


if __name__ == "__main__":
    main()
