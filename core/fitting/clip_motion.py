"""A fitted clip → the motion file's :class:`Motion` (world frame, foot contacts, validity, confidence).

The fit is in the camera frame; the motion file is in SMPL's Y-up world. The world comes from
:func:`core.inference.world.to_world` with the fit's floor (up = the plane under the planted feet, the floor
at y = 0, the camera assumed static), so a tilted phone still gives an upright, grounded motion.
"""
from __future__ import annotations

import numpy as np
import torch

from core.body.landmark_points import landmark_weights
from core.body.model import BodyModel
from core.detect.landmarks import Landmarks
from core.inference.world import WorldTrajectory, to_world
from core.motion import Motion, motion_from_smpl
from hkmr_blender.base import ViewCamera

from .clip import ClipFit

__all__ = ["landmark_confidence", "motion_from_clip_fit", "motion_of_world", "sample_rate", "view_camera", "world_of_fit"]


def world_of_fit(body: BodyModel, fit: ClipFit, origin: str = "first_frame") -> WorldTrajectory:
    """The fit's world trajectory. Static camera: :func:`to_world` on the camera frame, as ever. Moving camera
    (``fit.camera_path``): the camera-frame root is first carried into the path's reference frame
    (``P_ref = R_tᵀ P_cam + C_t``; SMPL's orientation turns about J0, so ``transl_ref = R_tᵀ (J0 + T) + C_t − J0``),
    the world is built there on the floor of the planted feet, and the per-frame camera becomes
    ``view_R = R_t · cam_R``, ``view_t = R_t (cam_t − C_t)``."""
    path = fit.camera_path
    if path is None:
        return to_world(body, fit.rotmats, fit.betas, fit.transl, fit.valid, origin, floor=fit.floor)
    R, C = np.asarray(path.rotations, np.float64), np.asarray(path.centres, np.float64)
    j0 = body.rest_joints(torch.as_tensor(np.asarray(fit.betas), dtype=torch.float32)[None])[0, 0].double().numpy()
    rot = np.array(fit.rotmats, np.float64)
    rot[:, 0] = np.einsum("fji,fjk->fik", R, rot[:, 0])
    transl = np.einsum("fji,fj->fi", R, np.asarray(fit.transl, np.float64) + j0) + C - j0
    w = to_world(body, rot, fit.betas, transl, fit.valid, origin, floor=fit.floor)
    view_R = np.einsum("fij,jk->fik", R, w.cam_R)
    view_t = np.einsum("fij,fj->fi", R, w.cam_t[None] - C)
    return WorldTrajectory(w.rotmats, w.trans, view_R[0], view_t[0], view_R, view_t)


def landmark_confidence(body: BodyModel, lm: Landmarks) -> np.ndarray:
    """(F,) float32 in [0, 1]: mean visibility of the landmarks this body has; 0 where no person was found."""
    w = landmark_weights(body)
    conf = (np.clip(lm.visibility, 0, 1) * w).sum(1) / max(float(w.sum()), 1.0)
    return np.where(np.asarray(lm.found, bool), conf, 0.0).astype(np.float32)


def motion_from_clip_fit(body: BodyModel, fit: ClipFit, landmarks: Landmarks, *, fps: float | None = None,
                         origin: str = "first_frame", include_mesh: bool = True) -> tuple[Motion, WorldTrajectory]:
    """The validated :class:`Motion` of ``fit`` (Y-up world, ``contacts`` (F,2), ``valid`` = found, confidence
    from visibility, ``frame_index`` from the landmarks) and the world trajectory with the camera pose.
    ``fps``: the samples' rate, default the landmarks' (30 when they have none, e.g. an image folder)."""
    world = world_of_fit(body, fit, origin)
    return motion_of_world(body, world, fit.betas, fit.valid, fit.contacts, fit.camera, landmarks,
                           sample_rate(landmarks, fps), include_mesh), world


def sample_rate(landmarks: Landmarks, fps: float | None = None) -> float:
    """The motion's rate: ``fps``, else the landmarks' (30 when they have none, e.g. an image folder)."""
    return float(fps if fps is not None else landmarks.fps if landmarks.fps > 0 else 30.0)


def motion_of_world(body: BodyModel, world: WorldTrajectory, betas: np.ndarray, valid: np.ndarray,
                    contacts: np.ndarray, camera, landmarks: Landmarks, rate: float,
                    include_mesh: bool = True) -> Motion:
    """The validated :class:`Motion` of n frames: their world trajectory, the clip's ``betas``, the fit's
    ``valid`` / ``contacts`` (n,) / (n,2) and camera, and the same frames' landmarks (frame index, confidence).
    The whole clip's (:func:`motion_from_clip_fit`) or a block of it (:mod:`core.pipeline.motion_blocks`)."""
    return motion_from_smpl(body, torch.as_tensor(world.rotmats), torch.as_tensor(betas),
                            torch.as_tensor(world.trans), rate, frame_index=landmarks.frame_index,
                            confidence=landmark_confidence(body, landmarks), valid=valid,
                            contacts=contacts, include_mesh=include_mesh,
                            view=view_camera(world, camera, landmarks.image_size, len(valid)))


def view_camera(world: WorldTrajectory, camera, image_size: tuple[int, int], frames: int) -> ViewCamera:
    """The motion file's filming camera: the fit's pinhole (:class:`core.fitting.full_camera.FullCamera`) and the
    world → camera pose of every frame (one repeated pose for a static camera)."""
    K = np.array([[camera.focal, 0.0, camera.cx], [0.0, camera.focal, camera.cy], [0.0, 0.0, 1.0]])
    if world.view_R is None:
        R, t = np.repeat(np.asarray(world.cam_R)[None], frames, 0), np.repeat(np.asarray(world.cam_t)[None], frames, 0)
    else:
        R, t = world.view_R, world.view_t
    return ViewCamera(K, np.array(image_size, np.int64), np.asarray(R, np.float64), np.asarray(t, np.float64))
