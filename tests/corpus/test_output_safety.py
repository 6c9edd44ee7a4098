"""Corpus: output path safety (issue 19, item 1). Every output flag runs with files planted around it — the
input, unrelated files and folders, hidden files, a look-alike of its temporaries — and every one of them must
be intact afterwards, whether the run succeeds or is refused. The overlay's data-loss repro is the first case."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from core.inference.overlay import OVERLAY_MARKER

from .conftest import check_refused, listing, run


def _plant(folder: Path) -> dict[str, bytes]:
    """Files a user may have around an output: returned as {relative path: bytes} to compare afterwards."""
    planted = {"notes.txt": b"my notes", ".hidden": b"hidden", "sub/keep.txt": b"keep me", "sub/deep/x.png": b"png",
               ".m.npz.notes": b"looks like a temporary, is not", "motion.npz.bak": b"backup"}
    for rel, data in planted.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_bytes(data)
    return planted


def _intact(folder: Path, planted: dict[str, bytes]) -> None:
    for rel, data in planted.items():
        assert (folder / rel).is_file() and (folder / rel).read_bytes() == data, f"{rel} was changed or removed"


@pytest.fixture
def proj(tmp_path, assets):
    """proj/ with the input clip and planted files."""
    d = tmp_path / "proj"
    d.mkdir()
    shutil.copy(assets["video"], d / "clip.mp4")
    return d


NET = ["--no-fit", "--checkpoint", "{ckpt}", "--body", "{body}", "--progress", "none"]


def _argv(argv, assets):
    return [str(a).format(ckpt=assets["ckpt"], body=assets["body"]) for a in argv]


def test_overlay_dot_in_the_input_folder_deletes_nothing(proj, capsys, monkeypatch):
    """The issue's repro: ``cd DIR && hkmr infer clip.mp4 -o motion.npz --overlay .`` deleted DIR's contents."""
    planted = _plant(proj)
    before = listing(proj)
    monkeypatch.chdir(proj)
    rc, _, err = run(["infer", "clip.mp4", "-o", "motion.npz", "--overlay", "."], capsys)
    check_refused(rc, err, proj, before, names=["--overlay", "clip.mp4"])
    _intact(proj, planted)


def test_overlay_folder_holding_the_input_and_output_is_refused(proj, capsys):
    """The issue's second repro: ``--overlay proj/`` used to exit 0 leaving only PNGs in proj/."""
    planted = _plant(proj)
    before = listing(proj.parent)
    rc, _, err = run(["infer", proj / "clip.mp4", "-o", proj / "motion.npz", "--overlay", f"{proj}/"], capsys)
    check_refused(rc, err, proj.parent, before, names=["--overlay", "holds"])
    _intact(proj, planted)


# (id, overlay folder relative to proj/, what the message says)
OVERLAY_REFUSALS = [
    ("overlay-is-an-unrelated-folder", "sub", "never emptied"),
    ("overlay-is-a-parent-of-the-input", "..", "holds"),
    ("overlay-is-a-planted-file", "notes.txt", "give a video file"),
    ("overlay-folder-is-a-file", "notes_dir", "this is a file"),
    ("overlay-is-the-work-folder-parent", ".", "holds"),
    ("overlay-holds-only-the-output", "out", "holds"),
]


@pytest.mark.parametrize("rel,said", [c[1:] for c in OVERLAY_REFUSALS], ids=[c[0] for c in OVERLAY_REFUSALS])
def test_overlay_folder_that_is_not_new_is_refused(rel, said, proj, assets, capsys):
    planted = _plant(proj)
    (proj / "notes_dir").write_bytes(b"a file named like a folder")
    planted["notes_dir"] = b"a file named like a folder"
    (proj / "out").mkdir()
    before = listing(proj.parent)
    output = proj / ("out/m.npz" if rel == "out" else "m.npz")
    rc, _, err = run(_argv(["infer", proj / "clip.mp4", "-o", output, "--overlay", proj / rel, *NET], assets), capsys)
    check_refused(rc, err, proj.parent, before, names=["--overlay", said])
    _intact(proj, planted)


def test_overlay_folder_is_created_new_and_replaces_only_a_previous_overlay(proj, assets, capsys):
    """A run writes motion + PNG overlay beside planted files; a second run replaces its own overlay folder;
    once the user adds a file to it, the folder is no longer ours and is refused, the file kept."""
    planted = _plant(proj)
    argv = _argv(["infer", proj / "clip.mp4", "-o", proj / "m.npz", "--overlay", proj / "ov", *NET], assets)
    assert run(argv, capsys)[0] == 0
    pngs = sorted(p.name for p in (proj / "ov").iterdir())
    assert pngs[0] == OVERLAY_MARKER and pngs[1:] == [f"{i:06d}.png" for i in range(24)]
    _intact(proj, planted)
    assert run(argv, capsys)[0] == 0                         # our previous overlay: replaced
    assert sorted(p.name for p in (proj / "ov").iterdir()) == pngs
    assert sorted(p.name for p in proj.iterdir() if p.name.startswith(".ov")) == []   # no temporary left
    (proj / "ov" / "mine.txt").write_bytes(b"the user's")
    before = listing(proj)
    rc, _, err = run(argv, capsys)
    check_refused(rc, err, proj, before, names=["--overlay", "mine.txt"])
    _intact(proj, {**planted, "ov/mine.txt": b"the user's"})


def test_overlay_into_an_empty_existing_folder(proj, assets, capsys):
    (proj / "empty").mkdir()
    planted = _plant(proj)
    assert run(_argv(["infer", proj / "clip.mp4", "-o", proj / "m.npz", "--overlay", proj / "empty", *NET],
                     assets), capsys)[0] == 0
    assert len(list((proj / "empty").glob("*.png"))) == 24
    _intact(proj, planted)


def test_overlay_video_and_motion_output_keep_planted_files(proj, assets, capsys):
    planted = _plant(proj)
    assert run(_argv(["infer", proj / "clip.mp4", "-o", proj / "m.npz", "--overlay", proj / "ov.mp4", *NET],
                     assets), capsys)[0] == 0
    assert (proj / "m.npz").stat().st_size > 0 and (proj / "ov.mp4").stat().st_size > 0
    _intact(proj, planted)
    assert sorted(p.name for p in proj.iterdir()) == sorted(
        {"clip.mp4", "m.npz", "ov.mp4", *(Path(r).parts[0] for r in planted)})   # nothing else, no temporaries


# (id, -o relative to tmp/, input relative to tmp/, what the message says)
INFER_OUTPUT_REFUSALS = [
    ("output-inside-the-image-folder-input", "frames/m.npz", "frames", "inside the input folder"),
    ("output-matched-by-the-glob-input", "frames/m.npz", "frames/*", "the input pattern"),
    ("output-folder-matched-by-the-glob", "frames/sub/m.npz", "frames/*", "the input pattern"),
    ("output-is-a-planted-folder", "proj/sub", "proj/clip.mp4", "must end with"),
    ("output-named-npz-is-a-folder", "proj/dir.npz", "proj/clip.mp4", "this is a folder"),
    ("batch-output-is-the-input-folder", "videos", "videos", "also an input"),
    ("batch-output-inside-the-input-folder", "videos/out", "videos", "inside the input folder"),
]


@pytest.mark.parametrize("out,inp,said", [c[1:] for c in INFER_OUTPUT_REFUSALS],
                         ids=[c[0] for c in INFER_OUTPUT_REFUSALS])
def test_infer_output_that_is_or_lies_inside_an_input_is_refused(out, inp, said, proj, assets, capsys):
    from tests.core.inference.conftest import write_images, write_video

    write_images(proj.parent / "frames", 3)
    (proj.parent / "videos").mkdir()
    write_video(proj.parent / "videos" / "a.mp4", 3)
    (proj / "dir.npz").mkdir()
    planted = _plant(proj)
    before = listing(proj.parent)
    rc, _, err = run(_argv(["infer", proj.parent / inp, "-o", proj.parent / out, *NET], assets), capsys)
    check_refused(rc, err, proj.parent, before, names=["-o/--output", said])
    _intact(proj, planted)


def test_convert_keeps_planted_files_and_refuses_unsafe_outputs(motion_file, capsys):
    folder = motion_file.parent
    planted = _plant(folder)
    rc, _, err = run(["convert", motion_file, folder / "walk.smpl"], capsys)
    assert rc == 0, err
    _intact(folder, planted)
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        {"body.npz", "walk.npz", "walk.smpl", *(Path(r).parts[0] for r in planted)})
    for out, said in ((motion_file, "also an input"), (folder / "sub", "must end with"),
                      (folder / "motion.npz.bak", "must end with")):
        before = listing(folder)
        rc, _, err = run(["convert", motion_file, out], capsys)
        check_refused(rc, err, folder, before, names=[said])
    _intact(folder, planted)


def test_new_folder_check_refuses_home_and_root_and_names_what_is_there(tmp_path):
    from hkmr_blender.base.outputs import check_new_folder

    with pytest.raises(ValueError, match="never emptied"):
        check_new_folder("/", [], "--overlay")
    (tmp_path / "a").mkdir()
    for i in range(5):
        (tmp_path / "a" / f"f{i}").write_bytes(b"")
    with pytest.raises(ValueError, match=r"f0, f1, f2 and 2 more"):
        check_new_folder(tmp_path / "a", [], "--overlay")
    assert check_new_folder(tmp_path / "new", [tmp_path / "elsewhere.mp4"], "--overlay") == tmp_path / "new"


def test_a_batch_whose_every_input_fails_leaves_no_folder_behind(proj, assets, capsys):
    """``hkmr infer list.txt -o out`` with a list naming a missing video: refused naming it, and the output folder
    the run made for the batch is gone again (before, an empty ``out`` stayed: Blender's Motion from Video, given a
    .txt, left ``notes.motion.npz/`` beside it)."""
    (proj / "list.txt").write_text("gone.mp4\n")
    before = listing(proj)
    rc, _, err = run(["infer", proj / "list.txt", "-o", proj / "out.npz", *_argv(NET, assets)], capsys)
    check_refused(rc, err, proj, before, names=["gone.mp4"])
    (proj / "list.txt").write_text("gone.mp4\nclip.mp4\n")      # one good input: the folder stays, with its file
    rc, _, err = run(["infer", proj / "list.txt", "-o", proj / "out", *_argv(NET, assets)], capsys)
    assert rc == 1 and "gone.mp4" in err and (proj / "out" / "clip.npz").is_file()
