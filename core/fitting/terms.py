"""Energy terms of the clip fit (pure functions, torch, batched over the frames of a window).

Shapes: F frames, L = 33 BlazePose landmarks. Positions in metres in the camera frame (OpenCV: x right,
y down, z forward) unless said otherwise; pixels as in :class:`core.detect.landmarks.Landmarks`.
Each term returns a scalar summed over frames, so that a window's energy is one number for L-BFGS.
"""
from __future__ import annotations

import numpy as np
import torch

from core.body.poses import NEUTRAL_POSE, POSE_LIMITS
from core.detect.landmarks import BLAZEPOSE_NAMES

__all__ = ["HIPS", "SHOULDERS", "TORSO_SEGMENTS", "robust_sq", "landmarks_2d", "landmarks_3d", "segment_directions",
           "joint_limits", "pose_to_neutral",
           "acceleration", "foot_lock", "root_from_torso", "body_axes", "FOOT_POINTS", "FIXED_AXES", "onto_hinges", "hinge_grad"]

_I = {n: i for i, n in enumerate(BLAZEPOSE_NAMES)}
#: BlazePose's two hip landmarks: its world frame is centred between them.
HIPS = (_I["left_hip"], _I["right_hip"])
#: BlazePose's two shoulder landmarks.
SHOULDERS = (_I["left_shoulder"], _I["right_shoulder"])
#: The torso's segments, each from the mean of its first landmarks to the mean of its second: the hip line and the
#: shoulder line (right → left), the spine (hips' centre → shoulders' centre) and the two diagonals (hip → the
#: other side's shoulder). Their directions carry the torso's heading and lean, not its proportions.
TORSO_SEGMENTS = (((HIPS[1],), (HIPS[0],)), ((SHOULDERS[1],), (SHOULDERS[0],)), (HIPS, SHOULDERS),
                  ((HIPS[1],), (SHOULDERS[0],)), ((HIPS[0],), (SHOULDERS[1],)))
#: The four ground-contact points, in contact-flag order: left heel, left toe, right heel, right toe.
FOOT_POINTS = (_I["left_heel"], _I["left_foot_index"], _I["right_heel"], _I["right_foot_index"])


def robust_sq(d2: torch.Tensor, sigma: float) -> torch.Tensor:
    """Geman–McClure on a squared distance: σ²·d²/(d² + σ²) (≈ d² near 0, → σ² for outliers)."""
    return sigma ** 2 * d2 / (d2 + sigma ** 2)


def landmarks_2d(pred_px: torch.Tensor, obs_px: torch.Tensor, weight: torch.Tensor, scale: float,
                 sigma: float) -> torch.Tensor:
    """Robust 2D reprojection: pred/obs (F,L,2) pixels, weight (F,L) (visibility × usable × found),
    distances in units of ``scale`` pixels (the clip's 2D torso length), robust scale ``sigma``."""
    d2 = (pred_px - obs_px).square().sum(-1) / scale ** 2
    return (weight * robust_sq(d2, sigma)).sum()


def landmarks_3d(pred: torch.Tensor, world: torch.Tensor, weight: torch.Tensor, sigma: float,
                 depth_weight: float = 1.0) -> torch.Tensor:
    """Robust 3D landmark term, root translation removed on both sides: pred (F,L,3) camera-frame body
    landmarks, world (F,L,3) BlazePose world landmarks (metres, hip-centred, axes = the camera's), each
    centred at the mean of its own two hip landmarks; weight (F,L); ``depth_weight`` scales the squared difference
    along the camera's z (BlazePose's depth is its least reliable axis)."""
    p = pred - pred[:, list(HIPS)].mean(1, keepdim=True)
    w = world - world[:, list(HIPS)].mean(1, keepdim=True)
    d2 = (p - w).square()
    return (weight * robust_sq(d2[..., 0] + d2[..., 1] + depth_weight * d2[..., 2], sigma)).sum()


def _segment_vectors(points: torch.Tensor, segments) -> torch.Tensor:
    """points (F,L,3), segments ((from landmarks), (to landmarks)) × S → (F,S,3) mean(to) − mean(from)."""
    return torch.stack([points[:, list(b)].mean(1) - points[:, list(a)].mean(1) for a, b in segments], 1)


def segment_directions(pred: torch.Tensor, world: torch.Tensor, weight: torch.Tensor, sigma: float,
                       segments=TORSO_SEGMENTS) -> torch.Tensor:
    """Robust bone-direction term: per segment (:data:`TORSO_SEGMENTS` by default) the body's vector b against
    BlazePose's direction u at the body's own length, ρ(|b|²·‖b/|b| − u‖²) — metres², so comparable with
    :func:`landmarks_3d`, and blind to BlazePose's proportions (its segments' lengths). The gradient only turns b
    (|b| taken as given). pred (F,L,3) camera-frame body landmarks, world (F,L,3) BlazePose
    world landmarks (axes = the camera's); weight (F,L), a segment weighing its landmarks' smallest weight."""
    b = _segment_vectors(pred, segments)
    u = _segment_vectors(world, segments)
    length = b.norm(dim=-1, keepdim=True).clamp_min(1e-6)
    u = u / u.norm(dim=-1, keepdim=True).clamp_min(1e-6)
    d2 = (b / length - u).square().sum(-1) * length[..., 0].detach().square()
    w = torch.stack([weight[:, list(a) + list(c)].min(1).values for a, c in segments], 1)
    return (w * robust_sq(d2, sigma)).sum()


_LIMITS = torch.as_tensor(POSE_LIMITS[1:], dtype=torch.float32)    # (23, 3, 2)
_NEUTRAL = torch.as_tensor(NEUTRAL_POSE[1:], dtype=torch.float32)  # (23, 3)


#: (23, 3) bool: the axis-angle components of joints 1…23 that POSE_LIMITS gives no range (lo = hi): the toes'
#: twist and splay — the toe is a hinge that only bends up and down.
FIXED_AXES = torch.as_tensor(POSE_LIMITS[1:, :, 0] == POSE_LIMITS[1:, :, 1])


def onto_hinges(body_aa: torch.Tensor) -> torch.Tensor:
    """body_aa (F,23,3) with each :data:`FIXED_AXES` component set to its one allowed value (a copy)."""
    return torch.where(FIXED_AXES.to(body_aa.device), _LIMITS[..., 0].to(body_aa), body_aa)


def hinge_grad(grad: torch.Tensor) -> torch.Tensor:
    """Gradient hook for body_aa (F,23,3): zero along :data:`FIXED_AXES`, so an optimiser started on the hinges
    (:func:`onto_hinges`) never leaves them (L-BFGS builds its steps from gradients only)."""
    return grad.masked_fill(FIXED_AXES.to(grad.device), 0.0)


def joint_limits(body_aa: torch.Tensor, margin: float) -> torch.Tensor:
    """Squared hinge beyond :data:`core.body.poses.POSE_LIMITS` widened by ``margin`` rad:
    body_aa (F,23,3) axis-angle of joints 1…23."""
    lim = _LIMITS.to(body_aa)
    lo, hi = lim[..., 0] - margin, lim[..., 1] + margin
    return ((lo - body_aa).clamp_min(0).square() + (body_aa - hi).clamp_min(0).square()).sum()


def pose_to_neutral(body_aa: torch.Tensor) -> torch.Tensor:
    """Σ‖θ − θ_neutral‖² over joints 1…23 (a weak pull where nothing else constrains a joint)."""
    return (body_aa - _NEUTRAL.to(body_aa)).square().sum()


def acceleration(points: torch.Tensor) -> torch.Tensor:
    """Σ‖p[t+1] − 2p[t] + p[t−1]‖² over frames and points: points (F,N,3) → scalar (0 if F < 3)."""
    if len(points) < 3:
        return points.new_zeros(())
    return (points[2:] - 2 * points[1:-1] + points[:-2]).square().sum()


def foot_lock(feet: torch.Tensor, target: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Σ‖p − target‖² over planted foot points: feet/target (F,4,3) camera frame, mask (F,4) 0/1."""
    return (mask * (feet - target).square().sum(-1)).sum()


def root_from_torso(world: np.ndarray) -> np.ndarray:
    """(F,33,3) BlazePose world landmarks → (F,3,3) global orientations that map SMPL's body axes
    (its left +X, up +Y, facing +Z) onto the torso's: left from the right to the left hip and shoulder,
    up from the mid-hip to the mid-shoulder, facing = left × up. Camera frame (the world's axes)."""
    w = np.asarray(world, np.float64)
    left = (w[:, _I["left_hip"]] - w[:, _I["right_hip"]]) + (w[:, _I["left_shoulder"]] - w[:, _I["right_shoulder"]])
    up = w[:, [_I["left_shoulder"], _I["right_shoulder"]]].mean(1) - w[:, list(HIPS)].mean(1)
    return body_axes(left, up, keep="up")


def body_axes(left: np.ndarray, up: np.ndarray, keep: str = "up") -> np.ndarray:
    """(F,3) left and up directions → (F,3,3) rotations whose columns are SMPL's body axes (left +X, up +Y,
    facing +Z = left × up): the ``keep`` one ("up" or "left") as given, the other made orthogonal to it."""
    if keep not in ("up", "left"):
        raise ValueError(f"body_axes: keep must be 'up' or 'left', got {keep!r}")
    up, left = np.asarray(up, np.float64), np.asarray(left, np.float64)
    a, b = (up, left) if keep == "up" else (left, up)                 # a kept, b made orthogonal to it
    a = a / np.maximum(np.linalg.norm(a, axis=-1, keepdims=True), 1e-9)
    b = b - (b * a).sum(-1, keepdims=True) * a
    b = b / np.maximum(np.linalg.norm(b, axis=-1, keepdims=True), 1e-9)
    left, up = (b, a) if keep == "up" else (a, b)
    return np.stack([left, up, np.cross(left, up)], -1)
