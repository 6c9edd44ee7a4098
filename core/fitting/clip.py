"""HKMR_MF on a clip: fit the body to a detector's landmarks over time (one shape, per-frame pose and root).

Input: :class:`core.detect.landmarks.Landmarks` (2D pixels + visibility, BlazePose world landmarks),
optionally a network's per-frame rotations / shape as the start, and the full-image camera
(:class:`core.fitting.full_camera.FullCamera`; default: frame diagonal focal, centred). Output:
:class:`ClipFit` — camera-frame rotations and translation (OpenCV: x right, y down, z forward), one β.

Per window of frames (``cfg.window``, overlapping by ``cfg.overlap``, blended linearly) the energy

    E = w2d·Σ v·ρ(‖π(P + t) − x‖² / s²)           2D landmarks, full-image camera, s = clip's 2D torso length
                                                   (P: joints, or where BlazePose puts them, cfg.landmark_offsets)
      + w3d·Σ v·ρ(‖(P − P_hip) − (W − W_hip)‖²)    3D world landmarks (facing bias undone, :mod:`.facing`),
                                                   root translation removed on both sides (hips, shoulders × w3d_torso)
      + w_torso_dir·Σ v·ρ(|b|²‖b̂ − û‖²)             the torso's segment directions b against the same landmarks' û (σ_dir)
      + w_lim·limits(θ) + w_neu·‖θ − θ₀‖² (+ w_vae·Σ cap(KL(θ)))    pose prior (VAE: :mod:`.prior_terms`)
      + w_acc·Σ‖ä‖²  (landmarks + t, 30-fps units)  temporal smoothness
      + w_motion·Σ xᵀPx  (windows of ä, learned)   motion prior (:mod:`.prior_terms`)
      + w_lock·Σ‖foot − anchor‖²                   planted feet (the lock passes only)

is minimised by L-BFGS over θ (axis-angle, joints 1…23), the root orientation (6D) and t (metres) with
β fixed (``cfg.hinges``: the toes are hinges, their twist and splay, :data:`.terms.FIXED_AXES`, stay 0). β comes first, once per clip: medians of the world landmarks' bone lengths
(:mod:`core.fitting.shape`). Frames with ``found=False`` carry no data term: their parameters are
interpolated by the smoothness term where both sides have data (else held), and they always come out
``valid=False``. Contacts (:mod:`core.fitting.contacts`) are detected after a first pass; then ``cfg.lock_rounds``
passes lock each planted heel/toe to one point over its contact span, and the root follows. The anchors are free
points of the lock energy, solved by block coordinate descent: the first round puts each at its span's mean of the
first pass's feet, every later round at the mean of the previous round's. The result is filtered
over time once more (``cfg.output_smoothing``, the start's filter).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable

import numpy as np
import roma
import torch

from core.body.landmark_offsets import OFFSET_MODES, LandmarkOffsets, with_offsets
from core.body.landmark_points import landmark_points
from core.body.model import BodyModel
from core.body.poses import NEUTRAL_POSE
from core.detect.landmarks import WORLD_FROM, Landmarks
from core.geometry.rotations import axis_angle_to_matrix, matrix_to_axis_angle, matrix_to_rot6d, rot6d_to_matrix

from . import contacts as ct
from . import terms
from .clip_data import ClipData, clip_data, fill_missing, window
from .facing import FACING_DEG, unbias_facing
from .full_camera import FullCamera
from .lock import anchors, root_follows
from .metrics import reprojection_error
from .prior_terms import PriorOptions, motion_prior_energy, pose_prior_energy, pose_prior_of
from .shape import betas_from_bone_lengths, median_bone_lengths
from .windows import FitState as _State, WindowStore, blockwise, inputs_digest, run_windows, smooth_state

__all__ = ["ClipFitConfig", "ClipFit", "fit_clip"]

#: ClipFitConfig.contact_source's values
CONTACT_SOURCES = ("feet", "image", "either")


@dataclass(frozen=True)
class ClipFitConfig(PriorOptions):
    """Weights and schedule of the clip fit (see the module docstring for the energy); the learned priors'
    options (w_vae, pose_prior, vae_cap, w_motion, motion_prior) from :class:`.prior_terms.PriorOptions`."""

    window: int = 96
    overlap: int = 16
    start_iterations: int = 30  # the neutral start's per-frame fit to the 3D landmarks
    network_start_iterations: int = 30  # the same from a network's rotations (init_rotmats); 10: more of its pose kept
    start_smoothing: float = 3.0  # Gaussian σ of the start's temporal filter, frames at 30 fps
    output_smoothing: float = 1.0  # Gaussian σ of the same filter on the result, frames at 30 fps (0: none)
    iterations: int = 80
    lock_iterations: int = 20
    # lock passes; before every pass after the first, each anchor moves to its span's mean of the last pass's feet (3, not
    # 1: skate in true contacts −14 %, every other error lower, on 32 held-out renders; docs/experiments.md, issue 20 s13)
    lock_rounds: int = 3
    lock_feet: bool = True
    w2d: float = 5.0
    sigma2d: float = 0.5
    w3d: float = 1.0
    sigma3d: float = 0.5
    # × the 3D term's squared difference along the camera's z (BlazePose's worst axis; 0.5 chosen on the choosing
    # renders, made the default on the eval2 renders by a rule fixed beforehand: docs/experiments.md, issue 20 s9)
    w3d_depth: float = 0.5
    w_limits: float = 1.0
    limit_margin: float = 0.2
    hinges: bool = False  # True: terms.FIXED_AXES (the toes' twist and splay) stay 0 (False: limited with the margin)
    w_neutral: float = 1e-3
    w_accel: float = 0.003
    w_lock: float = 1000.0
    visibility_power: float = 1.0  # a landmark of visibility v weighs v ** power (0: visibility ignored)
    w_torso_dir: float = 3.0  # the torso's segment directions against the 3D landmarks' (terms.segment_directions; 0: off)
    sigma_dir: float = 0.1  # its robust scale, m (a torso segment BlazePose turned far off is let go)
    w3d_torso: float = 0.0  # the 3D landmark term's weight on the hips and shoulders, × w3d (0: their directions only)
    facing_deg: float = FACING_DEG  # the 3D landmarks turned away from the camera by this · sin(facing) (.facing; 0: off)
    lock_ease: float = 0.1  # s over which the lock lets a foot go before/after a contact span
    landmark_offsets: str = "none"  # BlazePose's limb landmarks where it puts them: "2d" / "all" terms (OFFSET_MODES)
    contact: ct.ContactConfig = ct.ContactConfig()
    # where a static camera's contacts come from (CONTACT_SOURCES): "feet" the fitted feet, low and slow; "image" still
    # in the image (the classifier core.model.contact_net) and low in the fit; "either" the fitted feet's, and also
    # points still in the image whose fitted motion is slow across the viewing ray (docs/experiments.md, issue 20
    # session 12: neither beat "feet" on the choosing renders)
    contact_source: str = "feet"
    contact_threshold: float = 0.5  # the classifier's probability from which a point counts as still

    @property
    def passes(self) -> int:
        """How many passes over the clip a fit makes when feet are planted: the start, the fit, the lock rounds."""
        return 2 + (self.lock_rounds if self.lock_feet and self.lock_iterations else 0)

    def validate(self) -> "ClipFitConfig":
        if self.window < 3 or not 0 <= self.overlap < self.window:
            raise ValueError(f"clip fit: need window ≥ 3 and 0 ≤ overlap < window, got {self.window}/{self.overlap}")
        if self.iterations < 0 or self.lock_iterations < 0:
            raise ValueError("clip fit: iterations must be ≥ 0")
        if self.lock_rounds < 1:
            raise ValueError(f"clip fit: lock_rounds must be ≥ 1, got {self.lock_rounds}")
        if self.contact_source not in CONTACT_SOURCES:
            raise ValueError(f"clip fit: contact_source must be one of {CONTACT_SOURCES}, got {self.contact_source!r}")
        if self.landmark_offsets not in OFFSET_MODES:
            raise ValueError(f"clip fit: landmark_offsets must be one of {OFFSET_MODES}, got {self.landmark_offsets!r}")
        if min(self.visibility_power, self.w_torso_dir, self.w3d_torso, self.w3d_depth) < 0 or self.sigma_dir <= 0:
            raise ValueError("clip fit: need visibility_power, w_torso_dir, w3d_torso, w3d_depth ≥ 0 and sigma_dir > 0, "
                             f"got {self.visibility_power}, {self.w_torso_dir}, {self.w3d_torso}, {self.w3d_depth}, "
                             f"{self.sigma_dir}")
        return self


@dataclass
class ClipFit:
    """Result for F frames (numpy). rotmats (F,24,3,3) float32 (the fit's own precision) joint-local, joint 0 =
    orientation in the camera frame; betas (NB,); transl (F,3) metres, camera frame: camera-frame points =
    body(rotmats, betas) + transl (the ``cam_t`` of :func:`core.inference.world.to_world`); reprojection_px (F,) mean 2D error over
    landmarks with visibility ≥ 0.5, and reprojection (F,) the same as a fraction of the clip's 2D torso
    length (NaN where not found); contacts (F,2) bool planted [left, right] foot; point_contacts (F,4)
    [left heel, left toe, right heel, right toe]; valid (F,) bool = the person was found; floor (camera
    frame); camera used; torso_px the clip's median 2D torso length."""

    rotmats: np.ndarray
    betas: np.ndarray
    transl: np.ndarray
    reprojection_px: np.ndarray
    reprojection: np.ndarray
    contacts: np.ndarray
    point_contacts: np.ndarray
    valid: np.ndarray
    floor: ct.Floor
    camera: FullCamera
    torso_px: float
    camera_path: object = None


def _initial_state(body: BodyModel, lm: Landmarks, betas: torch.Tensor, cam: FullCamera,
                   init_rotmats: np.ndarray | None, data: ClipData, cfg: ClipFitConfig, prior,
                   tick: Callable[[int], None] | None = None, store: WindowStore | None = None) -> _State:
    """Start: the network's rotations or a neutral pose turned like the torso, fitted to the 3D world
    landmarks frame by frame (``cfg.network_start_iterations`` / ``cfg.start_iterations``), then the closed-form translation onto the 2D landmarks;
    all filtered over time. Frames without a person: interpolated between found ones."""
    found = np.asarray(lm.found, bool)
    n = len(found)
    if init_rotmats is not None:
        rot = np.asarray(init_rotmats)
        if rot.shape != (n, 24, 3, 3):
            raise ValueError(f"init_rotmats must be (F, 24, 3, 3) = ({n}, 24, 3, 3), got {rot.shape}")
        body_aa = blockwise(lambda a, b: matrix_to_axis_angle(torch.as_tensor(rot[a:b, 1:], dtype=torch.float64)),
                            n).numpy()
        root = rot[:, 0].astype(np.float64)
    else:
        body_aa = np.broadcast_to(NEUTRAL_POSE[1:], (n, 23, 3)).copy()
        root = np.zeros((n, 3, 3))
        root[found] = terms.root_from_torso(lm.world[found])
    root_t = roma.special_procrustes(torch.as_tensor(fill_missing(root, found), dtype=torch.float32))
    body_t = torch.as_tensor(fill_missing(body_aa, found), dtype=torch.float32)
    s = _State(terms.onto_hinges(body_t) if cfg.hinges else body_t, matrix_to_rot6d(root_t), torch.zeros(n, 3))
    iterations = cfg.start_iterations if init_rotmats is None else cfg.network_start_iterations
    s = _pass(body, s, betas, data, cam, cfg, prior, None, iterations, pose_only=True, tick=tick, store=store, pass_id=0)
    with torch.no_grad():
        pts = _points(body, s, betas, with_transl=False, offsets=data.offsets)
        t = blockwise(lambda a, b: cam.translation_for(pts[a:b].double(), data.px[a:b].double(),
                                                       data.w2[a:b].double()).float(), n).numpy()
    t = fill_missing(t, found)
    if n < 5:
        return _State(s.body_aa, s.root6d, torch.as_tensor(t, dtype=torch.float32))
    # per-frame estimates jitter (depth from 2D most): a robust temporal filter gives the smoothness term a
    # start near its minimum, which L-BFGS needs (its second differences are badly conditioned)
    return smooth_state(_State(s.body_aa, s.root6d, torch.as_tensor(t, dtype=torch.float32)),
                   cfg.start_smoothing * (lm.fps if lm.fps > 0 else 30.0) / 30.0, data.rot, median=9)


def _energy(body: BodyModel, s: _State, betas: torch.Tensor, d: ClipData, cam: FullCamera, cfg: ClipFitConfig,
            prior, lock: tuple[torch.Tensor, torch.Tensor] | None, pose_only: bool = False) -> torch.Tensor:
    """The window's energy; ``pose_only``: the 3D term and the pose prior only (the per-frame start)."""
    n = len(s.transl)
    rotmats = torch.cat([rot6d_to_matrix(s.root6d)[:, None], axis_angle_to_matrix(s.body_aa)], 1)
    pts = landmark_points(body, rotmats, betas.expand(n, -1))               # (F,33,3) before translation
    placed = with_offsets(body, pts, rotmats, betas.expand(n, -1), d.offsets)  # where BlazePose puts them
    p3 = placed if d.offsets3d else pts
    e = cfg.w3d * terms.landmarks_3d(p3, d.world, d.w3, cfg.sigma3d, cfg.w3d_depth)
    if cfg.w_torso_dir > 0:  # weighed by the landmarks' own weights (d.w2), not the 3D term's torso scaling
        e = e + cfg.w_torso_dir * terms.segment_directions(p3, d.world, d.w2, cfg.sigma_dir)
    e = e + cfg.w_limits * terms.joint_limits(s.body_aa, cfg.limit_margin)
    e = e + cfg.w_neutral * terms.pose_to_neutral(s.body_aa)
    if prior is not None:
        e = e + pose_prior_energy(cfg, prior, rotmats)
    if pose_only:
        return e
    cam_pts = pts + s.transl[:, None]
    # smooth in the world, not in the camera: a turning (shaking) camera moves people in its frame
    smooth_pts = cam_pts if d.rot is None else torch.einsum("fji,fnj->fni", d.rot, cam_pts)
    e = e + cfg.w_accel * d.time_scale ** 2 * terms.acceleration(smooth_pts) * 1e4  # (cm/frame²)² at 30 fps
    if cfg.w_motion > 0:  # same points and time scaling as the smoothness term
        e = e + motion_prior_energy(cfg, smooth_pts, d.time_scale)
    px = cam.project(cam_pts if d.offsets is None else placed + s.transl[:, None])
    e = e + cfg.w2d * terms.landmarks_2d(px, d.px, d.w2, d.scale, cfg.sigma2d)
    if lock is not None:
        e = e + cfg.w_lock * terms.foot_lock(cam_pts[:, list(terms.FOOT_POINTS)], lock[0], lock[1])
    return e


def _optimise(body, s: _State, betas, d: ClipData, cam, cfg, prior, lock, iterations: int,
              pose_only: bool = False) -> _State:
    if iterations == 0:
        return s
    params = [s.body_aa.clone().requires_grad_(True), s.root6d.clone().requires_grad_(True),
              s.transl.clone().requires_grad_(not pose_only)]
    if cfg.hinges:
        params[0].register_hook(terms.hinge_grad)
    opt = torch.optim.LBFGS([p for p in params if p.requires_grad], lr=1.0, max_iter=iterations, line_search_fn="strong_wolfe",
                            history_size=20, tolerance_change=1e-7)

    def closure():
        opt.zero_grad(set_to_none=True)
        e = _energy(body, _State(*params), betas, d, cam, cfg, prior, lock, pose_only)
        e.backward()
        return e

    with torch.enable_grad(), torch.autocast(device_type="cpu", enabled=False):
        opt.step(closure)
    return _State(*(p.detach() for p in params))


def _pass(body, s: _State, betas, d: ClipData, cam, cfg: ClipFitConfig, prior, lock, iterations: int,
          pose_only: bool = False, tick: Callable[[int], None] | None = None, store: WindowStore | None = None,
          pass_id: int = 0) -> _State:
    """Fit overlapping windows in order (:func:`core.fitting.windows.run_windows`: warm start, linear blend,
    finished windows streamed to ``store``). ``tick(b)`` after each window: frames [0, b) are fitted."""
    def fit_window(a: int, b: int, start: _State) -> _State:
        win_lock = None if lock is None else (lock[0][a:b], lock[1][a:b])
        return _optimise(body, start, betas, window(d, a, b), cam, cfg, prior, win_lock, iterations, pose_only)

    return run_windows(s, cfg.window, cfg.overlap, fit_window, lock, store, pass_id, tick)


@torch.no_grad()
def fit_clip(body: BodyModel, landmarks: Landmarks, *, camera: FullCamera | None = None,
             init_rotmats: np.ndarray | None = None, init_betas: np.ndarray | None = None, prior=None,
             cfg: ClipFitConfig | None = None,
             camera_rotations: np.ndarray | Callable[[], np.ndarray | None] | None = None,
             progress: Callable[[int, int], None] | None = None, store: WindowStore | None = None,
             torso_px: float | None = None, floor: ct.Floor | None = None) -> ClipFit:
    """Fit ``body`` to a clip's landmarks (HKMR_MF). ``camera`` defaults to
    ``FullCamera.for_image(*landmarks.image_size)``; ``init_rotmats`` (F,24,3,3) camera-frame rotations from
    a network (default: a neutral pose turned like the detected torso); ``init_betas`` (NB,) (default: from
    median bone lengths); ``prior``: a :class:`core.fitting.prior.VAEPrior`, or None (then ``cfg.pose_prior``);
    ``camera_rotations``
    (F,3,3) a moving camera's rotations (first camera → camera t, :mod:`core.camera.background`; or its
    :class:`~core.camera.background.CameraRotations`, whose floor and standing frames refine the path) or None (static:
    today's path exactly), or a function returning one of them, called once before the first window (a stage
    running beside the start, :mod:`core.pipeline.background`): then the camera's path comes from the planted feet (:mod:`core.camera.path`), the
    body is turned to face where it goes (:mod:`core.camera.heading`) and the feet are locked where they stand in the world. Raises ValueError when no frame has a person.
    ``progress(done, total)`` after every window of every pass (frames × passes: the start, the fit and, when
    feet may be locked, ``cfg.lock_rounds`` lock passes). ``store``: where finished windows go (:mod:`core.fitting.windows`;
    a resumed run with the same store replays them) or None (nothing written). ``torso_px`` / ``floor``: the 2D
    scale and the (static camera's) floor taken as given instead of estimated from this clip (a long video's later
    segments use its first segment's, :mod:`core.pipeline.stream`)."""
    cfg = (cfg or ClipFitConfig()).validate()
    lm = landmarks
    if lm.world_from not in WORLD_FROM:
        raise ValueError(f"landmarks' world_from must be one of {WORLD_FROM}, got {lm.world_from!r}")
    prior = pose_prior_of(cfg, prior)
    found = np.asarray(lm.found, bool)
    if not found.any():
        raise ValueError("no frame of this clip has a detected person: nothing to fit")
    cam = camera or FullCamera.for_image(*lm.image_size)
    if init_betas is not None:
        betas = torch.as_tensor(np.asarray(init_betas, np.float32)).reshape(1, body.num_betas)
    else:
        betas = betas_from_bone_lengths(body, median_bone_lengths(lm)[0],
                                        offsets=cfg.landmark_offsets == "all")[None]
    data = clip_data(body, lm, cfg.visibility_power, cfg.landmark_offsets, cfg.w3d_torso)
    if cfg.facing_deg and lm.world_from == "blazepose":  # its hip line faces the camera too much: the 3D term
        # follows it turned back (a lifter's 3D, trained against the truth, has no such bias: docs/experiments.md)
        data.world = torch.as_tensor(unbias_facing(lm.world, found, cfg.facing_deg), dtype=torch.float32)
    if torso_px is not None:
        data.scale = float(torso_px)
    if callable(camera_rotations):  # a stage running beside the start (core.pipeline.background): the smoothing
        camera_rotations = camera_rotations()  # terms work in the first camera's axes, so wait for it here
    estimate = camera_rotations if hasattr(camera_rotations, "rotations") else None  # a CameraRotations
    camera_rotations = getattr(camera_rotations, "rotations", camera_rotations)
    if camera_rotations is not None:
        data.rot = torch.as_tensor(np.asarray(camera_rotations), dtype=torch.float32)
    n, passes = len(found), cfg.passes
    if store is not None:  # a resumed run reuses a window only when everything the fit follows is the same
        store = store.salted(inputs_digest(cfg, cam, betas, getattr(prior, "path", type(prior).__name__), floor,
                                           *(v for _, v in sorted(vars(data).items()))))

    def tick(k: int):
        return None if progress is None else (lambda b: progress(k * n + b, passes * n))
    state = _initial_state(body, lm, betas, cam, init_rotmats, data, cfg, prior, tick(0), store)
    state = _pass(body, state, betas, data, cam, cfg, prior, None, cfg.iterations, tick=tick(1), store=store,
                  pass_id=1)
    feet = _feet(body, state, betas)
    fps = lm.fps if lm.fps > 0 else 30.0
    path, lock = None, None
    if camera_rotations is None:
        floor = floor if floor is not None else ct.estimate_floor(feet, found, cfg.contact)
        planted = _static_contacts(lm, feet, found, fps, floor, cfg)
    else:
        from core.camera.heading import turned_to_travel
        from core.camera.path import MOVING_CONTACTS, camera_path_from_feet, to_reference
        path, planted, floor = camera_path_from_feet(feet, camera_rotations, found, fps, _hips(body, state, betas),
                                                     background=estimate)
        pelvis = to_reference(_hips(body, state, betas), path)
        turned = turned_to_travel(rot6d_to_matrix(state.root6d).double().numpy(), data.world.double().numpy(),
                                  pelvis, path.rotations, floor.normal, found, fps)
        if turned is not None:  # root and 3D targets face the travel; contacts re-read (the camera's path stays)
            data.world = torch.as_tensor(turned[1], dtype=torch.float32)
            root = matrix_to_rot6d(torch.as_tensor(turned[0], dtype=torch.float32))
            state = _State(state.body_aa, root, state.transl)
            feet = _feet(body, state, betas)
            planted = ct.point_contacts(to_reference(feet, path), found, fps, floor, MOVING_CONTACTS)
    if cfg.lock_feet and planted.any() and cfg.lock_iterations:
        ease = max(int(round(cfg.lock_ease * fps)), 0)
        weights = torch.as_tensor(ct.lock_weights(planted, ease), dtype=torch.float32)
        for r in range(cfg.lock_rounds):
            if r:  # the anchors follow where the last round's feet settled
                feet = _feet(body, state, betas)
            lock = (anchors(feet, planted, ease, path), weights)
            state = _pass(body, state, betas, data, cam, cfg, prior, lock, cfg.lock_iterations, tick=tick(2 + r),
                          store=store, pass_id=2 + r)
    state = smooth_state(state, cfg.output_smoothing * fps / 30.0, data.rot)
    if lock is not None:  # after the filter, so that the planted points sit on their anchors again
        state = root_follows(state, _feet(body, state, betas), lock[0].double().numpy(), lock[1].double().numpy())
    if progress is not None:
        progress(passes * n, passes * n)
    low = None if path is not None else ct.low_points(_feet(body, state, betas), found, floor, cfg.contact)
    return _result(body, state, betas, data, cam, lm, planted, floor, path, low)


def _static_contacts(lm: Landmarks, feet: np.ndarray, found: np.ndarray, fps: float, floor: ct.Floor,
                     cfg: ClipFitConfig) -> np.ndarray:
    """(F,4) planted foot points of a static camera's first-pass feet (F,4,3), by ``cfg.contact_source``."""
    if cfg.contact_source == "feet":
        return ct.point_contacts(feet, found, fps, floor, cfg.contact, camera_at=np.zeros(3))
    from core.model.contact_net import contact_probabilities
    seen = contact_probabilities(lm) >= cfg.contact_threshold
    if cfg.contact_source == "image":
        return ct.clean_runs(seen & ct.low_points(feet, found, floor, cfg.contact), found, fps, cfg.contact)
    # "either": the fitted feet's, and where the image says still and the fitted point only moves along its ray
    across = ct.point_contacts(feet, found, fps, floor, replace(cfg.contact, ray_weight=0.0), np.zeros(3))
    return (ct.point_contacts(feet, found, fps, floor, cfg.contact, camera_at=np.zeros(3))
            | ct.clean_runs(seen & across, found, fps, cfg.contact))


def _rotmats(s: _State) -> torch.Tensor:
    return torch.cat([rot6d_to_matrix(s.root6d)[:, None], axis_angle_to_matrix(s.body_aa)], 1)


def _points(body, s: _State, betas, with_transl: bool = True, offsets: LandmarkOffsets | None = None) -> torch.Tensor:
    """(F,33,3) the body's landmark points (camera frame with ``with_transl``), ``offsets`` added, by BLOCKs."""
    def block(a: int, b: int) -> torch.Tensor:
        rot, b_ = _rotmats(s.slice(a, b)), betas.expand(b - a, -1)
        pts = with_offsets(body, landmark_points(body, rot, b_), rot, b_, offsets)
        return pts + s.transl[a:b, None] if with_transl else pts
    return blockwise(block, len(s.transl))


def _hips(body, s: _State, betas) -> np.ndarray:
    return _points(body, s, betas)[:, list(terms.HIPS)].mean(1).double().numpy()


def _feet(body, s: _State, betas) -> np.ndarray:
    return _points(body, s, betas)[:, list(terms.FOOT_POINTS)].double().numpy()


def _result(body, s: _State, betas, d: ClipData, cam: FullCamera, lm: Landmarks, planted, floor, path=None,
            low=None) -> ClipFit:
    rot = _rotmats(s)
    pts = _points(body, s, betas, offsets=d.offsets)
    found = np.asarray(lm.found, bool)
    seen = (lm.visibility >= 0.5) & (d.w2.numpy() > 0) & found[:, None]
    frac = reprojection_error(cam.project(pts).numpy(), lm.points2d, seen, d.scale)
    return ClipFit(rotmats=rot.numpy(), betas=betas[0].double().numpy(), transl=s.transl.double().numpy(),
                   reprojection_px=frac * d.scale, reprojection=frac, contacts=ct.foot_contacts(planted, low),
                   point_contacts=planted, valid=found.copy(), floor=floor, camera=cam, torso_px=d.scale,
                   camera_path=path)
