"""Samples of T-posed adult bodies from anny, in SMPL axes (runs only where ``anny`` is installed).

anny is Z-up, metres, facing −Y, ``.L`` at +X, rest pose an A-pose. SMPL is Y-up, metres,
facing +Z, left at +X: :func:`to_smpl_axes` maps (x, y, z) → (x, z, −y). The A-pose becomes a
T-pose by one *fixed* rotation per upper arm and forearm (computed once on the mean
phenotype), so every posed sample stays exactly linear in anny's blendshape coefficients.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

import anny
from anny.shape_distribution import SimpleShapeDistribution

from hkmr_blender.base.skeleton import NUM_JOINTS

from .mapping import bone_to_joint, joint_sources

__all__ = ["AnnySamples", "load_anny", "sample_adults", "tpose_deltas", "posed_samples", "to_smpl_axes",
           "rotation_between"]

_DT = torch.float64


@dataclass
class AnnySamples:
    """T-posed anny bodies in SMPL axes (metres).

    vertices (N,V,3); joints (N,24,3) SMPL joints; bone_heads (N,B,3) posed anny bone heads;
    faces (F,3) int64; weights (V,24) SMPL skin weights (rows sum to 1); bone_weights (V,B) anny's.
    """

    vertices: np.ndarray
    joints: np.ndarray
    bone_heads: np.ndarray
    faces: np.ndarray
    weights: np.ndarray
    bone_weights: np.ndarray


def load_anny(topology: str = "anny-notongue") -> anny.Anny:
    """anny's full-body model, rig "anny", linear blend skinning, float64."""
    return anny.Anny(rig="anny", topology=topology, skinning_method="lbs")


def sample_adults(model: anny.Anny, n: int, seed: int, age_years: tuple[float, float] = (20.0, 60.0)
                  ) -> dict[str, torch.Tensor]:
    """``n`` phenotypes from anny's WHO-calibrated shape distribution, morphological age uniform in
    ``age_years``, gender uniform in [0, 1]. Deterministic for a seed (torch's CPU generator)."""
    lo, hi = (torch.tensor(a, dtype=_DT) for a in age_years)
    dist = SimpleShapeDistribution(model, morphological_age_distribution=torch.distributions.Uniform(lo, hi))
    torch.manual_seed(seed)
    return dist.sample(n)[1]


def rotation_between(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(3,3) smallest rotation taking direction ``a`` to direction ``b`` (Rodrigues)."""
    a, b = a / np.linalg.norm(a), b / np.linalg.norm(b)
    axis, c = np.cross(a, b), float(a @ b)
    s = np.linalg.norm(axis)
    if s < 1e-12:
        if c > 0:
            return np.eye(3)
        raise ValueError("directions are opposite; rotation axis undefined")
    k = axis / s
    K = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    return np.eye(3) + s * K + (1 - c) * K @ K


def _heads(model: anny.Anny, phenotypes: dict[str, torch.Tensor], deltas: dict[str, torch.Tensor]
           ) -> np.ndarray:
    """(B,3) mean posed bone heads of ``phenotypes`` under ``deltas`` (anny axes)."""
    b = len(next(iter(phenotypes.values())))
    with torch.no_grad():
        out = model(pose_parameters={k: d.expand(b, 4, 4) for k, d in deltas.items()},
                    phenotype_kwargs=phenotypes)
    return out["bone_poses"][..., :3, 3].mean(dim=0).numpy()


def tpose_deltas(model: anny.Anny, phenotypes: dict[str, torch.Tensor], iterations: int = 6
                 ) -> dict[str, torch.Tensor]:
    """"local-ref" pose deltas {bone: (1,4,4)} that lift anny's A-pose arms to a T-pose: on the mean
    posed skeleton of ``phenotypes``, shoulder→elbow and elbow→wrist both lie on ±X (the body's
    side, anny axes).

    Each step left-multiplies the upper-arm delta by the smallest rotation taking its posed
    direction onto ±X, then the forearm's likewise, expressed under the upper arm (so it turns
    about the elbow's own hinge axis and leaves the palm's roll alone).
    anny conjugates local-ref deltas by each body's rest-vs-reference bone orientation, so one
    step is only ~0.3° off per body; a few steps make the mean exact.
    """
    ix = {b: i for i, b in enumerate(model.bone_labels)}
    deltas = {f"{part}01.{s}": torch.eye(4, dtype=_DT)[None].clone()
              for s in "LR" for part in ("upperarm", "lowerarm")}
    for _ in range(iterations):
        for part, nxt in (("upperarm", "lowerarm"), ("lowerarm", "wrist")):
            heads = _heads(model, phenotypes, deltas)
            for s, sign in (("L", 1.0), ("R", -1.0)):
                bone = f"{part}01.{s}"
                end = ix[f"{nxt}01.{s}" if nxt == "lowerarm" else f"wrist.{s}"]
                fix = rotation_between(heads[end] - heads[ix[bone]], np.array([sign, 0.0, 0.0]))
                if part == "lowerarm":  # deltas compose under the parent: express the fix there
                    up = deltas[f"upperarm01.{s}"][0, :3, :3].numpy()
                    fix = up.T @ fix @ up
                deltas[bone][0, :3, :3] = torch.from_numpy(fix) @ deltas[bone][0, :3, :3]
    return deltas


def to_smpl_axes(x: np.ndarray) -> np.ndarray:
    """anny (Z-up, facing −Y) → SMPL (Y-up, facing +Z): (x, y, z) → (x, z, −y); any (...,3)."""
    return np.stack([x[..., 0], x[..., 2], -x[..., 1]], axis=-1)


def posed_samples(model: anny.Anny, phenotypes: dict[str, torch.Tensor],
                  deltas: dict[str, torch.Tensor], batch: int = 50) -> AnnySamples:
    """Pose every phenotype with the same ``deltas``; return vertices/joints in SMPL axes."""
    n = len(next(iter(phenotypes.values())))
    verts, heads = [], []
    with torch.no_grad():
        for start in range(0, n, batch):
            ph = {k: v[start:start + batch] for k, v in phenotypes.items()}
            b = len(next(iter(ph.values())))
            out = model(pose_parameters={k: d.expand(b, 4, 4) for k, d in deltas.items()}, phenotype_kwargs=ph)
            verts.append(out["vertices"].numpy())
            heads.append(out["bone_poses"][..., :3, 3].numpy())
    vertices, bone_heads = to_smpl_axes(np.concatenate(verts)), to_smpl_axes(np.concatenate(heads))
    sources = joint_sources(list(model.bone_labels))
    joints = np.stack([bone_heads[:, src].mean(axis=1) for src in sources], axis=1)
    bone_weights = model.dense_vertex_bone_weights.numpy()
    owner = np.asarray(bone_to_joint(list(model.bone_labels), [int(p) for p in model.bone_parents]))
    weights = np.zeros((bone_weights.shape[0], NUM_JOINTS))
    np.add.at(weights.T, owner, bone_weights.T)
    weights /= weights.sum(axis=1, keepdims=True)
    return AnnySamples(vertices=vertices, joints=joints, bone_heads=bone_heads,
                       faces=model.faces.numpy().astype(np.int64), weights=weights, bone_weights=bone_weights)


def coco_vertex_weights(model: anny.Anny) -> dict[str, np.ndarray]:
    """anny's COCO keypoint regressor as {label: (V,) weights} on this model's vertices (rows sum to 1)."""
    from anny.keypoints import KeypointsRegressor

    reg = KeypointsRegressor.coco(model)
    w = reg.regression_weights.numpy()
    return {label: w[k] / w[k].sum() for k, label in enumerate(reg.labels)}
