"""A procedural SMPL walk for the feet/root-motion tests and bench: legs swing, knees bend in swing, and the
root path is solved so the stance ankle stays exactly planted; ``slip`` then adds a smooth root wobble
(metres) that makes the planted feet slide, as estimated motion does. Y-up SMPL frame, body facing +Z."""
from __future__ import annotations

import numpy as np

from hkmr_blender.base import Motion
from tests.blender.reference_fk import forward_kinematics

L_HIP, R_HIP, L_KNEE, R_KNEE, L_ANKLE, R_ANKLE = 1, 2, 4, 5, 7, 8


def walk(rest_joints: np.ndarray, frames: int = 120, fps: float = 30.0, step_hz: float = 0.9,
         slip: float = 0.03, turn: float = 0.0, seed: int = 0) -> tuple[Motion, np.ndarray]:
    """(Y-up Motion, true stance flags (F,2) [left, right]). ``turn``: heading change in rad/s."""
    t = np.arange(frames) / fps
    phi = 2 * np.pi * step_hz * t
    poses = np.zeros((frames, 72))
    amp, knee_swing, knee_stance = 0.35, 0.9, 0.12
    for hip, knee, sign in ((L_HIP, L_KNEE, 1.0), (R_HIP, R_KNEE, -1.0)):
        c = sign * np.cos(phi)
        kappa = knee_stance + knee_swing * np.clip(c, 0, None) ** 2       # knee bend (x, shin backwards)
        l1 = np.linalg.norm(rest_joints[knee] - rest_joints[hip])
        l2 = np.linalg.norm(rest_joints[knee + 3] - rest_joints[knee])
        beta = np.arctan2(l2 * np.sin(kappa), l1 + l2 * np.cos(kappa))   # thigh ahead of the hip→ankle line
        leg = rest_joints[hip + 6] - rest_joints[hip]                    # rest hip → ankle
        upright = np.arctan(-leg[2] / leg[1])
        poses[:, 3 * hip] = upright - sign * amp * np.sin(phi) - beta    # x: flexion forward is negative
        poses[:, 3 * knee] = kappa
    yaw = turn * t
    poses[:, 1] = yaw                                                    # heading about +Y
    stance = np.stack([np.cos(phi) < 0, np.cos(phi) >= 0], axis=1)
    joints, _ = forward_kinematics(poses, np.zeros((frames, 3)), rest_joints)
    ankles = joints[:, [L_ANKLE, R_ANKLE]]
    trans = np.zeros((frames, 3))
    leg_prev = 0 if stance[0, 0] else 1
    anchor = ankles[0, leg_prev]
    for f in range(frames):
        leg = 0 if stance[f, 0] else 1
        if leg != leg_prev:                                              # the other foot lands here
            anchor = (trans[f - 1] + ankles[f, leg]) * [1, 0, 1] + [0, anchor[1], 0]   # on the floor
        trans[f], leg_prev = anchor - ankles[f, leg], leg
    rng = np.random.default_rng(seed)
    wobble = np.stack([np.sin(2 * np.pi * (0.7 + 0.3 * rng.random()) * t + rng.uniform(0, 6)) for _ in range(3)], 1)
    wobble[:, 1] *= 0.3                                                  # less vertical than horizontal
    trans = trans + slip * wobble
    return Motion(poses=poses, trans=trans, betas=np.zeros(10), fps=fps, rest_joints=rest_joints), stance
