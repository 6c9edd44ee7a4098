"""End-to-end inference on tiny generated inputs: motion files, resume, boxes, bad inputs."""
from __future__ import annotations

import json
import os

import numpy as np
import pytest
import torch

from core.cli import main
from core.inference.runner import InferOptions, run_inference
from core.inference.workdir import WorkDirError, work_dir_for
from core.motion import read_motion

from .conftest import write_images, write_video


def _arrays(path):
    with np.load(path, allow_pickle=False) as d:
        return {k: d[k] for k in d.files}


def test_video_gives_valid_motion_file(assets, loaded, tmp_path):
    out = tmp_path / "m.npz"
    res = run_inference(assets["video"], str(out), loaded.model, InferOptions(batch_size=5, chunk_size=8))
    m = read_motion(out)
    assert m.num_frames == res.frames == 24
    assert m.fps == 25.0 and m.up_axis == "y" and m.camera.shape == (24, 3)
    np.testing.assert_array_equal(m.frame_index, np.arange(24))
    assert m.valid.all() and (m.confidence > 0.3).all()
    assert m.mesh is not None and m.rest_joints.shape == (24, 3)
    assert not work_dir_for(out).exists()  # cleaned after success
    # the network's rotations reach the file: root turned into the Y-up world (C = diag(1,-1,-1))
    assert np.isfinite(m.poses).all() and np.abs(m.poses[:, 3:]).max() > 1e-4


def test_image_folder_and_glob(assets, loaded, tmp_path):
    folder = write_images(tmp_path / "frames", 12)
    a = run_inference(folder, str(tmp_path / "a.npz"), loaded.model, InferOptions(batch_size=4, fps=12))
    b = run_inference(os.path.join(folder, "frame_*.png"), str(tmp_path / "b.npz"), loaded.model,
                      InferOptions(batch_size=4, fps=12))
    ma, mb = read_motion(tmp_path / "a.npz"), read_motion(tmp_path / "b.npz")
    assert a.frames == b.frames == 12 and ma.fps == 12.0
    np.testing.assert_array_equal(ma.poses, mb.poses)


@pytest.mark.parametrize("track", [False, True])
def test_interrupted_run_resumes_to_identical_output(assets, loaded, tmp_path, track):
    opts = InferOptions(batch_size=3, chunk_size=6, track=track)
    ref = tmp_path / "ref.npz"
    run_inference(assets["video"], str(ref), loaded.model, opts)

    class Stop(Exception):
        pass

    def boom(k):
        if k == 1:
            raise Stop

    out = tmp_path / "resumed.npz"
    with pytest.raises(Stop):
        run_inference(assets["video"], str(out), loaded.model, opts, on_chunk=boom)
    assert not out.exists()
    manifest = json.loads((work_dir_for(out) / "manifest.json").read_text())
    assert [c["frames"] for c in manifest["chunks"]] == [6, 6]
    res = run_inference(assets["video"], str(out), loaded.model, opts, resume=True)
    assert res.resumed_frames == 12
    a, b = _arrays(ref), _arrays(out)
    assert a.keys() == b.keys()
    for k in a:
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)


def test_resume_with_other_settings_is_refused(assets, loaded, tmp_path):
    out = tmp_path / "m.npz"

    def stop(k):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_inference(assets["video"], str(out), loaded.model, InferOptions(chunk_size=6), on_chunk=stop)
    with pytest.raises(WorkDirError, match=r"--batch-size: 16 \(this run: 2\)"):  # the option as typed
        run_inference(assets["video"], str(out), loaded.model, InferOptions(chunk_size=6, batch_size=2), resume=True)


def test_boxes_file_marks_frames_without_person_invalid(assets, loaded, tmp_path):
    # frame 2 has no box while frames 1 and 3 wait in the same batch: rows must still come out in frame order
    anns = [{"image_id": i, "bbox": [18 + i, 6, 22, 56], "score": 0.9} for i in range(24) if i not in (0, 2, 5, 6)]
    boxes = tmp_path / "boxes.json"
    boxes.write_text(json.dumps(anns))
    out = tmp_path / "m.npz"
    run_inference(assets["video"], str(out), loaded.model, InferOptions(batch_size=4, boxes=str(boxes)))
    m = read_motion(out)
    assert m.num_frames == 24
    np.testing.assert_array_equal(m.frame_index, np.arange(24))
    assert not m.valid[[0, 2, 5, 6]].any() and m.valid[[1, 3, 4, 7]].all()
    assert (m.confidence[[0, 2, 5, 6]] == 0).all()
    np.testing.assert_array_equal(m.poses[2], m.poses[1])
    # placeholders: nearest earlier valid frame (the first valid one for leading frames), never new values
    np.testing.assert_array_equal(m.poses[5], m.poses[4])
    np.testing.assert_array_equal(m.poses[6], m.poses[4])
    np.testing.assert_array_equal(m.poses[0], m.poses[1])


def test_overlay_video_written(assets, loaded, tmp_path):
    import cv2

    ov = tmp_path / "ov.mp4"
    run_inference(assets["video"], str(tmp_path / "m.npz"), loaded.model, InferOptions(batch_size=8),
                  overlay=str(ov))
    cap = cv2.VideoCapture(str(ov))
    frames = []
    while True:
        ok, f = cap.read()
        if not ok:
            break
        frames.append(f)
    assert len(frames) == 24 and frames[0].shape == (64, 96, 3)
    plain = cv2.VideoCapture(assets["video"]).read()[1]
    assert np.abs(frames[0].astype(int) - plain.astype(int)).max() > 40  # the mesh is drawn


def _cli(args, capsys):
    rc = main(["infer", "--no-fit", *args])
    return rc, capsys.readouterr()


def _leftovers(folder):
    return sorted(p.name for p in folder.iterdir())


def test_cli_json_progress_and_output(assets, tmp_path, capsys):
    out = tmp_path / "m.npz"
    rc, cap = _cli([assets["video"], "-o", str(out), "--checkpoint", assets["ckpt"], "--progress", "json",
                    "--batch-size", "8", "--smooth"], capsys)
    assert rc == 0, cap.err
    lines = cap.out.splitlines()
    prog = [json.loads(ln.split(" ", 1)[1]) for ln in lines if ln.startswith("HKMR_PROGRESS")]
    done = [json.loads(ln.split(" ", 1)[1]) for ln in lines if ln.startswith("HKMR_DONE")]
    assert prog[-1]["done"] == 24 and done == [{"output": str(out), "frames": 24, "valid": 24}]
    assert read_motion(out).num_frames == 24


def test_cli_threads_flag(assets, tmp_path, capsys):
    before = torch.get_num_threads()
    try:
        rc, cap = _cli([assets["video"], "-o", str(tmp_path / "m.npz"), "--checkpoint", assets["ckpt"],
                        "--progress", "none", "--threads", "1"], capsys)
        assert rc == 0, cap.err
        assert torch.get_num_threads() == 1 and read_motion(tmp_path / "m.npz").num_frames == 24
    finally:
        torch.set_num_threads(before)
    rc, cap = _cli([assets["video"], "-o", str(tmp_path / "n.npz"), "--checkpoint", assets["ckpt"],
                    "--threads", "0"], capsys)
    assert rc == 2 and "argument --threads: must be an integer from 1 to" in cap.err and "got '0'" in cap.err
    assert not (tmp_path / "n.npz").exists()


def test_cli_bf16_precision_runs_close_to_fp32(assets, tmp_path, capsys):
    """--precision bf16 on the CPU: backbone + head under bf16 autocast (channels_last), rotations and
    the body in fp32 — the poses stay close to the fp32 run's but are not bit-identical."""
    poses = {}
    for prec in ("fp32", "bf16"):
        out = tmp_path / f"{prec}.npz"
        rc, cap = _cli([assets["video"], "-o", str(out), "--checkpoint", assets["ckpt"], "--progress", "none",
                        "--precision", prec], capsys)
        assert rc == 0, cap.err
        poses[prec] = read_motion(out).poses
    diff = np.abs(poses["bf16"] - poses["fp32"])
    assert 0 < diff.max() and diff.mean() < 0.01


@pytest.mark.parametrize("case", ["missing", "zero_frames", "corrupt", "bad_image"])
def test_bad_inputs_clear_error_no_output(assets, tmp_path, capsys, case):
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    if case == "missing":
        src, expect = str(tmp_path / "nope.mp4"), "no such file"
    elif case == "zero_frames":
        src, expect = write_video(tmp_path / "empty.avi", 0, fourcc="MJPG"), "zero decodable frames"
    elif case == "corrupt":
        src = str(tmp_path / "corrupt.mp4")
        with open(assets["video"], "rb") as fh:
            data = fh.read()
        with open(src, "wb") as fh:
            fh.write(data[: len(data) // 2])  # truncated download: the index (moov) at the end is gone
        expect = "cannot open this video"
    else:
        src = write_images(tmp_path / "frames", 3)
        (tmp_path / "frames" / "frame_1.png").write_bytes(b"not a png")
        expect = "frame_1.png: cannot read this image"
    rc, cap = _cli([src, "-o", str(out_dir / "m.npz"), "--checkpoint", assets["ckpt"]], capsys)
    assert rc == 2
    assert expect in cap.err and (os.path.basename(src) in cap.err or case == "bad_image")
    assert _leftovers(out_dir) == []


@pytest.mark.parametrize("case", ["missing", "truncated", "trunk_only", "not_torch"])
def test_wrong_checkpoint_clear_error_no_output(assets, tmp_path, capsys, case):
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    ckpt = tmp_path / f"{case}.pt"
    if case == "truncated":
        ckpt.write_bytes(open(assets["ckpt"], "rb").read()[:100_000])
        expect = "truncated or corrupt"
    elif case == "trunk_only":
        ckpt = assets["trunk"]
        expect = "ResNet trunk weights only"
    elif case == "not_torch":
        ckpt.write_text("hello")
        expect = "cannot read checkpoint"
    else:
        expect = "not found"
    rc, cap = _cli([assets["video"], "-o", str(out_dir / "m.npz"), "--checkpoint", str(ckpt)], capsys)
    assert rc == 2 and expect in cap.err and os.path.basename(str(ckpt)) in cap.err
    assert _leftovers(out_dir) == []


def test_refine_fits_keypoints_better(assets, loaded, tmp_path):
    import torch

    from core.geometry.projection import weak_perspective_project
    from core.inference.boxes import to_smpl_keypoints
    from core.inference.cli import _load_refiner
    from core.inference.crops import image_to_crop
    from core.inference.workdir import WorkDir

    kp = np.zeros((17, 3))
    pts = {5: (50, 20), 6: (30, 20), 7: (55, 35), 8: (25, 35), 9: (58, 48), 10: (22, 48), 11: (46, 40),
           12: (34, 40), 13: (47, 50), 14: (33, 50), 15: (47, 60), 16: (33, 60)}
    for j, (x, y) in pts.items():
        kp[j] = [x, y, 2]
    boxes = tmp_path / "kp.json"
    boxes.write_text(json.dumps([{"image_id": i, "bbox": [20, 5, 40, 58], "keypoints": kp.ravel().tolist()}
                                 for i in range(3)]))
    video = write_video(tmp_path / "v.mp4", 3)
    errors = []
    for name, refiner in (("plain", None), ("refined", _load_refiner())):
        out = tmp_path / f"{name}.npz"
        run_inference(video, str(out), loaded.model, InferOptions(boxes=str(boxes), keep_work=True), refiner=refiner)
        r = WorkDir(work_dir_for(out), {}).path
        with np.load(r / "chunk_00000.npz") as c:
            joints = loaded.model.body(torch.as_tensor(c["rotmats"]), torch.as_tensor(c["betas"])).joints
            j2d = weak_perspective_project(joints, torch.as_tensor(c["cam"])).detach().numpy()
            target = to_smpl_keypoints(kp / [1, 1, 2], "coco")
            t2d = image_to_crop(np.repeat(target[None, :, :2], 3, 0), c["box"])
        seen = target[:, 2] > 0
        errors.append(np.linalg.norm(j2d[:, seen] - t2d[:, seen], axis=-1).mean())
    assert errors[1] < 0.5 * errors[0], errors


def test_synthetic_only_checkpoint_warns_once(assets, tmp_path, capsys):
    """--no-fit with a checkpoint whose training data were synthetic renders only: one clear warning, also
    as a machine-readable line for the Blender operator; a checkpoint without that record: none."""
    from core.model.checkpoint import load_checkpoint, save_checkpoint

    model, _ = load_checkpoint(assets["ckpt"])
    synth = tmp_path / "synth.pt"
    save_checkpoint(synth, model, meta={"experiment": {"data": {"datasets": [{"name": "synthetic"}]}}})
    rc, cap = _cli([assets["video"], "-o", str(tmp_path / "m.npz"), "--checkpoint", str(synth),
                    "--progress", "json"], capsys)
    assert rc == 0, cap.err
    assert cap.err.count("warning:") == 1 and "trained only on synthetic renders" in cap.err
    tagged = [ln for ln in cap.out.splitlines() if ln.startswith("HKMR_WARNING")]
    assert len(tagged) == 1 and "synthetic renders" in json.loads(tagged[0].split(" ", 1)[1])["message"]
    rc, cap = _cli([assets["video"], "-o", str(tmp_path / "n.npz"), "--checkpoint", assets["ckpt"],
                    "--progress", "none"], capsys)
    assert rc == 0 and "warning:" not in cap.err


def test_network_options_need_no_fit(assets, tmp_path, capsys):
    rc = main(["infer", assets["video"], "-o", str(tmp_path / "m.npz"), "--track", "--checkpoint", assets["ckpt"]])
    err = capsys.readouterr().err
    assert rc == 2 and "--track, --checkpoint belong(s) to the raw network path; add --no-fit" in err
    assert not (tmp_path / "m.npz").exists()
