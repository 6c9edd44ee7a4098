"""The Blender side of "Motion from video": the bpy-free subprocess job, and the operator in bpy."""
from __future__ import annotations

import os
import sys
import time

import pytest

from hkmr_blender.video.job import VideoJob, VideoJobConfig, VideoJobError, build_command, default_output, parse_line

from .conftest import write_video

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def _cfg(assets, tmp_path, **kw) -> VideoJobConfig:
    base = dict(python=sys.executable, input=assets["video"], output=str(tmp_path / "m.npz"), method="network",
                checkpoint=assets["ckpt"], pythonpath=REPO, device="cpu")
    return VideoJobConfig(**{**base, **kw})


def test_command_and_line_parsing():
    cfg = VideoJobConfig(python="py", input="a.mp4", output="a.npz", method="network", person="boxes",
                         boxes="b.json", smooth=True)
    cmd = build_command(cfg)
    assert cmd[:7] == ["py", "-m", "core.cli", "infer", "a.mp4", "-o", "a.npz"]
    assert "--no-fit" in cmd and "--boxes" in cmd and "b.json" in cmd and "--smooth" in cmd and "--resume-if-same" in cmd
    assert cmd[cmd.index("--progress") + 1] == "json"
    assert "--track" in build_command(VideoJobConfig(python="py", input="a", output="b", method="network",
                                                     person="track"))
    with pytest.raises(VideoJobError, match="no boxes file"):
        build_command(VideoJobConfig(python="py", input="a", output="b", method="network", person="boxes"))
    # the default is hkmr infer's default: detector + fit, network options left out
    fit = build_command(VideoJobConfig(python="py", input="a", output="b", checkpoint="c.pt", person_box="1,2,3,4"))
    assert "--no-fit" not in fit and "--checkpoint" not in fit and fit[fit.index("--person") + 1] == "1,2,3,4"
    assert parse_line('HKMR_WARNING {"message": "careful"}') == ("warning", {"message": "careful"})
    assert parse_line('HKMR_PROGRESS {"done": 3, "total": 9, "fps": 1.5}') == ("progress", {"done": 3, "total": 9, "fps": 1.5})
    assert parse_line("HKMR_DONE {\"output\": \"x\"}") == ("done", {"output": "x"})
    assert parse_line("some tqdm noise") is None and parse_line("HKMR_PROGRESS {broken") is None
    assert parse_line('HKMR_WARNING {"message": "m"}') == ("warning", {"message": "m"})
    assert parse_line("HKMR_DONE [1, 2]") is None  # payloads are objects
    assert default_output("/v/clip.mp4") == "/v/clip.motion.npz"


def test_person_height_goes_to_hkmr_infer_as_the_cli_option():
    """The add-on's "Person's height" becomes ``hkmr infer --height`` (the fit's option; 0 = unknown, left out), is
    checked against the option's own bounds before anything starts, and belongs to the detector + fit."""
    cmd = build_command(VideoJobConfig(python="py", input="a.mp4", output="a.npz", height=1.83))
    assert cmd[cmd.index("--height") + 1] == "1.83"
    assert "--height" not in build_command(VideoJobConfig(python="py", input="a.mp4", output="a.npz"))
    assert "--height" not in build_command(VideoJobConfig(python="py", input="a", output="b", method="network",
                                                          height=1.83))
    assert "--no-mirror" not in cmd                                # two looks per frame: hkmr infer's default
    one = build_command(VideoJobConfig(python="py", input="a.mp4", output="a.npz", mirror=False))
    assert "--no-mirror" in one and "--no-mirror" not in build_command(
        VideoJobConfig(python="py", input="a", output="b", method="network", mirror=False))
    for bad in (175.0, 0.3, -1.0, float("nan")):
        with pytest.raises(VideoJobError, match=r"Person's height .*: the person's height in metres, between 0.5 and "
                                                r"2.5 \(e.g. 1.75\), or 0 if unknown"):
            build_command(VideoJobConfig(python="py", input="a.mp4", output="a.npz", height=bad))


def test_progress_follows_detection_while_a_long_video_is_fitted_beside_it():
    """hkmr infer on a long video reports the fit's progress while detection still runs (core.pipeline.stream): the
    bar stays on detection until it has finished, then follows the fit, never jumping between the two."""
    job = VideoJob(VideoJobConfig(python="py", input="a.mp4", output="a.npz"))
    lines = [("detect", 256, 1800), ("fit", 300, 1800), ("detect", 512, 1800)]
    for stage, done, total in lines:
        job._lines.put(f'HKMR_PROGRESS {{"stage": "{stage}", "done": {done}, "total": {total}, "fps": 30.0}}')
    st = job.poll()
    assert (st.stage, st.done) == ("detect", 512) and abs(st.fraction - 512 / 1800) < 1e-9
    for stage, done in (("detect", 1800), ("fit", 1200)):
        job._lines.put(f'HKMR_PROGRESS {{"stage": "{stage}", "done": {done}, "total": 1800, "fps": 0.0}}')
    st = job.poll()
    assert (st.stage, st.done) == ("fit", 1200) and abs(st.fraction - 2 / 3) < 1e-9


def test_missing_interpreter_is_reported(tmp_path):
    cfg = VideoJobConfig(python=str(tmp_path / "no-python"), input="a.mp4", output="a.npz")
    with pytest.raises(VideoJobError, match="not found or not executable.*preferences"):
        VideoJob(cfg).start()
    with pytest.raises(VideoJobError, match="no Python interpreter set"):
        VideoJob(VideoJobConfig(python="", input="a", output="b")).start()


@pytest.mark.slow
def test_job_runs_hkmr_infer_and_reports_progress(assets, tmp_path):
    from core.model.checkpoint import load_checkpoint, save_checkpoint

    synth = tmp_path / "synth.pt"  # records synthetic-only training data: hkmr infer --no-fit warns
    save_checkpoint(synth, load_checkpoint(assets["ckpt"])[0],
                    meta={"experiment": {"data": {"datasets": [{"name": "synthetic"}]}}})
    job = VideoJob(_cfg(assets, tmp_path, checkpoint=str(synth), extra_args=["--batch-size", "4"])).start()
    seen = []
    while not job.poll().finished:
        seen.append(job.status.done)
        time.sleep(0.05)
    st = job.status
    assert st.returncode == 0, st.error
    assert st.output == str(tmp_path / "m.npz") and os.path.isfile(st.output)
    assert st.fraction == 1.0 and st.done == 24 and st.fps > 0
    assert len(st.warnings) == 1 and "trained only on synthetic renders" in st.warnings[0]


@pytest.mark.slow
def test_failing_run_reports_its_error_text(assets, tmp_path):
    st = VideoJob(_cfg(assets, tmp_path, input=str(tmp_path / "missing.mp4"))).start().wait(120)
    assert st.finished and st.returncode == 2
    assert "missing.mp4: no such file" in st.error
    bad = tmp_path / "bad.pt"
    bad.write_text("x")
    st = VideoJob(_cfg(assets, tmp_path, checkpoint=str(bad))).start().wait(120)
    assert st.returncode == 2 and "bad.pt" in st.error and "cannot read checkpoint" in st.error


@pytest.mark.slow
def test_cancel_then_resume(assets, tmp_path):
    video = write_video(tmp_path / "long.mp4", 160)
    cfg = _cfg(assets, tmp_path, input=video, extra_args=["--batch-size", "4", "--chunk-size", "8"])
    job = VideoJob(cfg).start()
    while job.poll().done < 16 and not job.status.finished:
        time.sleep(0.05)
    job.cancel()
    st = job.poll()
    assert st.finished and job.cancelled and st.returncode == 130 and "cancelled" in st.error
    assert not os.path.exists(cfg.output) and os.path.isdir(tmp_path / ".m.npz.hkmr-work")
    st = VideoJob(cfg).start().wait(300)
    assert st.returncode == 0, st.error
    assert os.path.isfile(cfg.output)


@pytest.mark.blender
@pytest.mark.slow
def test_operator_runs_job_and_imports(assets, tmp_path, bpy_module, monkeypatch):
    bpy = bpy_module
    import hkmr_blender

    hkmr_blender.register()  # registers the video operator with the rest of the add-on
    try:
        op = bpy.ops.hkmr.motion_from_video
        with pytest.raises(RuntimeError, match="not found or not executable"):
            op(filepath=assets["video"], python_path=str(tmp_path / "nope"))
        with pytest.raises(RuntimeError, match="hkmr infer failed: .*cannot read checkpoint"):
            (tmp_path / "bad.pt").write_text("x")
            op(filepath=assets["video"], python_path=sys.executable, method="network",
               checkpoint=str(tmp_path / "bad.pt"))
        monkeypatch.setenv("PYTHONPATH", REPO + os.pathsep + os.environ.get("PYTHONPATH", ""))
        monkeypatch.setenv("HKMR_CHECKPOINT", assets["ckpt"])  # the default checkpoint for the subprocess
        before = {o.name for o in bpy.data.objects}
        out = str(tmp_path / "clip.npz")
        assert op(filepath=assets["video"], output=out, python_path=sys.executable, method="network") == {"FINISHED"}
        assert os.path.isfile(out)
        new = [o for o in bpy.data.objects if o.name not in before]
        assert any(o.type == "ARMATURE" for o in new)
    finally:
        hkmr_blender.unregister()


@pytest.mark.slow
def test_empty_scene_and_few_person_frames_reach_blender(tmp_path):
    """Motion from Video on a real empty scene reports hkmr infer's "no person" error; on a clip the person walks
    out of, the "seen in only k of N frames" warning (the operator reports both, see operators.py)."""
    from tests.corpus.conftest import walk_frames, write_clip

    scene = os.path.join(REPO, "tests", "data", "scenes", "towers.mp4")
    st = VideoJob(VideoJobConfig(python=sys.executable, input=scene, output=str(tmp_path / "e.npz"),
                                 pythonpath=REPO)).start().wait(300)
    assert st.returncode == 2 and "no person" in st.error, st.error
    assert not os.path.exists(tmp_path / "e.npz")
    leaving = write_clip(tmp_path / "leaving.mp4", walk_frames(28, 50, rows=(210, 480), cols=(560, 854)))
    st = VideoJob(VideoJobConfig(python=sys.executable, input=leaving, output=str(tmp_path / "l.npz"),
                                 pythonpath=REPO)).start().wait(300)
    assert st.returncode == 0, st.error
    assert any("a person was seen in only" in w and "of 50 frames" in w for w in st.warnings), st.warnings


@pytest.mark.slow
def test_a_setting_changed_after_cancel_starts_over_instead_of_failing(tmp_path):
    """Esc keeps the finished chunks and says "run it again to resume"; an animator who then turns "Two looks per
    frame" off (to go faster) gets a motion file made with the new setting and a warning that the interrupted work
    was started over — not "hkmr infer failed: … run again without --resume", an option the add-on has no control
    for. The same settings still resume (the CLI's own --resume stays strict: tests/core/detect/test_mirror.py)."""
    import cv2

    from core.assets import REAL_DEMO_CLIP
    from core.inference.sources import open_source
    from core.inference.workdir import work_dir_for

    frames = tmp_path / "frames"
    frames.mkdir()
    for i, img in list(open_source(str(REAL_DEMO_CLIP)).frames())[50:53]:
        cv2.imwrite(str(frames / f"{i:04d}.png"), cv2.cvtColor(img, cv2.COLOR_RGB2BGR))
    out = tmp_path / "walk.motion.npz"
    cfg = VideoJobConfig(python=sys.executable, input=str(frames), output=str(out), pythonpath=REPO, device="cpu",
                         extra_args=["--keep-work"])                  # the work folder an Esc would leave
    st = VideoJob(cfg).start().wait(300)
    assert st.returncode == 0 and not st.warnings, st.error
    first = (work_dir_for(out) / "manifest.json").read_text()
    out.unlink()
    st = VideoJob(VideoJobConfig(**{**cfg.__dict__, "mirror": False})).start().wait(300)
    assert st.returncode == 0 and not st.error and out.is_file(), st.error
    assert any("the interrupted run used other settings — --mirror: on (this run: off); started over" in w
               for w in st.warnings), st.warnings
    assert '"detector_mirror": false' in (work_dir_for(out) / "manifest.json").read_text() != first
