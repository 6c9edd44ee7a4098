"""Finger rotations from hand landmarks: an IK fit of the SMPL-H hand skeleton, whole clip at once (torch).

Per hand and frame the unknowns are the hand's orientation in the camera (6D) and 20 joint angles about
anatomical axes built from the rest skeleton (:func:`joint_axes`): flexion towards the palm and abduction in
the palm's plane at the knuckles (MCP), flexion only at PIP and DIP, three axes at the thumb's CMC, two at its
MCP, one at its IP. Every angle is bounded by :data:`LIMITS` through a sigmoid (hard joint limits). The energy
compares **bone directions** (unit vectors of the 20 bones of the 21-point hand, so the hand's size does not
matter) with the hand model's metric world points, plus temporal smoothness of the angles and orientation
between consecutive samples, plus a hand prior — a pull towards the relaxed hand (it also decides frames where
the hand was not seen, which the smoothness bridges), stronger on the thumb, and the DIP/PIP coupling
:data:`DIP_PER_PIP` — plus the image term: the fitted hand in weak perspective against the
detected 2D points (the hand model's depths are its weakest part). The local rotation of a finger joint is
the product of its axis rotations, expressed in the rest frame — exactly SMPL-H's joint-local axis-angle (zero =
the flat hand).
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Callable, Iterator

import numpy as np
import torch

from core.body.hands import HandSkeleton
from core.detect.hand_landmarks import HandLandmarks
from core.fitting.segments import Segment, Stitcher, blend_overlap, segment_after
from core.geometry.rotations import axis_angle_to_matrix, matrix_to_axis_angle, matrix_to_rot6d, rot6d_to_matrix
from hkmr_blender.base.hands import RELAXED_FLEXION, finger_axes
from hkmr_blender.base.skeleton import NUM_HAND_JOINTS

__all__ = ["LIMITS", "NUM_ANGLES", "LOWER", "UPPER", "RELAXED", "DIP_PER_PIP", "LANDMARK_TO_SKELETON", "HAND_BONES",
           "HAND_BLOCK", "HAND_MARGIN", "HandFit", "joint_axes", "fit_hand_blocks", "join_hand_fits",
           "finger_rotations", "hand_points", "fit_hands", "kabsch", "refine_wrists"]

#: Per finger joint (order of HandSkeleton.joints[side, 1:]): (lo, hi) radians of each axis.
#: Finger MCP: flexion, abduction; PIP, DIP: flexion. Thumb CMC: flexion, abduction, twist; MCP: flexion,
#: abduction; IP: flexion.
_FINGER = (((-0.5, 1.6), (-0.4, 0.4)), ((-0.1, 1.9),), ((-0.2, 1.5),))
_THUMB = (((-0.6, 0.9), (-0.8, 0.8), (-0.6, 0.6)), ((-0.3, 1.2), (-0.3, 0.3)), ((-0.4, 1.5),))
LIMITS: tuple[tuple[tuple[float, float], ...], ...] = _FINGER * 4 + _THUMB

#: 21 hand points (core.detect.hand_landmarks order) → ("joint", k) of HandSkeleton.joints[side] or ("tip", f).
LANDMARK_TO_SKELETON: tuple[tuple[str, int], ...] = (
    ("joint", 0), ("joint", 13), ("joint", 14), ("joint", 15), ("tip", 4),
    ("joint", 1), ("joint", 2), ("joint", 3), ("tip", 0), ("joint", 4), ("joint", 5), ("joint", 6), ("tip", 1),
    ("joint", 10), ("joint", 11), ("joint", 12), ("tip", 3), ("joint", 7), ("joint", 8), ("joint", 9), ("tip", 2),
)
#: The 20 bones of the 21-point hand (parent point, child point).
HAND_BONES: tuple[tuple[int, int], ...] = tuple(
    (0 if k == 0 else base + k - 1, base + k) for base in (1, 5, 9, 13, 17) for k in range(4))


#: A clip's hands are fitted :data:`HAND_BLOCK` frames at a time, each block with :data:`HAND_MARGIN` more frames on
#: each side, blended with its neighbour's over the shared frames (:func:`fit_hand_blocks`): memory and each
#: L-BFGS problem bounded at any length. A clip of up to HAND_BLOCK frames is one :func:`fit_hands` call.
HAND_BLOCK = 1024
HAND_MARGIN = 32


@dataclass
class HandFit:
    """hand_pose (F,90) axis-angle, left hand's 15 joints then the right's (SMPL-H order, zero = flat);
    orientation (F,2,3,3) the hand's rest frame → camera axes (x right, y down); points (F,2,21,3) the fitted
    hand's 21 points in camera axes, wrist at 0, scaled to the observed hand; found (F,2) the input's;
    direction_error_deg (F,2) mean angle between fitted and observed bones (NaN where not found); points2d
    (F,2,21,2) the fitted hand in the image (weak perspective, scale and shift fitted to the detected points),
    pixels; reprojection_px (F,2) mean distance of those to the detected points (NaN where not found)."""

    hand_pose: np.ndarray
    orientation: np.ndarray
    points: np.ndarray
    found: np.ndarray
    direction_error_deg: np.ndarray
    points2d: np.ndarray
    reprojection_px: np.ndarray


def _unit(v: torch.Tensor) -> torch.Tensor:
    return v / v.norm(dim=-1, keepdim=True).clamp_min(1e-9)


_SLOTS = [(k, i) for k, lim in enumerate(LIMITS) for i in range(len(lim))]  # (joint, axis) of each angle
NUM_ANGLES = len(_SLOTS)  # 20
LOWER = np.array([LIMITS[k][i][0] for k, i in _SLOTS])
UPPER = np.array([LIMITS[k][i][1] for k, i in _SLOTS])
#: Flexion coupling of the fingers' last two joints, θ_DIP ≈ ⅔ θ_PIP (a standard biomechanical approximation, e.g.
#: Rijpkema & Girard 1991; Lin, Wu & Huang 2000), used as a soft prior by ``fit_hands(coupling=...)``.
DIP_PER_PIP = 2.0 / 3.0
#: (20,) the relaxed hand's angles: every flexion RELAXED_FLEXION, the rest 0.
RELAXED = np.array([RELAXED_FLEXION if i == 0 else 0.0 for _, i in _SLOTS])


def joint_axes(skel: HandSkeleton, side: int) -> np.ndarray:
    """(15,3,3) per finger joint its axes (rows; flexion, abduction, twist) in the rest frame
    (:func:`hkmr_blender.base.hands.finger_axes`); only the first ``len(LIMITS[k])`` are used."""
    return finger_axes(skel.joints[side], skel.tips[side], side)


def finger_rotations(theta: torch.Tensor, axes: np.ndarray) -> torch.Tensor:
    """Angles (...,20) in :data:`LIMITS` order → (...,15,3,3) local rotations (product of the axis rotations,
    flexion first)."""
    k, i = zip(*_SLOTS)
    padded = theta.new_zeros(theta.shape[:-1] + (NUM_HAND_JOINTS, 3))
    padded[..., list(k), list(i)] = theta
    rots = axis_angle_to_matrix(padded[..., None] * torch.as_tensor(axes, dtype=theta.dtype))  # (...,15,3,3,3)
    return rots[..., 0, :, :] @ rots[..., 1, :, :] @ rots[..., 2, :, :]


def hand_points(skel: HandSkeleton, side: int, local: torch.Tensor, orientation: torch.Tensor) -> torch.Tensor:
    """FK: local (...,15,3,3) finger rotations, orientation (...,3,3) → (...,21,3) points, wrist at the origin."""
    rest = torch.as_tensor(skel.joints[side], dtype=local.dtype)
    tips = torch.as_tensor(skel.tips[side], dtype=local.dtype)
    parents = skel.parents
    glob = [orientation]
    pos = [torch.zeros_like(orientation[..., 0])]
    for k in range(1, NUM_HAND_JOINTS + 1):
        p = int(parents[k])
        glob.append(glob[p] @ local[..., k - 1, :, :])
        pos.append(pos[p] + (glob[p] @ (rest[k] - rest[p]))[..., :])
    tip_pos = [pos[3 * f + 3] + glob[3 * f + 3] @ (tips[f] - rest[3 * f + 3]) for f in range(5)]
    out = [pos[i] if kind == "joint" else tip_pos[i] for kind, i in LANDMARK_TO_SKELETON]
    return torch.stack(out, dim=-2)


def kabsch(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """(3,3) rotation R minimising Σ‖R·(src−mean) − s·(dst−mean)‖² over the points (K,3)."""
    a, b = src - src.mean(0), dst - dst.mean(0)
    u, _, vt = np.linalg.svd(b.T @ a)
    d = np.sign(np.linalg.det(u @ vt))
    return u @ np.diag([1.0, 1.0, d]) @ vt


def _weak_perspective(model: torch.Tensor, obs: torch.Tensor) -> torch.Tensor:
    """Per frame the closed-form scale and shift putting model x,y (F,21,2) onto obs (F,21,2); returns it placed."""
    m = model - model.mean(-2, keepdim=True)
    o = obs - obs.mean(-2, keepdim=True)
    s = (m * o).sum((-1, -2)) / (m * m).sum((-1, -2)).clamp_min(1e-12)
    return s[..., None, None] * m + obs.mean(-2, keepdim=True)


def fit_hands(skel: HandSkeleton, hands: HandLandmarks, smooth: float = 10.0, prior: float = 1.0,
              image: float = 12.0, iterations: int = 60, thumb_prior: float = 10.0, coupling: float = 1.0,
              flexion_prior: float = 1.0) -> HandFit:
    """Fit both hands over the clip (see module docstring). ``image`` weighs the 2D term: the fitted hand, seen
    in weak perspective along the camera axes, against the image points (scale-free: in palm lengths), which are
    more reliable than the hand model's depths. ``prior`` weighs the pull to :data:`RELAXED`, times
    ``thumb_prior`` on the thumb's angles and ``flexion_prior`` on the long fingers' flexions; ``coupling`` the
    soft θ_DIP = :data:`DIP_PER_PIP`·θ_PIP; ``smooth`` the frame-to-frame change. The defaults were chosen on
    the tuning renders of ``bench/bench_hands.py --tune`` and the real clip's jitter (docs/hands.md). Frames/sides
    with ``found`` False get the smoothness bridge and the prior only."""
    dtype = torch.float64
    n = hands.num_frames
    obs_all = torch.as_tensor(hands.world, dtype=dtype)
    img_all = torch.as_tensor(hands.points2d, dtype=dtype)
    found_all = torch.as_tensor(hands.found, dtype=dtype)
    bones = torch.tensor(HAND_BONES)
    pose = np.zeros((n, 2, NUM_HAND_JOINTS, 3))
    orient = np.tile(np.eye(3), (n, 2, 1, 1))
    points = np.zeros((n, 2, 21, 3))
    err = np.full((n, 2), np.nan)
    points2d, reproj = np.zeros((n, 2, 21, 2)), np.full((n, 2), np.nan)
    lo, hi = torch.as_tensor(LOWER, dtype=dtype), torch.as_tensor(UPPER, dtype=dtype)
    relaxed = torch.as_tensor(RELAXED, dtype=dtype)
    slot_w = torch.as_tensor([thumb_prior if k >= 12 else flexion_prior if i == 0 else 1.0 for k, i in _SLOTS],
                             dtype=dtype)
    pip = [_SLOTS.index((3 * f + 1, 0)) for f in range(4)]
    dip = [_SLOTS.index((3 * f + 2, 0)) for f in range(4)]
    for side in (0, 1):
        if not hands.found[:, side].any():
            continue
        axes = joint_axes(skel, side)
        obs, w = obs_all[:, side], found_all[:, side]
        obs_dir = _unit(obs[:, bones[:, 1]] - obs[:, bones[:, 0]])
        palm_px = (img_all[:, side, 9] - img_all[:, side, 0]).norm(dim=-1).clamp_min(1.0)
        img = (img_all[:, side] - img_all[:, side, :1]) / palm_px[:, None, None]
        eye = torch.eye(3, dtype=dtype)
        rest_pts = hand_points(skel, side, eye.expand(NUM_HAND_JOINTS, 3, 3), eye).numpy()
        palm = [0, 5, 9, 13, 17]
        init = np.tile(np.eye(3), (n, 1, 1))
        seen = np.nonzero(hands.found[:, side])[0]
        for i in seen:
            init[i] = kabsch(rest_pts[palm], hands.world[i, side][palm].astype(np.float64))
        # frames without a hand start from the nearest seen frame's orientation
        near = seen[np.abs(np.arange(n)[:, None] - seen[None]).argmin(1)]
        init = init[near]
        r6 = matrix_to_rot6d(torch.as_tensor(init, dtype=dtype)).clone().requires_grad_(True)
        u = torch.logit(((relaxed - lo) / (hi - lo)).clamp(0.02, 0.98)).expand(n, NUM_ANGLES).clone()
        u.requires_grad_(True)
        opt = torch.optim.LBFGS([r6, u], lr=1.0, max_iter=iterations, line_search_fn="strong_wolfe")

        def angles():
            return lo + (hi - lo) * torch.sigmoid(u)

        def energy():
            th = angles()
            pts = hand_points(skel, side, finger_rotations(th, axes), rot6d_to_matrix(r6))
            d = _unit(pts[:, bones[:, 1]] - pts[:, bones[:, 0]])
            per_frame = ((d - obs_dir) ** 2).sum(-1).sum(-1)
            if image > 0:
                per_frame = per_frame + image * ((_weak_perspective(pts[..., :2], img) - img) ** 2).sum(-1).sum(-1)
            e = (per_frame * w).sum() / w.sum().clamp_min(1.0) + prior * (slot_w * (th - relaxed) ** 2).sum(-1).mean()
            if coupling > 0:
                e = e + coupling * ((th[:, dip] - DIP_PER_PIP * th[:, pip]) ** 2).sum(-1).mean()
            if n > 1:
                e = e + smooth * ((th[1:] - th[:-1]) ** 2).sum(-1).mean()
                e = e + smooth * ((r6[1:] - r6[:-1]) ** 2).sum(-1).mean()
            return e

        def closure():
            opt.zero_grad()
            e = energy()
            e.backward()
            return e

        opt.step(closure)
        with torch.no_grad():
            local = finger_rotations(angles(), axes)
            rot = rot6d_to_matrix(r6)
            pts = hand_points(skel, side, local, rot)
            d = _unit(pts[:, bones[:, 1]] - pts[:, bones[:, 0]])
            ang = torch.rad2deg(torch.arccos((d * obs_dir).sum(-1).clamp(-1, 1))).mean(-1).numpy()
            obs_len = (obs[:, bones[:, 1]] - obs[:, bones[:, 0]]).norm(dim=-1).sum(-1)
            fit_len = (pts[:, bones[:, 1]] - pts[:, bones[:, 0]]).norm(dim=-1).sum(-1)
            scale = torch.where(w > 0, obs_len / fit_len, torch.ones_like(obs_len))
            pose[:, side] = matrix_to_axis_angle(local).numpy()
            orient[:, side] = rot.numpy()
            points[:, side] = (pts * scale[:, None, None]).numpy()
            err[:, side] = np.where(hands.found[:, side], ang, np.nan)
            placed = _weak_perspective(pts[..., :2], img_all[:, side])
            points2d[:, side] = placed.numpy()
            reproj[:, side] = np.where(hands.found[:, side], (placed - img_all[:, side]).norm(dim=-1).mean(-1).numpy(),
                                       np.nan)
    return HandFit(pose.reshape(n, -1), orient, points, hands.found.copy(), err, points2d, reproj)


def refine_wrists(rotmats: np.ndarray, fit: HandFit, parents, max_change_deg: float = 60.0
                  ) -> tuple[np.ndarray, np.ndarray]:
    """The body's wrist rotations refined by the fitted hands: where a hand was found, the wrist's local rotation
    becomes G_elbow⁻¹ · orientation (the hand's fitted orientation in the same camera frame as the body fit's
    ``rotmats`` (F,24,3,3), joint 0 = orientation in the camera), unless that turns the wrist by more than
    ``max_change_deg`` (a doubtful hand). Returns (new rotmats, (F,2) bool refined)."""
    out = np.array(rotmats, np.float64, copy=True)
    n = len(out)
    glob = np.empty_like(out)
    for j, p in enumerate(parents):
        glob[:, j] = out[:, j] if p < 0 else glob[:, p] @ out[:, j]
    done = np.zeros((n, 2), bool)
    for side, wrist in enumerate((20, 21)):
        elbow = parents[wrist]
        new = np.swapaxes(glob[:, elbow], -1, -2) @ fit.orientation[:, side]
        rel = np.swapaxes(out[:, wrist], -1, -2) @ new
        deg = np.degrees(np.arccos(np.clip((np.trace(rel, axis1=-2, axis2=-1) - 1) / 2, -1, 1)))
        ok = fit.found[:, side] & (deg <= max_change_deg)
        out[ok, wrist] = new[ok]
        done[:, side] = ok
    return out, done


def _fit_rows(fit: HandFit) -> dict[str, np.ndarray]:
    return {f.name: getattr(fit, f.name) for f in fields(HandFit)}


def _blend_hand_rows(left: dict[str, np.ndarray], right: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Two blocks' fits of the same frames → one (:func:`core.fitting.segments.blend_overlap`): the finger rotations
    and the hands' orientations blended on SO(3), the points linearly, flags and errors cut at the middle."""
    def mats(rows):
        return {**rows, "hand_pose": axis_angle_to_matrix(torch.as_tensor(rows["hand_pose"]).reshape(
            len(rows["hand_pose"]), -1, 3)).numpy()}
    out = blend_overlap(mats(left), mats(right), rotations=("hand_pose", "orientation"), linear=("points", "points2d"))
    out["hand_pose"] = matrix_to_axis_angle(torch.as_tensor(out["hand_pose"])).numpy().reshape(len(out["points"]), -1)
    return out


def fit_hand_blocks(skel: HandSkeleton, hands: Callable[[int, int], HandLandmarks], frames: int,
                    block: int = HAND_BLOCK, margin: int = HAND_MARGIN) -> Iterator[tuple[int, HandFit]]:
    """Fit a clip's hands block by block: ``hands(lo, hi)`` gives frames [lo, hi) of the clip's ``frames``; block
    j's frames [a, b) — ``block`` frames, the last one 0.5–1.5× that (:func:`core.fitting.segments.segment_after`) —
    are fitted over [a − margin, b + margin) (:func:`fit_hands`) and blended with block j−1's fit over the 2·margin
    frames they share (:class:`core.fitting.segments.Stitcher`). Yields (first frame, the fit of the frames final
    so far) in order; together they cover [0, frames)."""
    out: list[dict[str, np.ndarray]] = []
    stitcher, done, seg = Stitcher(out.append, _blend_hand_rows), 0, None
    while done < frames:
        a = 0 if seg is None else seg.b
        seg = Segment.make(0 if seg is None else seg.index + 1, a,
                           segment_after(a, block, margin, frames, True, frames)[0], frames, margin)
        stitcher.add(seg, _fit_rows(fit_hands(skel, hands(seg.lo, seg.hi))), last=seg.b == frames)
        for rows in out:
            yield done, HandFit(**rows)
            done += len(rows["found"])
        out.clear()


def join_hand_fits(pieces: list[HandFit]) -> HandFit:
    """Consecutive pieces (:func:`fit_hand_blocks`) → one :class:`HandFit` (a single piece as it is)."""
    if len(pieces) == 1:
        return pieces[0]
    return HandFit(**{f.name: np.concatenate([getattr(p, f.name) for p in pieces]) for f in fields(HandFit)})
