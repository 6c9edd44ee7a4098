"""SMPLify-style fitting of the body to 2D keypoints (Bogo et al. 2016, as SPIN runs it).

Batched and reusable: the training loop runs it SPIN-style (initialised by the regressor, a fit
kept only when better than the stored one — ``training.fit_store``), and inference can
call :func:`fit_smplify` directly on crop keypoints. The temporal clip fit is :mod:`core.fitting.clip`.

Energy per sample, with 2D residuals r_j in pixels of the ``img_res`` crop and perspective
projection (focal ``focal_length`` px, principal point at the crop centre):

    E = Σ_j c_j² · GMoF(r_j; σ)                    robust reprojection (c: visibility)
      + w_pose²  · prior(Θ)                        pose prior (VAE KL; none if no prior)
      + w_shape² · ‖β‖²                            shape prior
      + w_angle² · Σ exp(±θ_k)²                    elbows/knees bending the wrong way
      + w_depth² · (t_z − t_z,init)²               (camera stage only, SPIN)

Stage 1 fits the camera translation and global orientation to the torso joints; stage 2 fits
everything. Optimiser: Adam (SPIN) or L-BFGS. Rotations are optimised as axis-angle.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import torch
from torch import nn

from hkmr_blender.base.skeleton import NUM_JOINTS

from core.geometry.projection import perspective_project, weak_perspective_to_translation
from core.geometry.rotations import axis_angle_to_matrix, matrix_to_axis_angle

__all__ = ["SmplifyConfig", "SmplifyResult", "fit_smplify", "fitting_loss", "reprojection_px", "estimate_translation",
           "gmof", "angle_prior", "TORSO_JOINTS"]

#: SMPL hips and shoulders: the joints the camera stage fits (SPIN uses the same four).
TORSO_JOINTS = (1, 2, 16, 17)
# SMPLify's joint-angle prior: axis-angle components of the elbows (y) and knees (x) in the full
# 72-vector, with the sign that makes the unnatural direction positive.
_ANGLE_IDX = (55, 58, 12, 15)
_ANGLE_SIGN = (1.0, -1.0, -1.0, -1.0)


@dataclass
class SmplifyConfig:
    """SMPLify settings (config section ``smplify``). ``enabled``/``threshold`` concern the
    training loop: a fit supervises a sample without ground-truth SMPL when its mean visible-joint
    reprojection error is below ``threshold`` pixels (SPIN thresholds its pixel² energy at 100;
    ours is the plainer 10 px)."""

    enabled: bool = False
    iterations: int = 100
    camera_iterations: int = 30
    optimizer: Literal["adam", "lbfgs"] = "adam"
    lr: float = 1e-2
    sigma: float = 100.0
    pose_prior_weight: float = 4.78
    shape_prior_weight: float = 5.0
    angle_prior_weight: float = 15.2
    depth_weight: float = 100.0
    threshold: float = 10.0

    def validate(self) -> "SmplifyConfig":
        if self.iterations < 0 or self.camera_iterations < 0 or self.lr <= 0 or self.sigma <= 0:
            raise ValueError(f"smplify: need iterations ≥ 0, camera_iterations ≥ 0, lr > 0, sigma > 0; got {self}")
        return self


@dataclass
class SmplifyResult:
    """rotmats (B,24,3,3) local; betas (B,NB); transl (B,3) camera-frame translation; cam (B,3)
    equivalent weak perspective [s, tx, ty]; joints2d (B,24,2) normalised crop coords;
    loss (B,) final energy; reprojection_px (B,) mean visible-joint 2D error in pixels."""

    rotmats: torch.Tensor
    betas: torch.Tensor
    transl: torch.Tensor
    cam: torch.Tensor
    joints2d: torch.Tensor
    loss: torch.Tensor
    reprojection_px: torch.Tensor


def gmof(x: torch.Tensor, sigma: float) -> torch.Tensor:
    """Geman–McClure robust penalty σ²·x²/(x²+σ²) (element-wise)."""
    sq = x.square()
    return sigma ** 2 * sq / (sq + sigma ** 2)


def angle_prior(pose_aa: torch.Tensor) -> torch.Tensor:
    """(B, 72) axis-angle → (B,) Σ exp(sign·θ)² over elbows and knees (large when bent backward)."""
    sign = pose_aa.new_tensor(_ANGLE_SIGN)
    return torch.exp(pose_aa[:, list(_ANGLE_IDX)] * sign).square().sum(-1)


def estimate_translation(joints: torch.Tensor, keypoints_2d: torch.Tensor, focal_length: float = 5000.0,
                         img_res: int = 224) -> torch.Tensor:
    """Closed-form camera translation putting camera-frame ``joints`` (B,J,3) onto ``keypoints_2d``
    (B,J,3: normalised crop coords + weight): weighted linear least squares of
    f·(X+t_x) = u·(Z+t_z), f·(Y+t_y) = v·(Z+t_z) with f = 2·focal/img_res. → (B, 3)."""
    f = 2.0 * focal_length / img_res
    x, y, z = joints.unbind(-1)
    u, v, w = keypoints_2d.unbind(-1)
    w = w.clamp_min(0).sqrt()
    zero, fv = torch.zeros_like(u), torch.full_like(u, f)
    a = torch.cat([torch.stack([fv, zero, -u], -1), torch.stack([zero, fv, -v], -1)], 1) * torch.cat([w, w], 1)[..., None]
    rhs = torch.cat([u * z - f * x, v * z - f * y], 1) * torch.cat([w, w], 1)
    ata = a.transpose(1, 2) @ a + 1e-6 * torch.eye(3, dtype=a.dtype, device=a.device)
    return torch.linalg.solve(ata, (a.transpose(1, 2) @ rhs[..., None]))[..., 0]


def _energy(body: nn.Module, pose_aa: torch.Tensor, betas: torch.Tensor, transl: torch.Tensor,
            keypoints_2d: torch.Tensor, prior: nn.Module | None, cfg: SmplifyConfig, focal_length: float,
            img_res: int, joints_mask: torch.Tensor | None = None, depth_init: torch.Tensor | None = None
            ) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-sample energy (B,) and projected joints (B,24,2)."""
    b = pose_aa.shape[0]
    rotmats = axis_angle_to_matrix(pose_aa.reshape(b, NUM_JOINTS, 3))
    joints = body.joints(rotmats, betas)
    j2d = perspective_project(joints, transl, focal_length, img_res)
    conf = keypoints_2d[..., 2] if joints_mask is None else keypoints_2d[..., 2] * joints_mask
    res_px = (j2d - keypoints_2d[..., :2]) * (img_res / 2.0)
    e = (conf.square()[..., None] * gmof(res_px, cfg.sigma)).sum((1, 2))
    if joints_mask is None:
        if prior is not None:
            e = e + cfg.pose_prior_weight ** 2 * prior.loss(rotmats, betas)
        e = e + cfg.shape_prior_weight ** 2 * betas.square().sum(-1)
        e = e + cfg.angle_prior_weight ** 2 * angle_prior(pose_aa)
    if depth_init is not None:
        e = e + cfg.depth_weight ** 2 * (transl[:, 2] - depth_init).square()
    return e, j2d


def reprojection_px(joints2d: torch.Tensor, keypoints_2d: torch.Tensor, img_res: int = 224) -> torch.Tensor:
    """Mean 2D distance (pixels of the crop) over visible joints: (B,24,2), (B,24,3) → (B,)."""
    vis = (keypoints_2d[..., 2] > 0).to(joints2d.dtype)
    err = (joints2d - keypoints_2d[..., :2]).norm(dim=-1) * (img_res / 2.0)
    return (err * vis).sum(1) / vis.sum(1).clamp_min(1.0)


def fitting_loss(body: nn.Module, rotmats: torch.Tensor, betas: torch.Tensor, transl: torch.Tensor,
                 keypoints_2d: torch.Tensor, prior: nn.Module | None = None, cfg: SmplifyConfig | None = None,
                 focal_length: float = 5000.0, img_res: int = 224) -> tuple[torch.Tensor, torch.Tensor]:
    """Stage-2 SMPLify energy (B,) and reprojection error in pixels (B,) of given parameters
    (used to compare a stored fit with a new one)."""
    cfg = cfg or SmplifyConfig()
    aa = matrix_to_axis_angle(rotmats.float()).reshape(rotmats.shape[0], 72)
    with torch.no_grad():
        e, j2d = _energy(body, aa, betas.float(), transl.float(), keypoints_2d.float(), prior, cfg,
                         focal_length, img_res)
    return e, reprojection_px(j2d, keypoints_2d.float(), img_res)


def _run(params: list[torch.Tensor], closure_loss, iters: int, cfg: SmplifyConfig) -> None:
    if iters == 0:
        return
    if cfg.optimizer == "lbfgs":
        opt = torch.optim.LBFGS(params, lr=1.0, max_iter=iters, line_search_fn="strong_wolfe")

        def closure():
            opt.zero_grad(set_to_none=True)
            loss = closure_loss().sum()
            loss.backward()
            return loss

        opt.step(closure)
        return
    opt = torch.optim.Adam(params, lr=cfg.lr, betas=(0.9, 0.999))
    for _ in range(iters):
        loss = closure_loss().sum()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()


def fit_smplify(body: nn.Module, init_rotmats: torch.Tensor, init_betas: torch.Tensor, init_cam: torch.Tensor,
                keypoints_2d: torch.Tensor, prior: nn.Module | None = None, cfg: SmplifyConfig | None = None,
                focal_length: float = 5000.0, img_res: int = 224) -> SmplifyResult:
    """Fit SMPL to 2D keypoints, starting from a regressor's estimate.

    init_rotmats (B,24,3,3) camera-frame local rotations; init_betas (B,NB); init_cam (B,3) weak
    perspective [s,tx,ty]; keypoints_2d (B,24,3) normalised crop coords (−1…1) + confidence.
    Runs with gradients enabled even inside ``torch.no_grad()``; inputs are not modified.
    """
    cfg = (cfg or SmplifyConfig()).validate()
    b = init_rotmats.shape[0]
    kp = keypoints_2d.detach().float()
    with torch.enable_grad(), torch.autocast(device_type=kp.device.type, enabled=False):
        aa = matrix_to_axis_angle(init_rotmats.detach().float()).reshape(b, 72)
        orient, body_pose = aa[:, :3].clone().requires_grad_(True), aa[:, 3:].clone().requires_grad_(True)
        betas = init_betas.detach().float().clone().requires_grad_(True)
        t0 = weak_perspective_to_translation(init_cam.detach().float(), focal_length, img_res)
        transl = t0.clone().requires_grad_(True)
        torso = torch.zeros(NUM_JOINTS, device=kp.device)
        torso[list(TORSO_JOINTS)] = 1.0

        def pose() -> torch.Tensor:
            return torch.cat([orient, body_pose], 1)

        _run([transl, orient], lambda: _energy(body, pose(), betas, transl, kp, prior, cfg, focal_length,
                                               img_res, torso, t0[:, 2])[0], cfg.camera_iterations, cfg)
        _run([transl, orient, body_pose, betas], lambda: _energy(body, pose(), betas, transl, kp, prior, cfg,
                                                                 focal_length, img_res)[0], cfg.iterations, cfg)
        with torch.no_grad():
            final_aa = pose()
            energy, j2d = _energy(body, final_aa, betas, transl, kp, prior, cfg, focal_length, img_res)
    err = reprojection_px(j2d, kp, img_res)
    t = transl.detach()
    cam = torch.stack([2.0 * focal_length / (img_res * t[:, 2]), t[:, 0], t[:, 1]], -1)
    return SmplifyResult(axis_angle_to_matrix(final_aa.reshape(b, NUM_JOINTS, 3)).detach(), betas.detach(), t, cam,
                         j2d.detach(), energy.detach(), err)


def refine_for_inference(body: nn.Module, rotmats: torch.Tensor, betas: torch.Tensor, cam: torch.Tensor,
                         keypoints_2d: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """HKMR_MF at inference: the ``hkmr.refiners`` entry point ``smplify`` (pyproject.toml) that
    ``hkmr infer --refine`` loads. Returns refined (rotmats, betas, cam)."""
    fit = fit_smplify(body, rotmats, betas, cam, keypoints_2d)
    return fit.rotmats, fit.betas, fit.cam
