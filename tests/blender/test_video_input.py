"""Motion from Video given something that is not a video — a text file, a motion file, a folder without frames, no
file at all — says what it got and what to do instead before anything runs, and writes nothing. Before, a ``.txt``
went to ``hkmr infer`` as a list of videos: the error named the text's first line and an empty folder
``notes.motion.npz`` was left beside it; a motion ``.npz`` came back as "OpenCV cannot open this video"; an empty
path as ": video not found"."""
from __future__ import annotations

import os
import shutil
import sys

import pytest

from hkmr_blender.base.inputs import VIDEO_EXTS
from hkmr_blender.video.job import VIDEO_FILTER, video_problem
from tests.blender.test_video_height import ROOT, video_op  # noqa: F401  (the operator, registered from this checkout)

pytestmark = pytest.mark.blender


def test_what_counts_as_a_video(tmp_path):
    (tmp_path / "clip.MOV").write_bytes(b"\0")                   # phones write upper-case extensions
    (tmp_path / "frames").mkdir()
    (tmp_path / "frames" / "0001.PNG").write_bytes(b"\0")
    (tmp_path / "empty").mkdir()
    assert video_problem(str(tmp_path / "clip.MOV")) is None
    assert video_problem(str(tmp_path / "frames")) is None and video_problem(str(tmp_path / "frames") + "/") is None
    assert "a folder without image frames" in video_problem(str(tmp_path / "empty"))
    assert "file not found" in video_problem(str(tmp_path / "gone.mp4"))
    assert VIDEO_FILTER.split(";") == [f"*{e}" for e in VIDEO_EXTS]    # the file browser shows what hkmr infer reads


@pytest.mark.parametrize("name, expected", [
    ("notes.txt", r"notes\.txt: not a video \(\.txt\); Motion from Video takes a video file \(\.mp4, \.mov"),
    ("walk.npz", r"walk\.npz: a motion file, not a video; import it with Import Motion… \(HKMR sidebar\)"),
    ("my clips/wälk ü.smpl", r"wälk ü\.smpl: a motion file, not a video"),
    ("empty folder", r"empty folder: a folder without image frames"),
    ("", r"no video chosen: pick a video file \(\.mp4"),
])
def test_wrong_inputs_are_refused_naming_the_file_and_the_fix(video_op, tmp_path, name, expected):  # noqa: F811
    target = tmp_path / name if name else None
    if name.endswith((".txt", ".npz", ".smpl")):
        target.parent.mkdir(exist_ok=True)
        if name.endswith(".npz"):
            shutil.copy(os.path.join(ROOT, "core", "assets", "walk.mp4"), target)   # any bytes: never opened
        else:
            target.write_text(os.path.join(ROOT, "core", "assets", "walk.mp4") + "\n")
    elif name:
        target.mkdir()
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    with pytest.raises(RuntimeError, match=expected):
        video_op(filepath=str(target) if target else "", python_path=sys.executable, import_result=False)
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before
