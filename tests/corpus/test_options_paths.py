"""Corpus: numeric options (NaN-proof, refused while parsing) and output paths (never an input, right
suffix). Nothing may be read or written before the refusal."""
from __future__ import annotations

import os

import pytest

from .conftest import check_refused, listing, run

# (id, argv after the command's required arguments are filled in, option named in the message)
INFER = ["infer", "{video}", "-o", "{out}/m.npz"]
OPTION_CASES = [
    ("infer-fps-nan", INFER + ["--fps", "nan"], "--fps"),
    ("infer-fps-negative", INFER + ["--fps", "-5"], "--fps"),
    ("infer-fps-inf", INFER + ["--fps", "inf"], "--fps"),
    ("infer-focal-nan", INFER + ["--focal-length", "nan"], "--focal-length"),
    ("infer-focal-zero", INFER + ["--focal-length", "0"], "--focal-length"),
    ("infer-smooth-min-cutoff-nan", INFER + ["--smooth", "--smooth-min-cutoff", "nan"], "--smooth-min-cutoff"),
    ("infer-smooth-beta-negative", INFER + ["--smooth-beta", "-1"], "--smooth-beta"),
    ("infer-smooth-d-cutoff-zero", INFER + ["--smooth-d-cutoff", "0"], "--smooth-d-cutoff"),
    ("infer-batch-size-zero", INFER + ["--batch-size", "0"], "--batch-size"),
    ("infer-batch-size-float", INFER + ["--batch-size", "2.5"], "--batch-size"),
    ("infer-chunk-size-negative", INFER + ["--chunk-size", "-3"], "--chunk-size"),
    ("infer-threads-zero", INFER + ["--threads", "0"], "--threads"),
    ("infer-min-confidence-above-1", INFER + ["--min-confidence", "1.5"], "--min-confidence"),
    ("infer-min-confidence-nan", INFER + ["--min-confidence", "nan"], "--min-confidence"),
    # second probe (issue 19)
    ("infer-threads-99999", INFER + ["--threads", "99999"], "--threads"),   # torch segfaulted (SIGSEGV)
    ("infer-height-nan", INFER + ["--height", "nan"], "--height"),
    ("infer-height-zero", INFER + ["--height", "0"], "--height"),
    ("infer-chunk-size-1e3", INFER + ["--chunk-size", "1e3"], "--chunk-size"),
    ("infer-fps-1e400", INFER + ["--fps", "1e400"], "--fps"),
    ("infer-fps-zero", INFER + ["--fps", "0"], "--fps"),
    ("infer-fps-1e9", INFER + ["--fps", "1e9"], "--fps"),                  # Blender clamps to 32767 silently
    ("export-fps-100000", ["export", "{motion}", "-o", "{out}/fbx", "--fps", "100000"], "--fps"),
    ("infer-min-confidence-negative", INFER + ["--min-confidence", "-0.1"], "--min-confidence"),
    ("infer-focal-inf", INFER + ["--focal-length", "inf"], "--focal-length"),
    ("export-fps-negative", ["export", "{motion}", "-o", "{out}/fbx", "--fps", "-24"], "--fps"),
    ("export-fps-nan", ["export", "{motion}", "-o", "{out}/fbx", "--fps", "nan"], "--fps"),
    ("prior-steps-negative", ["prior", "--steps", "-1", "--out", "{out}/vae.pt"], "--steps"),
    ("prior-num-zero", ["prior", "--num", "0", "--out", "{out}/vae.pt"], "--num"),
    ("demo-frames-zero", ["demo", "--frames", "0", "--out", "{out}/demo"], "--frames"),
    ("demo-seed-negative", ["demo", "--seed", "-1", "--out", "{out}/demo"], "--seed"),
]


@pytest.mark.parametrize("argv,option", [c[1:] for c in OPTION_CASES], ids=[c[0] for c in OPTION_CASES])
def test_bad_numeric_option_is_refused_while_parsing(argv, option, tmp_path, capsys):
    video = tmp_path / "clip.mp4"
    video.write_bytes(b"not parsed: the option fails first")
    before = listing(tmp_path)
    fill = {"video": video, "out": tmp_path, "motion": tmp_path / "m.npz"}
    rc, _, err = run([a.format(**fill) for a in argv], capsys)
    check_refused(rc, err, tmp_path, before, names=[f"argument {option}"])


# (id, argv, what the message names); {video} and {motion} are real inputs
PATH_CASES = [
    ("infer-output-is-the-video", ["infer", "{video}", "-o", "{video}"], "{video}"),
    ("infer-output-is-the-video-via-dots", ["infer", "{video}", "-o", "{dir}/../{dirname}/clip.mp4"], "this is also an input"),
    ("infer-output-wrong-suffix", ["infer", "{video}", "-o", "{dir}/motion.mp4"], "must end with .npz or .smpl"),
    ("infer-output-is-a-folder", ["infer", "{video}", "-o", "{dir}/sub.npz"], "this is a folder"),
    ("infer-overlay-is-the-video", ["infer", "{video}", "-o", "{dir}/m.npz", "--overlay", "{video}"], "--overlay"),
    ("infer-overlay-is-the-output", ["infer", "{video}", "-o", "{dir}/m.npz", "--overlay", "{dir}/m.npz"], "--overlay"),
    ("infer-overlay-not-a-video", ["infer", "{video}", "-o", "{dir}/m.npz", "--overlay", "{dir}/o.gif"], "--overlay"),
    ("infer-output-is-the-checkpoint", ["infer", "{video}", "-o", "{ckpt}", "--checkpoint", "{ckpt}"], "also an input"),
    ("convert-onto-itself", ["convert", "{motion}", "{motion}"], "also an input"),
    ("convert-wrong-suffix", ["convert", "{motion}", "{dir}/m.txt"], "must end with .npz or .smpl"),
    ("body-write-motion-wrong-suffix", ["body", "--write-motion", "{dir}/walk.mp4"], "--write-motion"),
    ("prior-out-is-the-poses", ["prior", "--poses", "{motion}", "--out", "{motion}"], "--out"),
]


@pytest.mark.parametrize("argv,named", [c[1:] for c in PATH_CASES], ids=[c[0] for c in PATH_CASES])
def test_output_path_that_would_destroy_an_input_is_refused(argv, named, tmp_path, capsys):
    (tmp_path / "sub.npz").mkdir()
    video, motion, ckpt = tmp_path / "clip.mp4", tmp_path / "m.npz", tmp_path / "model.pt"
    for f in (video, motion, ckpt):
        f.write_bytes(b"an input that must survive")
    before = listing(tmp_path)
    fill = {"video": video, "motion": motion, "ckpt": ckpt, "dir": tmp_path, "dirname": tmp_path.name}
    rc, _, err = run([a.format(**fill) for a in argv], capsys)
    check_refused(rc, err, tmp_path, before, names=[named.format(**fill)])


# third probe (issue 19): a legal output name of 240–251 characters (NAME_MAX is 255) failed with "File name too
# long" on the run's own hidden companions (the temporary `.NAME.XXXXXXXX.npz`, the work folder `.NAME.hkmr-work`)
@pytest.mark.parametrize("length", [240, 251], ids=["name-240", "name-251"])
def test_long_but_legal_output_name_converts(length, motion_file, tmp_path, capsys):
    out = tmp_path / ("m" * (length - 4) + ".npz")
    rc, _, err = run(["convert", motion_file, out], capsys)
    assert rc == 0, err
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["inputs", out.name])   # no temporary left


def test_long_but_legal_output_name_infers(assets, tmp_path, capsys):
    from core.motion import read_motion
    from tests.core.inference.conftest import write_video

    video = write_video(tmp_path / "clip.mp4", 8)
    out = tmp_path / ("w" * 247 + ".npz")
    rc, _, err = run(["infer", video, "-o", out, "--no-fit", "--checkpoint", assets["ckpt"], "--progress", "none",
                      "--chunk-size", "4", "--min-confidence", "0"], capsys)
    assert rc == 0, err
    assert read_motion(out).num_frames == 8
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["clip.mp4", out.name])   # work folder gone too


def test_output_name_past_the_limit_is_refused_naming_it(motion_file, tmp_path, capsys):
    out = tmp_path / ("x" * 300 + ".npz")
    before = listing(tmp_path)
    rc, _, err = run(["convert", motion_file, out], capsys)
    check_refused(rc, err, tmp_path, before, names=["File name too long", "x" * 300])


# third probe (issue 19): an output name where a named pipe or a folder stands. The pipe was silently replaced by a
# file (a user's FIFO deleted; as root, `-o` onto a device node would replace the device), a folder raised
# "[Errno 21] Is a directory" naming the hidden temporary
SPECIAL_OUTPUT_CASES = [
    ("convert-onto-a-fifo", ["convert", "{motion}", "{dir}/fifo.npz"], "fifo.npz"),
    ("body-write-motion-onto-a-fifo", ["body", "--write-motion", "{dir}/fifo.npz"], "--write-motion"),
    ("infer-overlay-onto-a-fifo", ["infer", "{video}", "-o", "{dir}/m2.npz", "--overlay", "{dir}/fifo.mp4"],
     "--overlay"),
]


@pytest.mark.parametrize("argv,named", [c[1:] for c in SPECIAL_OUTPUT_CASES], ids=[c[0] for c in SPECIAL_OUTPUT_CASES])
def test_output_onto_a_named_pipe_is_refused_and_the_pipe_kept(argv, named, tmp_path, capsys):
    video, motion = tmp_path / "clip.mp4", tmp_path / "m.npz"
    for f in (video, motion):
        f.write_bytes(b"an input that must survive")
    os.mkfifo(tmp_path / "fifo.npz")
    os.mkfifo(tmp_path / "fifo.mp4")
    before = listing(tmp_path)
    fill = {"video": video, "motion": motion, "dir": tmp_path}
    rc, _, err = run([a.format(**fill) for a in argv], capsys)
    check_refused(rc, err, tmp_path, before, names=[named, "named pipe", "left alone"])
    assert (tmp_path / "fifo.npz").is_fifo() and (tmp_path / "fifo.mp4").is_fifo()


@pytest.mark.parametrize("make,says", [(lambda p: p.mkdir(), "is a folder"), (lambda p: os.mkfifo(p), "named pipe")],
                         ids=["save-preset-onto-a-folder", "save-preset-onto-a-fifo"])
def test_save_mapping_preset_onto_what_is_not_a_file_is_refused(make, says, tmp_path):
    from hkmr_blender.retarget import mapping as mp

    path = tmp_path / "mine.json"
    make(path)
    m = mp.auto_map(["Hips", "Spine"], [-1, 0])
    with pytest.raises(OSError) as exc:
        mp.save_preset(path, m)
    assert str(path) in str(exc.value) and says in str(exc.value) and ".mine.json." not in str(exc.value)
    assert [p.name for p in tmp_path.iterdir()] == ["mine.json"] and not path.is_file()
