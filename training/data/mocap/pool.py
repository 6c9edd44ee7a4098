"""Real motion for the keypoint model: windows of a converted mocap set as a :class:`MotionPool`.

Clip ``i`` (seed, i): a ``clip_len``-frame window of a "train" clip (chosen in proportion to its windows), turned
by a random yaw about the vertical (±``yaw_max``), seen by a level camera (Y-up world → camera: x right, y down,
z forward; yaw 0 = facing the camera), with the renders' random shape, field of view, size and offset
(:func:`training.data.keypoint_motion.scene_draws`); the root's own motion over the window is kept. With
``contacts`` (thresholds) each window carries its true planted foot points, found on the whole source clip
(:func:`clip_contacts`), so a window's floor is the clip's.
"""
from __future__ import annotations

import numpy as np
import torch

from core.body.landmark_points import landmark_points
from core.fitting.contacts import TRUTH_CONTACTS, ContactConfig, truth_contacts
from core.fitting.terms import FOOT_POINTS
from core.geometry.rotations import axis_angle_to_matrix, matrix_to_axis_angle
from training.data.keypoint_motion import MotionPool, pose_clips, scene_draws
from training.data.synthetic import SynthConfig

from .build import load_clip, load_manifest

__all__ = ["make_mocap_pool", "clip_contacts"]

FLIP = np.diag([1.0, -1.0, -1.0])  # Y-up world → camera (y down, z forward)


@torch.no_grad()
def clip_contacts(body, clip: dict[str, np.ndarray], fps: float, cfg: ContactConfig = TRUTH_CONTACTS,
                  chunk: int = 4096) -> np.ndarray:
    """A converted clip (``poses`` (F,72) Y-up world, ``betas``, ``trans``) → (F,4) bool: its foot points planted
    by ``cfg`` (:func:`core.fitting.contacts.truth_contacts`; the default is the benchmarks' truth)."""
    poses = torch.as_tensor(np.asarray(clip["poses"], np.float64)).reshape(-1, 24, 3)
    betas = torch.as_tensor(np.asarray(clip["betas"], np.float32)).reshape(1, -1)[:, :body.num_betas]
    trans = torch.as_tensor(np.asarray(clip["trans"], np.float32))
    feet = []
    for a in range(0, len(poses), chunk):
        rot = axis_angle_to_matrix(poses[a:a + chunk]).float()
        pts = landmark_points(body, rot, betas.expand(len(rot), -1), trans[a:a + chunk])
        feet.append(pts[:, list(FOOT_POINTS)].double().numpy() @ FLIP.T)
    return truth_contacts(np.concatenate(feet), fps, cfg)


def make_mocap_pool(body, root: str, num: int, seed: int, cfg: SynthConfig, split: str = "train",
                    pitch_max: float = 0.0, exclude=(), contacts: ContactConfig | None = None) -> MotionPool:
    """``pitch_max`` (rad) > 0: the camera also looks up or down by U(±pitch_max) (a turn about its x axis),
    as a camera above or below the person's middle does. ``exclude``: CMU subjects left out of the pool.
    ``contacts``: label every window's planted foot points by these thresholds (:func:`clip_contacts`), or None."""
    manifest = load_manifest(root)
    rows = [c for c in manifest["clips"] if c.get("accepted") and c["split"] == split
            and int(c["subject"]) not in set(exclude)]
    clips = [load_clip(root, r) for r in rows]
    length = cfg.clip_len
    clips = [c for c in clips if len(c["poses"]) >= length]
    if not clips:
        raise ValueError(f"{root}: no {split!r} clip has {length} frames")
    weight = np.array([len(c["poses"]) - length + 1 for c in clips], float)
    poses = np.zeros((num, length, 72))
    shift = np.zeros((num, length, 3))
    fps = float(manifest.get("fps", 30.0))
    labels = None if contacts is None else [clip_contacts(body, c, fps, contacts) for c in clips]
    planted = np.zeros((num, length, 4), bool)
    for i in range(num):
        rng = np.random.default_rng([seed, i, 1])
        k = rng.choice(len(clips), p=weight / weight.sum())
        c = clips[k]
        a = rng.integers(0, len(c["poses"]) - length + 1)
        if labels is not None:
            planted[i] = labels[k][a:a + length]
        psi = rng.uniform(-cfg.yaw_max, cfg.yaw_max)
        ry = np.array([[np.cos(psi), 0, np.sin(psi)], [0, 1, 0], [-np.sin(psi), 0, np.cos(psi)]])
        m = FLIP @ ry
        if pitch_max > 0:
            pt = rng.uniform(-pitch_max, pitch_max)
            m = np.array([[1, 0, 0], [0, np.cos(pt), -np.sin(pt)], [0, np.sin(pt), np.cos(pt)]]) @ m
        p = c["poses"][a:a + length].reshape(length, 24, 3).astype(np.float64)
        root_w = axis_angle_to_matrix(torch.as_tensor(p[:, 0]))
        p[:, 0] = matrix_to_axis_angle(torch.as_tensor(m) @ root_w).numpy()
        poses[i] = p.reshape(length, 72)
        tr = c["trans"][a:a + length].astype(np.float64)
        shift[i] = (tr - tr[0]) @ m.T
    pool = pose_clips(body, poses, scene_draws(body, num, seed, cfg, stream=2), cfg, shift=shift)
    if labels is not None:
        pool.contacts = torch.from_numpy(planted)
    return pool
