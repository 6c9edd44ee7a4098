"""Real mocap → the open body: the BVH excerpt of a real CMU walk (tests/data/mocap) through the data set build."""
from __future__ import annotations

import json
import os
import shutil
import subprocess

import numpy as np
import pytest
import torch

from training.data.mocap import RESERVED_SUBJECTS
from training.data.mocap.build import build, load_clip, load_manifest, load_poses
from training.data.mocap.bvh import bvh_positions, read_bvh
from training.data.mocap.sources import SOURCES, activity, list_files

EXCERPT = os.path.join(os.path.dirname(__file__), "..", "..", "data", "mocap", "007_01_head.bvh")
SRC = SOURCES["iclone-cmu"]


@pytest.fixture(autouse=True)
def one_thread():
    """These tests fit single-threaded (stable on loaded machines); the suite's setting comes back after each, so
    later tests that compare in-process and subprocess runs bit for bit see torch's default again."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def git_snapshot(work) -> str:
    """Commit the folder ``work`` as a fresh repository; its git dir (what ``fetch`` brings is one)."""
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@t", GIT_COMMITTER_NAME="t",
               GIT_COMMITTER_EMAIL="t@t")
    for cmd in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "snapshot"]):
        subprocess.run(["git", "-C", str(work), *cmd], check=True, env=env)
    return str(work / ".git")


def _snapshot(tmp_path, names: list[str], described: dict[str, str] | None = None) -> str:
    """A bare-repo-like snapshot (git dir) holding the excerpt under each CMU clip name, and an index CSV
    ("walk" for those names, plus ``described``: clip name → description)."""
    work = tmp_path / "work"
    for n in names:
        d = work / "All_BVH" / "subjects" / n.split("_")[0]
        d.mkdir(parents=True, exist_ok=True)
        shutil.copy(EXCERPT, d / f"{n}.bvh")
    rows = ['"Subject","Trial #","Motion Description","framerate","Frames 60fps","Status","Worked on by"']
    for n, what in {**{n: "walk" for n in names}, **(described or {})}.items():
        rows.append(f'{int(n.split("_")[0])},{int(n.split("_")[1])},"{what}",120,40,"",""')
    (work / "CMU data.csv").write_text("\n".join(rows) + "\n")
    return git_snapshot(work)


def test_bvh_is_a_standing_person_y_up_in_metres():
    b = read_bvh(EXCERPT)
    assert len(b.motion) == 41 and abs(b.frame_time - 1 / 60) < 1e-4
    pos = bvh_positions(b, SRC.unit)[SRC.drop_first:]
    j = {k: pos[:, b.names.index(v)] for k, v in SRC.joints.items()}
    assert np.all(j["head"][:, 1] - j["left_ankle"][:, 1] > 1.3)          # head 1.3+ m above the ankles: Y up, m
    assert np.all(np.abs(j["pelvis"][:, 1] - 0.95) < 0.15)
    assert np.all(np.linalg.norm(j["left_hip"] - j["right_hip"], axis=-1) < 0.3)


def test_not_a_bvh_names_the_file(tmp_path):
    p = tmp_path / "x.bvh"
    p.write_text("hello")
    with pytest.raises(ValueError, match="x.bvh: not a BVH file"):
        read_bvh(str(p))


def test_reserved_subjects_never_listed(tmp_path):
    git_dir = _snapshot(tmp_path, ["001_01", "055_01", "131_02", "007_01"])
    assert [(f.subject, f.trial) for f in list_files("iclone-cmu", git_dir)] == [(7, 1)]
    assert RESERVED_SUBJECTS == {1, 55, 131}
    # only the evaluation renders' converter (bench/eval_clips.py) asks for them, by name
    assert [(f.subject, f.trial) for f in list_files("iclone-cmu", git_dir, keep_reserved=True)] == [
        (1, 1), (7, 1), (55, 1), (131, 2)]


def test_build_converts_a_real_clip_with_bones_where_the_mocap_has_them(tmp_path, open_body):
    git_dir = _snapshot(tmp_path, ["001_01", "007_01", "008_01"])
    out = tmp_path / "set"
    build(open_body, {"iclone-cmu": git_dir}, str(out), heldout={8}, log=lambda *_: None)
    m = load_manifest(str(out))
    assert [(c["subject"], c["split"]) for c in m["clips"]] == [(7, "train"), (8, "heldout")]
    commit = subprocess.run(["git", "--git-dir", git_dir, "rev-parse", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    assert m["sources"]["iclone-cmu"]["commit"] == commit and "mocap.cs.cmu.edu" in m["sources"]["iclone-cmu"]["licence"]
    row = m["clips"][0]
    assert row["accepted"] and row["frames"] == 20 and abs(row["fps"] - 30) < 0.01 and row["activity"] == "walk"
    assert row["bone_deg_median"] < 6 and row["bone_deg_p95"] < 20 and row["joint_mm_mean"] < 40
    c = load_clip(str(out), row)
    assert c["poses"].shape == (20, 72) and c["trans"].shape == (20, 3) and c["betas"].shape == (10,)
    # the fitted body stands upright (Y up) with its head above its feet, as the mocap does
    rot = torch.as_tensor(c["poses"]).reshape(-1, 24, 3)
    from core.geometry.rotations import axis_angle_to_matrix
    j = open_body.joints(axis_angle_to_matrix(rot), torch.as_tensor(c["betas"]).expand(20, -1),
                         torch.as_tensor(c["trans"])).numpy()
    assert np.all(j[:, 15, 1] - j[:, 7, 1] > 1.2)
    assert load_poses(str(out), "train").shape == (20, 72)
    assert json.loads((out / "manifest.json").read_text())["summary"]["train"]["minutes"] == pytest.approx(20 / 30 / 60, abs=0.01)
    with pytest.raises(ValueError, match="reserved"):
        load_clip(str(out), dict(row, subject=131))


def test_activity_classes():
    assert activity("basketball - forward dribble") == "sports"
    assert activity("dance - expressive arms, pirouette") == "dance"
    assert activity("run/jog") == "run"
    assert activity("walk on uneven terrain") == "walk"


def test_prior_cli_trains_on_the_real_clip_and_scores_held_out_subjects(tmp_path, open_body):
    """training.prior on a mocap set: trains on the train split only, saves a loadable VAE, scores the splits;
    the unobserved joints (toes, head, wrists) are drawn within limits so the prior does not pin them."""
    from core.fitting.prior import load_pose_vae
    from training.prior.__main__ import UNOBSERVED, free_unobserved, main

    git_dir = _snapshot(tmp_path, ["007_01", "008_01"])
    out = tmp_path / "set"
    build(open_body, {"iclone-cmu": git_dir}, str(out), heldout={8}, log=lambda *_: None)
    poses = load_poses(str(out), "train")
    freed = free_unobserved(poses, np.random.default_rng(0)).reshape(-1, 24, 3)
    keep = [j for j in range(24) if j not in UNOBSERVED]
    assert np.array_equal(freed[:, keep], poses.reshape(-1, 24, 3)[:, keep])
    assert np.abs(freed[:, list(UNOBSERVED)] - poses.reshape(-1, 24, 3)[:, list(UNOBSERVED)]).max() > 0.05
    assert main(["--mocap", str(out), "--out", str(tmp_path / "vae.pt"), "--steps", "30", "--hidden", "32",
                 "--latent", "8"]) == 0
    raw = torch.load(tmp_path / "vae.pt", weights_only=True)
    assert raw["meta"]["train_subjects"] == [7] and raw["meta"]["train_poses"] == 20
    assert set(raw["meta"]["scores"]) >= {"train", "heldout", "synthetic"}
    assert raw["meta"]["sources"]["iclone-cmu"]["commit"] == load_manifest(str(out))["sources"]["iclone-cmu"]["commit"]
    vae = load_pose_vae(tmp_path / "vae.pt")
    assert vae.latent == 8


def test_mocap_pool_windows_stand_upright_in_the_camera_and_keep_the_roots_motion(tmp_path, open_body):
    from training.data.keypoint_motion import motion_config
    from training.data.mocap.pool import make_mocap_pool

    out = tmp_path / "set"
    build(open_body, {"iclone-cmu": _snapshot(tmp_path, ["007_01"])}, str(out), heldout=set(), log=lambda *_: None)
    pool = make_mocap_pool(open_body, str(out), 6, 0, motion_config(clip_len=8, yaw_max=np.pi))
    assert pool.rotmats.shape == (6, 8, 24, 3, 3) and pool.landmarks.shape == (6, 8, 33, 3)
    lm = pool.landmarks.numpy()
    assert np.all(lm[:, :, 0, 1] < lm[:, :, 27, 1] - 0.5)     # nose well above the left ankle: y down in the camera
    assert np.all(lm[..., 2] > 0.5)                           # in front of the camera
    trans = load_clip(str(out), load_manifest(str(out))["clips"][0])["trans"]
    walked = np.linalg.norm(trans[7] - trans[0])               # a walk: the root moves over 8 frames ...
    moved = np.linalg.norm(pool.joints[:, 7, 0].numpy() - pool.joints[:, 0, 0].numpy(), axis=-1)
    assert walked > 0.1 and np.all(moved > 0.5 * walked)        # ... and so does the pool's pelvis
    assert np.ptp(pool.yaw[:, 0]) > 0.5                         # random yaw
    # a validation subject left out (training.lifter's train.mocap_exclude): with subject 7 out nothing is left
    with pytest.raises(ValueError, match="no 'train' clip"):
        make_mocap_pool(open_body, str(out), 6, 0, motion_config(clip_len=8, yaw_max=np.pi), exclude=[7])
    again = make_mocap_pool(open_body, str(out), 6, 0, motion_config(clip_len=8, yaw_max=np.pi), exclude=[135])
    np.testing.assert_array_equal(again.landmarks.numpy(), lm)  # another subject out: the same windows
