"""The root's orientation error, three ways (bench_starts' columns): about the camera's axes, about the fitted
pelvis's own axes, and of the torso's frame from joint positions.

The last exists because the pelvis's pitch is split with the spine: BlazePose has no spine landmark, so a fit can
match the hips and shoulders with the pelvis tilted forward and the spine bent back, or the other way round, and the
truth's own split differs between mocap subjects (docs/experiments.md, issue 20 session 9). The torso frame — x the
hip line (left − right hip joint), y from the pelvis to the neck joint made orthogonal to it — is what the video
shows; the pelvis's rotation is what an engine's root bone gets. Both are reported; neither replaces the other.
"""
from __future__ import annotations

import numpy as np
import torch

from core.fitting.terms import body_axes

__all__ = ["root_bias", "root_body_axes", "torso_frame", "torso_error"]


def root_bias(fit, rot: torch.Tensor) -> dict[str, float]:
    """Mean rotation vector (degrees, camera axes) of truth · fitᵀ for the root over valid frames: x = the body
    leaning towards/away from the camera, y = turned about the image's vertical, z = rolled in the image plane."""
    from core.geometry.rotations import matrix_to_axis_angle
    d = rot[:, 0].double() @ torch.as_tensor(fit.rotmats[:, 0]).double().transpose(-1, -2)
    aa = np.degrees(matrix_to_axis_angle(d).numpy())[fit.valid]
    return {f"root bias {a}": float(v) for a, v in zip("xyz", aa.mean(0))}


def root_body_axes(fit, rot: torch.Tensor) -> dict[str, float]:
    """The root's error about the fitted pelvis's own axes (SMPL frame: x the body's left, y up, z forward): the
    rotation vector of fitᵀ · truth per valid frame, degrees — "pitch" (leaning forward/back about the hip line),
    "twist" (about the body's up) and "side" (bending sideways about its forward axis); mean signed (a bias) and
    mean absolute."""
    from core.geometry.rotations import matrix_to_axis_angle
    d = torch.as_tensor(fit.rotmats[:, 0]).double().transpose(-1, -2) @ rot[:, 0].double()
    aa = np.degrees(matrix_to_axis_angle(d).numpy())[fit.valid]
    out = {}
    for i, name in enumerate(("pitch", "twist", "side")):
        out[f"root {name} bias"] = float(aa[:, i].mean())
        out[f"root {name} |.|"] = float(np.abs(aa[:, i]).mean())
    return out


def torso_frame(joints: np.ndarray) -> np.ndarray:
    """(F,3,3) rotation whose columns are the torso's axes (SMPL frame: x the body's left, y up, z forward) from
    SMPL joints (F,24,3): x along the hip line (joint 1 − joint 2), y from the pelvis (0) to the neck (12) with
    its x component removed, z = x × y (:func:`core.fitting.terms.body_axes`, the hip line kept)."""
    j = np.asarray(joints, np.float64)
    return body_axes(j[:, 1] - j[:, 2], j[:, 12] - j[:, 0], keep="left")


def torso_error(body, fit, rot: torch.Tensor, betas: torch.Tensor) -> dict[str, float]:
    """The torso frame's error (:func:`torso_frame`) per valid frame: "torso deg" the angle of fitᵀ · truth, and its
    pitch about the fitted hip line as a mean signed "torso pitch bias" — what is left of the root's pitch once the
    pelvis/spine split is taken out."""
    from core.geometry.rotations import matrix_to_axis_angle
    n = len(rot)
    with torch.no_grad():
        tj = body.joints(rot, betas.expand(n, -1)).numpy()
        fj = body.joints(torch.as_tensor(fit.rotmats, dtype=torch.float32),
                         torch.as_tensor(fit.betas, dtype=torch.float32).expand(n, -1)).numpy()
    d = np.swapaxes(torso_frame(fj), -1, -2) @ torso_frame(tj)
    aa = np.degrees(matrix_to_axis_angle(torch.as_tensor(d)).numpy())[fit.valid]
    return {"torso deg": float(np.linalg.norm(aa, axis=-1).mean()), "torso pitch bias": float(aa[:, 0].mean())}
