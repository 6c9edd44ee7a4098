"""Corpus: videos, images and person boxes. Bad media and boxes are refused before any work (named,
no traceback, nothing written); garbage that cannot be refused up front is never marked valid."""
from __future__ import annotations

import json
import os
import struct
import zlib

import cv2
import numpy as np
import pytest

from core.motion import read_motion
from tests.core.inference.conftest import draw_frame

from .conftest import check_refused, listing, run


def _png_header(path, w, h):
    """A PNG whose header claims w×h pixels (the pixel data is a few bytes)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b""))


def _image(path, w=96, h=64):
    cv2.imwrite(str(path), cv2.resize(draw_frame(0), (w, h)))


def _truncated(path, keep=1 / 3):
    _image(path)
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])


def _folder(path, sizes):
    path.mkdir()
    for i, (w, h) in enumerate(sizes):
        _image(path / f"f{i}.png", w, h)


def _video(path, w, h, n=4):
    vw = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 25, (w, h))
    for i in range(n):
        vw.write(cv2.resize(draw_frame(i), (w, h)))
    vw.release()


# (id, make(path), input name, what the message says)
MEDIA_CASES = [
    ("missing-video", None, "clip.mp4", "no such file"),
    ("empty-video", lambda p: p.write_bytes(b""), "clip.mp4", "cannot open this video"),
    ("random-bytes-video", lambda p: p.write_bytes(np.random.default_rng(0).bytes(5000)), "clip.mp4",
     "cannot open this video"),
    ("truncated-video", lambda p: (_video(p, 96, 64, 24), p.write_bytes(p.read_bytes()[:600])), "clip.mp4",
     "clip.mp4"),
    ("tiny-video-16px", lambda p: _video(p, 16, 16), "clip.mp4", "16×16"),
    ("image-1x1", lambda p: _image(p, 1, 1), "one.png", "1×1 pixels"),
    ("png-header-65000-squared", lambda p: _png_header(p, 65000, 65000), "huge.png", "65000×65000"),
    ("jpeg-truncated-to-a-third", _truncated, "cut.jpg", "JPEG is truncated"),
    ("png-truncated", _truncated, "cut.png", "cannot read this image"),
    ("text-named-png", lambda p: p.write_text("hello"), "fake.png", "cannot read this image"),
    ("folder-without-images", lambda p: p.mkdir(), "frames", "holds no image files"),
    ("folder-mixed-sizes", lambda p: _folder(p, [(96, 64), (96, 64), (128, 64)]), "frames", "all frames of a sequence"),
    ("glob-matches-nothing", None, "frames_*.png", "matches no image files"),
    # third probe (issue 19): a named pipe blocked the decoder for ever; a device was opened as a video
    ("video-is-a-fifo", lambda p: os.mkfifo(p), "clip.mp4", "named pipe"),
    ("video-is-a-link-to-dev-zero", lambda p: os.symlink("/dev/zero", p), "clip.mp4", "is a device"),
    ("image-is-a-fifo", lambda p: os.mkfifo(p), "one.png", "named pipe"),
]


@pytest.mark.parametrize("make,name,says", [c[1:] for c in MEDIA_CASES], ids=[c[0] for c in MEDIA_CASES])
def test_bad_media_is_refused(make, name, says, assets, tmp_path, capsys):
    src = tmp_path / name
    if make is not None:
        make(src)
    before = listing(tmp_path)
    rc, _, err = run(["infer", src, "-o", tmp_path / "m.npz", "--no-fit", "--checkpoint", assets["ckpt"], "--progress", "none"],
                     capsys)
    check_refused(rc, err, tmp_path, before, names=[src if "*" not in name else name, says])


def _boxes(path, anns):
    path.write_text(json.dumps(anns))


def _coco(**change):
    ann = {"image_id": 0, "bbox": [20, 5, 40, 58], "score": 0.9}
    ann.update(change)
    return lambda p: _boxes(p, [ann])


# (id, make(path), file name, what the message says)
BOX_CASES = [
    ("missing", None, "boxes.json", "boxes file not found"),
    ("not-json", lambda p: p.write_text("{oops"), "boxes.json", "not valid JSON"),
    ("json-number", lambda p: p.write_text("42"), "boxes.json", "expected a COCO annotation list"),
    ("box-outside-the-image", _coco(bbox=[5000, 5000, 40, 40]), "boxes.json", "lies outside the 96×64 image"),
    ("normalised-coordinates-far-off", _coco(bbox=[-3, -2, 0.5, 0.8]), "boxes.json", "lies outside"),
    ("negative-width", _coco(bbox=[20, 5, -40, 58]), "boxes.json", "must be positive"),
    ("nan-bbox", lambda p: p.write_text('[{"image_id": 0, "bbox": [NaN, 5, 40, 58]}]'), "boxes.json", "finite"),
    ("bbox-of-strings", _coco(bbox=["a", "b", "c", "d"]), "boxes.json", "expected [x, y, width, height]"),
    ("score-5", _coco(score=5), "boxes.json", "expected [0, 1]"),
    ("image-id-abc", _coco(image_id="abc"), "boxes.json", "annotation 0 is malformed"),
    ("keypoints-wrong-length", _coco(keypoints=[1, 2, 3, 4]), "boxes.json", "annotation 0 is malformed"),
    ("annotations-not-a-list", lambda p: p.write_text('{"annotations": 3}'), "boxes.json", "must be a list"),
    ("openpose-folder-empty", lambda p: p.mkdir(), "openpose", "no OpenPose *.json files"),
    ("openpose-file-is-a-list", lambda p: (p.mkdir(), (p / "f_keypoints.json").write_text("[]")), "openpose",
     "'people' list"),
    ("openpose-keypoints-ragged", lambda p: (p.mkdir(), (p / "f_keypoints.json").write_text(
        json.dumps({"people": [{"pose_keypoints_2d": [1, 2]}]}))), "openpose", "flat list"),
    # fourth probe (issue 19): a FIFO was "boxes file not found" (and must never block the reader)
    ("fifo", lambda p: os.mkfifo(p), "boxes.json", "boxes file is a named pipe (FIFO)"),
    ("link-to-dev-zero", lambda p: os.symlink("/dev/zero", p), "boxes.json", "boxes file is a device"),
]


@pytest.mark.parametrize("make,name,says", [c[1:] for c in BOX_CASES], ids=[c[0] for c in BOX_CASES])
def test_bad_boxes_are_refused(make, name, says, assets, tmp_path, capsys):
    video = tmp_path / "clip.mp4"
    video.write_bytes(open(assets["video"], "rb").read())
    boxes = tmp_path / name
    if make is not None:
        make(boxes)
    before = listing(tmp_path)
    rc, _, err = run(["infer", video, "-o", tmp_path / "m.npz", "--no-fit", "--checkpoint", assets["ckpt"], "--boxes", boxes,
                      "--progress", "none"], capsys)
    check_refused(rc, err, tmp_path, before, names=[name, says])


# (id, --person value, what the message says); the video is 96×64
PERSON_CASES = [
    ("person-inf-box", "0,0,inf,inf", "finite"),           # was an OverflowError traceback
    ("person-nan", "nan,0,10,10", "finite"),
    ("person-minus-inf", "-inf,0,10,10", "finite"),
    ("person-1e400", "0,0,1e400,10", "finite"),
    ("person-three-numbers", "1,2,3", "x0,y0,x1,y1"),
    ("person-words", "left,top,right,bottom", "x0,y0,x1,y1"),
    ("person-empty-box", "10,10,10,40", "x1 > x0"),
    ("person-flipped", "50,40,10,10", "x1 > x0"),
    ("person-outside-right", "100,0,200,60", "inside the 96×64 frame"),
    ("person-larger-than-frame", "0,0,5000,5000", "inside the 96×64 frame"),
    ("person-negative-corner", "-10,0,50,50", "inside the 96×64 frame"),
    ("person-normalised-looks-tiny", "0.1,0.1,0.9,0.9", None),   # inside the frame: accepted (tiny box, see below)
    # second probe (issue 19)
    ("person-empty-string", "", "--person is empty"),     # was taken as auto silently
    ("person-blank", "   ", "--person is empty"),
    ("person-negative-box", "-5,-5,-1,-1", "inside the 96×64 frame"),
    ("person-all-nan", "nan,nan,nan,nan", "finite"),
    ("person-five-numbers", "1,2,3,4,5", "x0,y0,x1,y1"),
    ("person-hex", "0x10,0,50,50", "x0,y0,x1,y1"),
    ("person-semicolons", "10;10;50;50", "x0,y0,x1,y1"),
]


# third probe (issue 19): the value as its own word, as a shell user types it; a leading '-' made argparse answer
# "expected one argument" without naming the box's problem or the fix
SPACED_PERSON_CASES = [
    ("person-spaced-negative-corner", "-5,0,100,100", "inside the 96×64 frame"),
    ("person-spaced-negative-fraction", "-.5,0,10,10", "inside the 96×64 frame"),
    ("person-spaced-minus-inf", "-inf,0,10,10", "finite"),
    ("person-spaced-single-negative", "-5", "x0,y0,x1,y1"),
]


@pytest.mark.parametrize("value,says,spaced", [(*c[1:], False) for c in PERSON_CASES] +
                         [(*c[1:], True) for c in SPACED_PERSON_CASES],
                         ids=[c[0] for c in PERSON_CASES + SPACED_PERSON_CASES])
def test_bad_person_box_is_refused_before_any_work(value, says, spaced, assets, tmp_path, capsys):
    video = _video(tmp_path / "clip.mp4", 96, 64) or tmp_path / "clip.mp4"
    before = listing(tmp_path)
    rc, _, err = run(["infer", video, "-o", tmp_path / "m.npz", "--body", assets["body"], "--progress", "none",
                      *(["--person", value] if spaced else [f"--person={value}"])], capsys)
    if says is None:  # inside the frame but smaller than the detector's 16 px: refused by the detector, named
        says = "--person"
    check_refused(rc, err, tmp_path, before, names=["--person", says])
    assert "expected one argument" not in err


def test_frames_after_a_mid_stream_size_change_are_not_marked_valid(assets, tmp_path, capsys):
    """Two MPEG-1 streams of different frame sizes, concatenated: OpenCV keeps the first size and repeats
    the last good frame after the change (it cannot report the change). Those frames must be invalid."""
    parts = []
    for k, (w, h) in enumerate([(96, 64), (128, 96)]):
        part = tmp_path / f"part{k}.mpg"
        vw = cv2.VideoWriter(str(part), cv2.VideoWriter_fourcc(*"PIM1"), 25, (w, h))
        assert vw.isOpened()
        for i in range(8):
            vw.write(cv2.resize(draw_frame(3 * i + 24 * k), (w, h)))
        vw.release()
        parts.append(part.read_bytes())
    video = tmp_path / "changed.mpg"
    video.write_bytes(b"".join(parts))
    rc, _, err = run(["infer", video, "-o", tmp_path / "m.npz", "--no-fit", "--checkpoint", assets["ckpt"], "--progress", "none",
                      "--min-confidence", "0"], capsys)
    assert rc == 0, err
    m = read_motion(tmp_path / "m.npz")
    first = 7  # frames of the first stream OpenCV decodes before the change (measured: 7 of 8)
    assert m.valid[:first].all(), m.valid
    assert m.num_frames > first and not m.valid[first:].any(), m.valid  # the repeats: never valid



def test_batch_folder_names_the_fifo_it_skips(assets, tmp_path, capsys):
    """Fourth probe (issue 19): a FIFO named like a video inside a batch folder was skipped without a word."""
    videos, out = tmp_path / "videos", tmp_path / "out"
    videos.mkdir()
    (videos / "a.mp4").write_bytes(open(assets["video"], "rb").read())
    os.mkfifo(videos / "b.mp4")
    rc, _, err = run(["infer", videos, "-o", out, "--no-fit", "--checkpoint", assets["ckpt"], "--progress", "none"],
                     capsys)
    assert rc == 0, err
    assert f"{videos / 'b.mp4'}: is a named pipe (FIFO), not a regular file; skipped" in err, err
    assert sorted(p.name for p in out.iterdir()) == ["a.npz"] and (videos / "b.mp4").is_fifo()


def test_batch_folder_of_only_a_fifo_is_refused_and_says_why(assets, tmp_path, capsys):
    videos = tmp_path / "videos"
    videos.mkdir()
    os.mkfifo(videos / "b.mp4")
    before = listing(tmp_path)
    rc, _, err = run(["infer", videos, "-o", tmp_path / "out", "--no-fit", "--checkpoint", assets["ckpt"],
                      "--progress", "none"], capsys)
    check_refused(rc, err, tmp_path, before, names=[videos / "b.mp4", "named pipe", "no inputs found"])
