"""Stage "start": the shipped keypoint model's estimate as the clip fit's initialisation."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from core.body.poses import sample_clip_motion
from core.detect.simulated import simulate_landmarks
from core.fitting.full_camera import FullCamera
from core.geometry.metrics import mpjpe
from core.geometry.rotations import axis_angle_to_matrix
from core.pipeline.run import RealOptions
from core.pipeline.start import StartStage, run_start


def test_keypoint_start_is_closer_to_the_truth_than_a_neutral_pose(open_body):
    rng = np.random.default_rng(4)
    poses = sample_clip_motion(rng, 24, yaw_max=np.pi / 3)      # camera-frame poses, facing the camera ±60°
    rot = axis_angle_to_matrix(torch.as_tensor(poses, dtype=torch.float32).reshape(24, 24, 3))
    betas = torch.zeros(open_body.num_betas)
    transl = torch.tensor([0.0, 0.2, 4.0]).expand(24, 3)
    cam = FullCamera.for_image(640, 480)
    lm = simulate_landmarks(open_body, rot, betas, transl, cam, (640, 480), 30.0, seed=1)
    start = run_start(StartStage(lm))
    assert start.rotmats.shape == (24, 24, 3, 3) and start.betas.shape == (10,)
    r = torch.as_tensor(start.rotmats)
    # rotation matrices from the 6D head: orthonormal to float32 Gram–Schmidt precision
    torch.testing.assert_close(r @ r.transpose(-1, -2), torch.eye(3).expand_as(r), atol=1e-4, rtol=0)
    zero = torch.zeros(24, open_body.num_betas)
    truth, est = open_body.joints(rot, zero), open_body.joints(r, zero)
    neutral = rot.clone()
    neutral[:, 1:] = torch.eye(3)
    base = open_body.joints(neutral, zero)
    # joint error with the true root orientation given to the baseline: the regressor, which must find the
    # root itself, still has to beat "torso exactly right, limbs at rest" clearly
    hips = (1, 2)                                                 # SMPL's left/right hip joints
    err, err_base = mpjpe(est, truth, align=hips).mean(), mpjpe(base, truth, align=hips).mean()
    assert err < 0.8 * err_base, (err, err_base)


def test_unknown_init_is_refused():
    with pytest.raises(ValueError, match="--init"):
        RealOptions(init="image").validate()


def test_init_option_reaches_the_fit_and_is_refused_without_one(tmp_path, capsys):
    from core.cli import main

    assert main(["infer", "clip.mp4", "-o", str(tmp_path / "m.npz"), "--no-fit", "--init", "none"]) == 2
    assert "--init" in capsys.readouterr().err and not (tmp_path / "m.npz").exists()
