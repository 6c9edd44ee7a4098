"""``hkmr demo``: the scoring function, the frame bookkeeping from ground truth to the motion file and
back, a missing checkpoint, and a short end-to-end run (files written, scores printed and equal to
what the files say; FBX + .blend through the add-on's headless exporter)."""
from __future__ import annotations

import json
import re

import cv2
import numpy as np
import pytest
import torch

from core.cli import main
from core.demo import clip_motion, motion_camera_joints, render_clip, run_demo, score_joints
from core.geometry.metrics import SMPL_TO_LSP14
from core.model.checkpoint import CheckpointError
from core.motion import motion_from_smpl, read_motion, write_motion

FRAMES = 6


@pytest.fixture(scope="module")
def body():
    from core.body.model import load_body_model

    return load_body_model()


def test_scores_of_a_perfect_prediction_are_zero_and_of_a_known_error_exact():
    gt = np.random.default_rng(0).normal(0, 0.3, (5, 24, 3))
    assert score_joints(gt, gt).mpjpe_mm == pytest.approx(0, abs=1e-9)
    assert score_joints(gt, gt).pa_mpjpe_mm == pytest.approx(0, abs=1e-6)
    moved = gt + [0.2, -1.0, 3.0]  # a global shift: removed by the hip alignment
    assert score_joints(moved, gt).mpjpe_mm == pytest.approx(0, abs=1e-9)
    one = gt.copy()
    one[:, SMPL_TO_LSP14[0], 0] += 0.014  # 14 mm on one (non-hip) of the 14 scored joints → 1 mm mean
    assert score_joints(one, gt).mpjpe_mm == pytest.approx(1.0, abs=1e-9)
    hips = np.array(SMPL_TO_LSP14)[[2, 3]]
    scaled = (gt - gt[:, hips].mean(1, keepdims=True)) * 1.1  # a size error: Procrustes removes it
    s = score_joints(scaled, gt)
    assert s.mpjpe_mm > 1.0 and s.pa_mpjpe_mm == pytest.approx(0, abs=1e-6) and s.frames == 5
    unscored = gt.copy()
    unscored[:, 0] += 1.0  # the pelvis joint is not one of the 14
    assert score_joints(unscored, gt).mpjpe_mm == pytest.approx(0, abs=1e-9)
    with pytest.raises(ValueError, match="24, 3"):
        score_joints(gt[:, :14], gt[:, :14])


def test_clip_motion_is_smooth_seeded_and_within_the_pose_limits():
    from core.body.poses import within_limits

    a, b = clip_motion(np.random.default_rng(1), 30), clip_motion(np.random.default_rng(1), 30)
    np.testing.assert_array_equal(a, b)
    assert within_limits(a).all()
    d1, d2 = np.abs(np.diff(a[:, 3:], 1, axis=0)), np.abs(np.diff(a[:, 3:], 2, axis=0))
    assert d1.max() < 0.2  # radians per frame: a smooth clip, not independent poses (≈ 1 rad apart)
    assert d2.mean() < 0.3 * d1.mean()  # velocity changes smoothly (independent poses: ratio ≈ 1.4)


def test_ground_truth_survives_world_frame_and_motion_file(tmp_path, body):
    """GT camera-frame params → world trajectory (the runner's code) → motion file → camera-frame
    joints: the clip's own joints come back, so a perfect model would score 0 mm."""
    from core.geometry.rotations import axis_angle_to_matrix
    from core.inference.world import to_world

    clip = render_clip(tmp_path / "clip.mp4", body, FRAMES, seed=3)
    cap = cv2.VideoCapture(str(clip.video))
    assert int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == FRAMES and cap.read()[1].shape == (256, 256, 3)
    rot = axis_angle_to_matrix(torch.as_tensor(clip.poses).reshape(-1, 24, 3)).numpy()
    world = to_world(body, rot, clip.betas, clip.transl, np.ones(FRAMES, bool))
    motion = motion_from_smpl(body, torch.as_tensor(world.rotmats), torch.as_tensor(clip.betas),
                              torch.as_tensor(world.trans), clip.fps, include_mesh=False)
    write_motion(tmp_path / "gt.npz", motion)
    joints = motion_camera_joints(read_motion(tmp_path / "gt.npz"), body, world.cam_R, world.cam_t)
    np.testing.assert_allclose(joints, clip.joints, atol=2e-4)
    assert score_joints(joints, clip.joints).mpjpe_mm < 0.2
    # the ground truth is in front of the camera and inside the frame
    uv = clip.joints @ clip.K.T
    uv = uv[..., :2] / uv[..., 2:]
    assert (clip.joints[..., 2] > 0).all() and ((uv > 0) & (uv < 256)).all()


def test_missing_checkpoint_says_how_to_get_one(tmp_path, monkeypatch, capsys):
    out = tmp_path / "demo"
    with pytest.raises(CheckpointError, match="--checkpoint"):
        run_demo(out, frames=2, checkpoint=str(tmp_path / "nope.pt"))
    assert not out.exists()  # nothing written before the checkpoint is known to be there
    import core.inference.loading as loading

    monkeypatch.delenv("HKMR_CHECKPOINT", raising=False)
    monkeypatch.setattr(loading, "DEFAULT_CHECKPOINT", loading.DEFAULT_CHECKPOINT.with_name("absent.pt"))
    assert main(["demo", "--synthetic", "--out", str(out), "--frames", "2"]) == 2
    err = capsys.readouterr().err
    assert "shipped demo checkpoint" in err and "training/configs/demo.json" in err and "--checkpoint" in err
    assert not out.exists()


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    """One short demo run (random tiny checkpoint, no Blender stage) shared by the tests below."""
    from core.model.builder import build_model
    from core.model.checkpoint import save_checkpoint
    from core.model.config import ModelConfig

    d = tmp_path_factory.mktemp("demo")
    torch.manual_seed(0)
    cfg = ModelConfig.from_dict({"backbone": {"name": "resnet18"}, "img_res": 64,
                                 "hkmr": {"phi_dim": 64, "chain_phi_dim": 16, "joint_hidden": 16,
                                          "root_hidden": 64, "shape_hidden": 32}})
    save_checkpoint(d / "tiny.pt", build_model(cfg))
    lines: list[str] = []
    report = run_demo(d / "out", frames=FRAMES, checkpoint=str(d / "tiny.pt"), seed=1, blender=False,
                      log=lines.append)
    return d / "out", report, "\n".join(lines)


def test_demo_writes_the_files_and_prints_finite_scores_that_match_them(demo_run, body):
    from core.inference.world import CAMERA_TO_WORLD

    out, report, text = demo_run
    motion = read_motion(out / "motion.npz")
    assert motion.num_frames == FRAMES and motion.valid is not None and motion.mesh is not None
    png = cv2.imread(str(out / "overlay.png"))
    assert png.shape == (512, 4 * 256, 3)
    assert not (png[256:] == png[:256]).all()  # the mesh was drawn over the input row
    for stage in ("render", "inference", "overlay"):
        assert re.search(rf"^  {stage} +\d+\.\d s", text, re.M), text
    assert "export      skipped (--no-blender)" in text
    mp = float(re.search(r"MPJPE +([\d.]+) mm", text).group(1))
    pa = float(re.search(r"PA-MPJPE +([\d.]+) mm", text).group(1))
    assert np.isfinite([mp, pa]).all() and "goal < 60 mm" in text
    saved = json.loads((out / "scores.json").read_text())
    assert saved["mpjpe_mm"] == pytest.approx(report["mpjpe_mm"]) and abs(saved["mpjpe_mm"] - mp) < 0.051
    # recompute from the two files alone: the world → camera map is C = diag(1,-1,-1) plus a shift,
    # and the hip-aligned errors do not see the shift
    gt = np.load(out / "ground_truth.npz")
    pred = motion_camera_joints(motion, body, CAMERA_TO_WORLD, np.zeros(3))
    again = score_joints(pred, gt["joints"])
    assert again.mpjpe_mm == pytest.approx(saved["mpjpe_mm"], rel=1e-6)
    assert again.pa_mpjpe_mm == pytest.approx(saved["pa_mpjpe_mm"], rel=1e-6)
    assert sorted(p.name for p in out.iterdir()) == ["clip.mp4", "ground_truth.npz", "motion.npz", "overlay.png",
                                                     "scores.json"]  # no temporaries left


@pytest.mark.blender
def test_export_stage_writes_fbx_and_blend_through_the_headless_addon(demo_run):
    from core.demo import export_blender

    out, _, _ = demo_run
    files = export_blender(out / "motion.npz", out)
    assert [p.name for p in files] == ["motion.fbx", "motion.blend"]
    assert all(p.is_file() and p.stat().st_size > 10_000 for p in files)
    assert files[0].read_bytes()[:18] == b"Kaydara FBX Binary"
