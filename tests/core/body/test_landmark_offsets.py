"""landmark_offsets: BlazePose's limb landmarks where it puts them — joint + R_parent · offset · torso length."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from core.body.landmark_offsets import (MIRROR_X, OFFSET_LANDMARKS, LandmarkOffsets, fit_points, global_rotations,
                                        load_landmark_offsets, offset_frames, torso_length)
from core.body.landmark_points import landmark_points
from core.detect.landmarks import BLAZEPOSE_NAMES
from core.geometry.rotations import axis_angle_to_matrix

L_HIP, R_HIP = BLAZEPOSE_NAMES.index("left_hip"), BLAZEPOSE_NAMES.index("right_hip")
L_KNEE = BLAZEPOSE_NAMES.index("left_knee")


def _pose(n: int, seed: int):
    g = torch.Generator().manual_seed(seed)
    return axis_angle_to_matrix(torch.randn(n, 24, 3, generator=g) * 0.4), torch.randn(n, 10, generator=g) * 0.7


def test_an_offset_moves_with_its_parent_bone_and_scales_with_the_body(open_body):
    rot, betas = _pose(4, 0)
    vec = np.zeros((33, 3), np.float32)
    vec[L_HIP] = [0.1, 0.2, -0.05]                         # torso lengths, in the pelvis's rest frame (parent bone)
    vec[L_KNEE] = [0.0, 0.0, 0.08]                         # in the shin's (left knee joint's) rest frame (own bone)
    own = np.zeros(33, bool)
    own[L_KNEE] = True
    off = LandmarkOffsets(vec, own, {})
    moved = fit_points(open_body, rot, betas, off) - landmark_points(open_body, rot, betas)
    s = torso_length(open_body, betas)[:, None]
    # the pelvis joint's rotation is the root's: the hip's shift is that rotation of the offset, at this torso
    torch.testing.assert_close(moved[:, L_HIP], (rot[:, 0] @ torch.as_tensor(vec[L_HIP])) * s, rtol=0, atol=1e-6)
    g = global_rotations(open_body, rot)
    torch.testing.assert_close(moved[:, L_KNEE], (g[:, open_body.joint_names.index("left_knee")]
                                                  @ torch.as_tensor(vec[L_KNEE])) * s, rtol=0, atol=1e-6)
    others = [i for i in range(33) if i not in (L_HIP, L_KNEE)]
    assert float(moved[:, others].abs().max()) == 0.0
    # a bigger body (larger torso) gets a proportionally larger shift
    tall = betas.clone()
    tall[:, 0] += 2.0
    ratio = torso_length(open_body, tall) / torso_length(open_body, betas)
    assert float((ratio - 1).abs().min()) > 0.02
    moved_tall = fit_points(open_body, rot, tall, off) - landmark_points(open_body, rot, tall)
    torch.testing.assert_close(moved_tall[:, L_HIP].norm(dim=-1), moved[:, L_HIP].norm(dim=-1) * ratio,
                               rtol=1e-5, atol=1e-7)
    assert fit_points(open_body, rot, betas, None).equal(landmark_points(open_body, rot, betas))


def test_offset_frames_are_the_parent_bones_or_their_own(open_body):
    names = [open_body.joint_names[j] for j in offset_frames(open_body)[list(OFFSET_LANDMARKS)]]
    assert names == ["left_collar", "right_collar", "left_shoulder", "right_shoulder", "left_elbow", "right_elbow",
                     "pelvis", "pelvis", "left_hip", "right_hip", "left_knee", "right_knee"]
    own = np.ones(33, bool)
    names = [open_body.joint_names[j] for j in offset_frames(open_body, own)[list(OFFSET_LANDMARKS)]]
    assert names[6:] == ["left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle"]


def test_the_shipped_offsets_are_mirrored_measured_and_move_the_hips_as_calibrated(open_body):
    shipped = load_landmark_offsets()
    off = shipped.offsets
    for k in range(0, 12, 2):                              # left and right mirror each other (x is the body's left)
        np.testing.assert_allclose(off[OFFSET_LANDMARKS[k + 1]], off[OFFSET_LANDMARKS[k]] * MIRROR_X, atol=1e-5)
    assert np.abs(off[[i for i in range(33) if i not in OFFSET_LANDMARKS]]).max() == 0
    assert shipped.meta["renders"] and "landmark_placement.py" in shipped.meta["recipe"]
    assert not any(n.startswith(("131", "001", "055", "002", "003")) for n in shipped.meta["renders"])
    np.testing.assert_array_equal(shipped.own[list(OFFSET_LANDMARKS)][::2], shipped.own[list(OFFSET_LANDMARKS)][1::2])
    # in the rest pose, the hip points move by exactly the calibrated offset (β = 0 torso, metres)
    eye = torch.eye(3).expand(1, 24, 3, 3)
    zero = torch.zeros(1, 10)
    d = (fit_points(open_body, eye, zero, shipped) - landmark_points(open_body, eye, zero))[0].numpy()
    s = float(torso_length(open_body, zero)[0])
    np.testing.assert_allclose(d[L_HIP], off[L_HIP] * s, atol=1e-6)
    np.testing.assert_allclose(d[R_HIP], off[L_HIP] * MIRROR_X * s, atol=1e-6)
    assert np.linalg.norm(off[L_HIP]) * s > 0.01                # the hips are among the measured offsets (cm)
    # every measured shift is a few cm at most: a placement, not a different body part
    assert np.abs(off).max() * s < 0.10


def test_a_bad_offsets_file_is_refused_with_its_name(tmp_path):
    bad = tmp_path / "offsets.json"
    bad.write_text(json.dumps({"format": "something-else"}))
    with pytest.raises(ValueError, match="offsets.json.*landmark_placement"):
        load_landmark_offsets(bad)
    bad.write_text(json.dumps({"format": "hkmr-landmark-offsets", "offsets": {"nose": {"offset": [0, 0, 0],
                                                                                       "bone": "own"}}}))
    with pytest.raises(ValueError, match="nose"):
        load_landmark_offsets(bad)


def test_the_measurement_recovers_a_planted_placement_and_its_bone(open_body):
    """bench/landmark_placement.py on a detector that puts its hips 3 cm in front of the hip joints, moving with
    the thigh (its own bone), and nothing else off, plus 1 px noise: the hip's offset comes back to a few mm, in
    the thigh's frame (chosen over the pelvis's on the clips left out), and the ankle's is ~0."""
    from bench import landmark_placement as lp
    from core.body.poses import bspline_clip, compose_global_orient, sample_body_pose
    from core.fitting.full_camera import FullCamera

    planted = np.zeros((33, 3), np.float32)
    own = np.zeros(33, bool)
    s0 = float(torso_length(open_body, torch.zeros(1, 10))[0])
    for i, sign in ((L_HIP, 1.0), (R_HIP, 1.0)):
        planted[i], own[i] = [0.0, 0.0, 0.03 / s0 * sign], True
    off = LandmarkOffsets(planted, own, {})
    cam = FullCamera.for_image(640, 480)
    rng = np.random.default_rng(0)
    cases = []
    for k in range(4):                                       # four clips, each turning through its own yaws
        keys = sample_body_pose(rng, 5)
        keys[:, 0] = compose_global_orient(np.linspace(0, np.pi, 5) + k * np.pi / 2, np.zeros((5, 3)))
        rot = axis_angle_to_matrix(torch.as_tensor(bspline_clip(keys, 40), dtype=torch.float32))
        betas = torch.zeros(10)
        transl = torch.tensor([0.0, 0.2, 4.0]).repeat(40, 1)
        with torch.no_grad():
            px = cam.project(fit_points(open_body, rot, betas.expand(40, -1), off, transl)).double().numpy()
        px += rng.normal(0, 1.0, px.shape)
        cases.append(lp.arrays(open_body, f"clip {k}", rot, betas, transl, np.full(40, cam.focal),
                               np.tile([cam.cx, cam.cy], (40, 1)), px, np.ones((40, 33), bool)))
    hip = list(OFFSET_LANDMARKS).index(L_HIP)
    o = lp.solve(*lp.stacked(cases, hip, bone="own"))[0] * s0
    np.testing.assert_allclose(o, [0.0, 0.0, 0.03], atol=0.005)
    assert lp.held_out(cases, hip, "own")[0] > lp.held_out(cases, hip, "parent")[0] or \
        lp.held_out(cases, hip, "own")[0] == 4
    ankle = lp.solve(*lp.stacked(cases, list(OFFSET_LANDMARKS).index(BLAZEPOSE_NAMES.index("left_ankle"))))[0]
    assert np.abs(ankle * s0).max() < 0.005
