"""Render real motion seen by a moving camera, with exact truth (issue 22's benchmark footage).

Motion: a CMU clip (/work/shared/data/cmu_131, evaluation only; credit mocap.cs.cmu.edu, NSF EIA-0196217)
retargeted onto the open body (bench/bvh_truth.py), or the procedural walk of tests/blender/gait.py (``--motion
walk``: the motion to tune on). Scene: a textured room (core/render/room.py: floor y = 0, four walls, procedural
textures) ray-cast per pixel, so the background moves with exact parallax; the body is
rasterised by the project's renderer (core/render) over it. Cameras (world Y-up, metres):

- ``static``: fixed, 5 m from the path's middle, 1.5 m high, aimed at the path's middle;
- ``follow``: starts there, trucks along with the person at ``--truck`` × their progress, pans (and tilts)
  to keep the pelvis centred (a lagged aim, as a person filming does), handheld shake (±1°, a few mm) and a
  rolled (tilted) horizon of 3°;
- ``pan``: as ``follow`` but the camera's centre stands still (a tripod head or a person filming on the spot):
  it only turns — the lagged aim, the rotational shake and the rolled horizon, no truck, bob or translational
  shake.

Writes ``VIDEO.mp4`` and ``VIDEO.npz`` (truth: rotmats (F,24,3,3) world Y-up, betas, transl (F,3), cam_R (F,3,3)
world → OpenCV camera, cam_t (F,3), K (3,3), fps).

    nice -n 10 .venv/bin/python bench/render_moving.py --clip 131_03 --camera follow --out /tmp/mc/131_03_follow.mp4
"""
from __future__ import annotations

import argparse
import os
import sys

import cv2
import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from bvh_truth import BVH_TO_SMPL, bvh_positions, read_bvh, retarget  # noqa: E402

from core.body.discovery import OPEN_BODY_PATH  # noqa: E402
from core.body.model import load_body_model  # noqa: E402
from core.geometry.rotations import axis_angle_to_matrix  # noqa: E402
from core.render.appearance import body_colors  # noqa: E402
from core.render.rasterizer import PinholeCamera  # noqa: E402
from core.render.room import room_background, room_textures  # noqa: E402
from core.render.scene import BodyGeometry, render_scene  # noqa: E402
from core.render.shading import Light  # noqa: E402

CMU_UNIT = 0.0254 / 0.45


def cmu_motion(body, path: str, fps: float, frames: int = 0):
    """A CMU BVH clip retargeted onto the open body, its first ``frames`` (0: all) at about ``fps``."""
    b = read_bvh(path)
    step = max(1, int(round(1.0 / (b.frame_time * fps))))
    pos = bvh_positions(b, CMU_UNIT)[::step]
    pos = pos[:frames] if frames else pos
    rot, betas, transl = retarget(body, pos[:, [b.names.index(v) for v in BVH_TO_SMPL.values()]])
    return rot.numpy(), betas.numpy(), transl.numpy(), 1.0 / (b.frame_time * step)


def walk_motion(body, frames: int, fps: float):
    from tests.blender.gait import walk
    rest = body.rest_joints(torch.zeros(1, body.num_betas))[0].numpy()
    m, _ = walk(rest, frames=frames, fps=fps, slip=0.0, turn=0.25, seed=2)
    rot = axis_angle_to_matrix(torch.as_tensor(np.asarray(m.poses).reshape(-1, 24, 3), dtype=torch.float32))
    return rot.numpy(), np.zeros(body.num_betas, np.float32), np.asarray(m.trans, np.float32), fps


def look_at(centre: np.ndarray, target: np.ndarray, roll: float = 0.0) -> np.ndarray:
    """World → OpenCV camera rotation (rows: right, down, forward) looking from centre at target."""
    f = target - centre
    f = f / np.linalg.norm(f)
    r = np.cross(f, [0.0, 1.0, 0.0])
    r /= np.linalg.norm(r)
    d = np.cross(f, r)
    R = np.stack([r, d, f])
    c, s = np.cos(roll), np.sin(roll)
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1.0]]) @ R


def camera_path(pelvis: np.ndarray, fps: float, kind: str, truck: float, seed: int, azimuth: float = 0.0,
                distance: float = 5.0, height: float = 1.5):
    """pelvis (F,3) world → (cam_R (F,3,3), cam_t (F,3)) world → camera. ``azimuth`` (rad) turns the start
    position about the vertical through the path's middle (0: side-on to the person's travel)."""
    n = len(pelvis)
    mid = (pelvis.min(0) + pelvis.max(0)) / 2
    travel = pelvis[-1] - pelvis[0]
    side = np.cross([0.0, 1.0, 0.0], travel if np.linalg.norm(travel[[0, 2]]) > 0.3 else [1.0, 0, 0])
    side = side / np.linalg.norm(side)
    c, s = np.cos(azimuth), np.sin(azimuth)
    side = np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]]) @ side
    c0 = mid + distance * side
    c0[1] = height
    aim = mid.copy()
    if kind == "static":
        R = look_at(c0, aim)
        return np.repeat(R[None], n, 0), np.repeat((-R @ c0)[None], n, 0)
    rng = np.random.default_rng(seed)
    t = np.arange(n) / fps
    lag = max(1, int(0.4 * fps))                                   # the operator reacts ~0.4 s late
    from scipy.ndimage import gaussian_filter1d, uniform_filter1d
    p = gaussian_filter1d(pelvis, 0.3 * fps, axis=0, mode="nearest")
    p_lag = np.concatenate([np.repeat(p[:1], lag, 0), p[:-lag]])
    prog = (p - p[0]) * [1, 0, 1]
    along = prog - side * (prog @ side)[:, None]                   # the person's progress along the path
    shake = lambda a: a * uniform_filter1d(rng.normal(0, 1, n), 5) * 2.2  # noqa: E731
    centre = c0 - along.mean(0) * truck + along * truck + np.stack([shake(0.004), shake(0.004), shake(0.004)], 1)
    centre[:, 1] += 0.02 * np.sin(2 * np.pi * 1.7 * t)             # walking bob of the operator
    if kind == "pan":                                              # turns on the spot: no translation at all
        centre = np.repeat(c0[None], n, 0)
    Rs, ts = [], []
    for k in range(n):
        target = p_lag[k]
        R = look_at(centre[k], target, roll=np.radians(3.0))
        Rs.append(R)
        ts.append(-R @ centre[k])
    Rs = np.array(Rs)
    ang = np.radians(np.stack([shake(1.0), shake(1.0), shake(0.5)], 1))
    for k in range(n):                                              # handheld shake: ±~1° about each axis
        dR = cv2.Rodrigues(ang[k])[0]
        Rs[k] = dR @ Rs[k]
    ts = np.einsum("fij,fj->fi", Rs, -centre)
    return Rs, ts


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--motion", default="cmu", choices=("cmu", "walk", "mocap"))
    ap.add_argument("--mocap-clip", help="--motion mocap: a converted clip (training/data/mocap clips/*.npz; "
                    "subjects held out of every model being scored)")
    ap.add_argument("--azimuth", type=float, default=0.0, help="static/start camera: degrees about the vertical "
                    "from side-on to the travel")
    ap.add_argument("--distance", type=float, default=5.0, help="camera distance from the path's middle (m)")
    ap.add_argument("--height", type=float, default=1.5, help="camera height (m)")
    ap.add_argument("--clip", default="131_03", help="CMU clip name (--motion cmu)")
    ap.add_argument("--data", default="/work/shared/data/cmu_131")
    ap.add_argument("--frames", type=int, default=0, help="first N frames only (0: all)")
    ap.add_argument("--start", type=int, default=0, help="skip the clip's first N frames (a kata that opens "
                    "standing still; another stretch of a CMU clip)")
    ap.add_argument("--camera", default="follow", choices=("static", "follow", "pan"))
    ap.add_argument("--truck", type=float, default=0.5, help="camera travel / person travel (follow)")
    ap.add_argument("--size", default="960x540")
    ap.add_argument("--fov", type=float, default=60.0)
    ap.add_argument("--fps", type=float, default=30.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", required=True)
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    w, h = (int(v) for v in args.size.split("x"))
    body = load_body_model(OPEN_BODY_PATH)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    load = args.start + args.frames if args.frames else 0  # frames read from the source (a CMU clip's are retargeted)
    cache = os.path.splitext(args.out)[0] + f".{args.motion}{args.clip if args.motion == 'cmu' else ''}" + \
        (f"_{load}f" if load and args.motion == "cmu" else "") + ".motion.npz"
    if args.motion == "mocap":
        z = np.load(args.mocap_clip)
        rot = axis_angle_to_matrix(torch.as_tensor(z["poses"]).reshape(-1, 24, 3)).numpy()
        betas, transl, fps = z["betas"], z["trans"], float(z["mocap_framerate"])
    elif os.path.exists(cache):
        z = np.load(cache)
        rot, betas, transl, fps = z["rot"], z["betas"], z["transl"], float(z["fps"])
    else:
        rot, betas, transl, fps = (cmu_motion(body, os.path.join(args.data, f"{args.clip}.bvh"), args.fps, load)
                                   if args.motion == "cmu" else walk_motion(body, load or 240, args.fps))
        np.savez(cache, rot=rot, betas=betas, transl=transl, fps=fps)
    rot, transl = rot[args.start:], transl[args.start:]
    if args.frames:
        rot, transl = rot[:args.frames], transl[:args.frames]
    n = len(rot)
    rt, bt = torch.as_tensor(rot, dtype=torch.float32), torch.as_tensor(betas, dtype=torch.float32)[None].expand(n, -1)
    with torch.no_grad():
        out = body(rt, bt, torch.as_tensor(transl, dtype=torch.float32))
    verts, joints = out.vertices.double().numpy(), out.joints[:, :24].double().numpy()
    ground = float(np.percentile(verts[..., 1].min(1), 5))           # the feet on the floor y = 0
    verts[..., 1] -= ground
    joints[..., 1] -= ground
    transl = transl - np.array([0.0, ground, 0.0], transl.dtype)
    cam_R, cam_t = camera_path(joints[:, 0], fps, args.camera, args.truck, args.seed, np.radians(args.azimuth),
                               args.distance, args.height)
    cam = PinholeCamera.from_fov(args.fov, w, h)
    geom = BodyGeometry.from_model(body)
    rng = np.random.default_rng(args.seed + 7)
    colors = body_colors(rng, geom.vertex_joint, verts[0])
    light = Light(direction=(0.3, 0.6, 0.75), color=(0.75, 0.75, 0.75), ambient=(0.45, 0.45, 0.45))
    tex = room_textures(args.seed)
    centres = np.einsum("fji,fj->fi", cam_R, -cam_t)
    pts = np.concatenate([joints[:, 0], centres])
    box = (pts[:, 0].min() - 4.0, pts[:, 0].max() + 4.0, pts[:, 2].min() - 4.0, pts[:, 2].max() + 4.0)
    vw = cv2.VideoWriter(args.out, cv2.VideoWriter_fourcc(*"mp4v"), fps, (w, h))
    for k in range(n):
        bg = room_background(cam_R[k], cam_t[k], cam.K, w, h, tex, box)
        v = verts[k] @ cam_R[k].T + cam_t[k]
        j = joints[k] @ cam_R[k].T + cam_t[k]
        img = render_scene(v, j, geom, cam, colors, light, bg[..., ::-1].copy()).image
        vw.write(np.ascontiguousarray(img[..., ::-1]))
    vw.release()
    np.savez(os.path.splitext(args.out)[0] + ".npz", rotmats=rot, betas=betas, transl=transl, cam_R=cam_R,
             cam_t=cam_t, K=cam.K, fps=fps)
    print(f"wrote {args.out}: {n} frames {w}×{h} at {fps:g} fps, camera {args.camera}; person travel "
          f"{np.linalg.norm((joints[-1, 0] - joints[0, 0])[[0, 2]]):.2f} m, camera travel "
          f"{np.linalg.norm((-cam_R[-1].T @ cam_t[-1] + cam_R[0].T @ cam_t[0])[[0, 2]]):.2f} m")
    return 0


if __name__ == "__main__":
    sys.exit(main())
