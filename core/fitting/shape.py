"""One body shape β per clip from the detector's 3D bone lengths (medians over visible frames).

BlazePose's metric world landmarks give bone lengths that vary a lot from frame to frame (hip width
175–256 mm, forearm 193–263 mm on one clip, see NOTES), so a single frame is no basis for shape; the
median over every frame where both ends are visible is. Only bones whose ends are (nearly) the same
points on SMPL are used: upper arm, forearm, thigh, shin and the torso (mid-shoulder to mid-hip).
β then minimises the squared relative length errors of the T-posed body plus a small ‖β‖² prior.
"""
from __future__ import annotations

import numpy as np
import torch

from core.body.landmark_offsets import fit_points, load_landmark_offsets
from core.body.model import BodyModel
from core.detect.landmarks import BLAZEPOSE_NAMES, Landmarks

__all__ = ["BONES", "bone_lengths", "median_bone_lengths", "betas_from_bone_lengths", "stature", "betas_for_height"]

_I = {n: i for i, n in enumerate(BLAZEPOSE_NAMES)}
_MID_SHOULDER = (_I["left_shoulder"], _I["right_shoulder"])
_MID_HIP = (_I["left_hip"], _I["right_hip"])
#: (name, (a...), (b...)): a bone from the mean of landmarks a to the mean of landmarks b.
BONES: tuple[tuple[str, tuple[int, ...], tuple[int, ...]], ...] = tuple(
    [(f"{s}_{seg}", (_I[f"{s}_{a}"],), (_I[f"{s}_{b}"],)) for s in ("left", "right")
     for seg, a, b in (("upper_arm", "shoulder", "elbow"), ("forearm", "elbow", "wrist"),
                       ("thigh", "hip", "knee"), ("shin", "knee", "ankle"))]
    + [("torso", _MID_SHOULDER, _MID_HIP)])


def _ends(points, idx):
    return points[..., list(idx), :].mean(-2)


def bone_lengths(points: torch.Tensor | np.ndarray):
    """(..., 33, 3) landmarks → (..., len(BONES)) lengths (same type and units as the input)."""
    cols = [(_ends(points, a) - _ends(points, b)) for _, a, b in BONES]
    if isinstance(points, torch.Tensor):
        return torch.stack([c.norm(dim=-1) for c in cols], -1)
    return np.stack([np.linalg.norm(c, axis=-1) for c in cols], -1)


def median_bone_lengths(lm: Landmarks, min_visibility: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """Median world-landmark bone lengths (len(BONES),) metres over frames where the person was found and
    every end landmark of that bone has visibility ≥ ``min_visibility``; and how many frames each used."""
    lengths = bone_lengths(lm.world.astype(np.float64))                        # (F, NBONE)
    ok = np.stack([np.all(lm.visibility[:, list(a + b)] >= min_visibility, axis=1) for _, a, b in BONES], 1)
    ok &= np.asarray(lm.found, bool)[:, None]
    med = np.array([np.median(lengths[ok[:, k], k]) if ok[:, k].any() else np.nan for k in range(len(BONES))])
    return med, ok.sum(0)


def betas_from_bone_lengths(body: BodyModel, target: np.ndarray, prior_weight: float = 0.02,
                            iterations: int = 50, offsets: bool = False) -> torch.Tensor:
    """β (NB,) whose T-posed landmarks have bone lengths closest (relative squared error) to ``target``
    (len(BONES),) metres; NaN targets are ignored; all NaN → β = 0 (the mean body). ``offsets``: the landmarks
    where BlazePose puts them (:mod:`core.body.landmark_offsets`) instead of at the joints."""
    t = torch.as_tensor(np.asarray(target, np.float64), dtype=torch.float32)
    use = torch.isfinite(t)
    betas = torch.zeros(1, body.num_betas)
    if not bool(use.any()):
        return betas[0]
    eye = torch.eye(3).expand(1, 24, 3, 3)
    off = load_landmark_offsets() if offsets else None
    betas.requires_grad_(True)
    opt = torch.optim.LBFGS([betas], lr=1.0, max_iter=iterations, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad(set_to_none=True)
        model = bone_lengths(fit_points(body, eye, betas, off))[0]
        loss = ((model[use] - t[use]) / t[use]).square().sum() + prior_weight * betas.square().sum() / body.num_betas
        loss.backward()
        return loss

    with torch.enable_grad():
        opt.step(closure)
    return betas.detach()[0]


@torch.no_grad()
def stature(body: BodyModel, betas) -> float:
    """Standing height (m) of the rest body with ``betas`` (NB,): top of the head to the soles (vertex extent
    along SMPL's up, y)."""
    v = body(torch.zeros(1, 24, 3, 3) + torch.eye(3), torch.as_tensor(np.asarray(betas), dtype=torch.float32)[None],
             torch.zeros(1, 3)).vertices[0, :, 1]
    return float(v.max() - v.min())


@torch.no_grad()
def betas_for_height(body: BodyModel, betas, height: float) -> np.ndarray:
    """β (NB,) closest to ``betas`` whose body is ``height`` m tall (:func:`stature`). The person's own height is
    the one metric fact a single camera cannot see: the detector's 3D landmarks come out near one adult size for
    everyone (docs/experiments.md), and the body's size sets the depth and so the whole world's scale. Vertices
    are linear in β, so the stature is too (for the same top and bottom vertices): the smallest change along its
    gradient, twice (the extreme vertices may change)."""
    b = torch.as_tensor(np.asarray(betas, np.float64), dtype=torch.float32).clone()
    eye = torch.zeros(1, 24, 3, 3) + torch.eye(3)
    for _ in range(3):
        v = body(eye, b[None], torch.zeros(1, 3)).vertices[0, :, 1]
        top, bottom = int(v.argmax()), int(v.argmin())
        g = torch.stack([body(eye, torch.eye(body.num_betas)[k][None] + b[None], torch.zeros(1, 3))
                         .vertices[0, [top, bottom], 1] for k in range(body.num_betas)])  # (NB,2) with β_k + 1
        grad = (g[:, 0] - g[:, 1]) - (v[top] - v[bottom])                  # d stature / d β_k
        b = b + grad * (height - float(v[top] - v[bottom])) / float(grad.square().sum())
    return b.double().numpy()
