"""Detector-on-render pairs: run BlazePose on our synthetic clip renders, where the truth is known.

    python -m training.data.synthetic --out data/kp/test --num 1152 --seed 2 --clip --workers 2
    python -m training.keypoints.detect_renders --renders data/kp/test      # → data/kp/test/detections.npz

For every clip and every occlusion protocol (none, bar, circle, rectangle — the seed's occluders,
:mod:`training.data.occlusion`, covering ``area`` = 20 % of the person's box in the clip's first frame,
drawn at the same place on every frame of the clip: a static object the person moves behind), the frames
go through :func:`core.detect.blazepose.detect_frames` in video (tracking) mode, one tracker per clip. The
npz holds, per protocol P, the detector's ``P/points2d, P/visibility, P/world, P/found`` and ``P/occluded``
(N,33) — landmark truth inside the occluder — and once the truth: ``truth2d`` (N,33,2) px, ``truth_world``
(N,33,3) camera-frame hip-centred metres, ``joints3d`` (N,24,3) camera frame, ``pose`` (N,72), ``betas``,
``yaw``, ``clip_id``, ``frame_id``, ``image_size``.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import cv2
import numpy as np
import torch

from hkmr_blender.base.skeleton import NUM_JOINTS

from core.geometry.rotations import axis_angle_to_matrix
from training.data.keypoint_motion import landmark_truth, yaw_of
from training.data.occlusion import make_occluder, paste_occluder, person_box

__all__ = ["PROTOCOLS", "OCCLUDER_AREA", "truth_landmarks", "detect_renders", "main"]

PROTOCOLS = ("none", "bar", "circle", "rectangle")
OCCLUDER_AREA = 0.2  # the evaluation protocol's area (training/evaluate.py uses the same)


@torch.no_grad()
def truth_landmarks(body, npz) -> tuple[np.ndarray, np.ndarray]:
    """The renders' annotation npz → true landmarks (N,33,2) px and (N,33,3) camera-frame metres."""
    rot = axis_angle_to_matrix(torch.as_tensor(npz["pose"], dtype=torch.float32).reshape(-1, NUM_JOINTS, 3))
    lm = landmark_truth(body, rot, torch.as_tensor(npz["shape"], dtype=torch.float32),
                        torch.as_tensor(npz["transl"], dtype=torch.float32)).double().numpy()
    k = npz["cam_K"]
    uv = np.einsum("nij,nkj->nki", k, lm / lm[..., 2:3])[..., :2]
    return uv, lm


def _clip_occluder(folder: Path, names, kind: str, seed: int, clip: int, res: int):
    mask = cv2.imread(str(folder / names[0]), cv2.IMREAD_GRAYSCALE) > 0
    rng = np.random.default_rng([seed, clip, PROTOCOLS.index(kind)])
    return make_occluder(kind, person_box(res, mask=mask), OCCLUDER_AREA, res, rng)


def detect_renders(folder: str | Path, body, protocols=PROTOCOLS, seed: int = 0, progress=print) -> dict[str, np.ndarray]:
    """Run the detector on every clip of a ``--clip`` render folder under each protocol (module docstring)."""
    from core.detect.blazepose import detect_frames

    folder = Path(folder)
    npz = dict(np.load(folder / "synthetic.npz"))
    uv, lm = truth_landmarks(body, npz)
    res = cv2.imread(str(folder / npz["imgname"][0])).shape[0]
    clips = npz["clip_id"]
    out: dict[str, np.ndarray] = {
        "truth2d": uv.astype(np.float32), "truth_world": (lm - lm[:, 23:25].mean(1, keepdims=True)).astype(np.float32),
        "joints3d": npz["joints3d_smpl"][:, :, :3].astype(np.float32), "pose": npz["pose"].astype(np.float32),
        "betas": npz["shape"].astype(np.float32), "yaw": yaw_of(npz["pose"][:, :3]).astype(np.float32),
        "clip_id": clips, "frame_id": npz["frame_id"], "image_size": np.array([res, res])}
    for p in protocols:
        t0, parts = time.perf_counter(), []
        occ_all = np.zeros(uv.shape[:2], bool)
        for c in np.unique(clips):
            rows = np.flatnonzero(clips == c)
            occ = None if p == "none" else _clip_occluder(folder, npz["maskname"][rows], p, seed, int(c), res)
            frames = []
            for i in rows:
                img = cv2.imread(str(folder / npz["imgname"][i]))[..., ::-1]
                frames.append((int(i), paste_occluder(img, occ) if occ is not None else np.ascontiguousarray(img)))
            parts.append(detect_frames(iter(frames)))
            if occ is not None:
                ij = np.clip(np.round(uv[rows]).astype(int), 0, res - 1)
                occ_all[rows] = occ.mask[ij[..., 1], ij[..., 0]]
        for k in ("points2d", "visibility", "world", "found"):
            out[f"{p}/{k}"] = np.concatenate([getattr(x, k) for x in parts])
        out[f"{p}/occluded"] = occ_all
        if progress:
            progress(f"{p}: {len(uv)} frames in {time.perf_counter() - t0:.0f} s, found "
                     f"{out[f'{p}/found'].mean():.1%}")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m training.keypoints.detect_renders", description=__doc__.split("\n")[0])
    ap.add_argument("--renders", required=True, help="folder written by python -m training.data.synthetic --clip")
    ap.add_argument("--out", help="npz to write (default RENDERS/detections.npz)")
    ap.add_argument("--seed", type=int, default=0, help="occluder placement seed")
    a = ap.parse_args(argv)
    if not (Path(a.renders) / "synthetic.npz").is_file():
        ap.error(f"{a.renders}/synthetic.npz not found: render clips first (python -m training.data.synthetic --clip ...)")
    from core.body.model import load_body_model
    from hkmr_blender.base.atomic import atomic_savez

    arrays = detect_renders(a.renders, load_body_model(), seed=a.seed)
    out = a.out or str(Path(a.renders) / "detections.npz")
    atomic_savez(out, arrays, compressed=True)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
