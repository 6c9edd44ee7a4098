"""Boxes files, self-tracking, frame sources and sharding."""
from __future__ import annotations

import json
import threading
import time

import numpy as np
import pytest

from core.inference.boxes import BoxFileError, Tracker, load_box_file, to_smpl_keypoints
from core.inference.crops import crop_to_image
from core.inference.shard import expand_inputs, output_path_for, shard
from core.runtime import dist_env
from core.inference.sources import FrameSourceError, open_source, prefetch

from .conftest import draw_frame, write_images, write_video


def test_coco_list_and_dict(tmp_path):
    kp = np.zeros((17, 3))
    kp[5] = [10, 20, 2]
    anns = [{"image_id": 3, "bbox": [10, 20, 30, 60], "score": 0.4},
            {"image_id": 3, "bbox": [0, 0, 10, 10], "score": 0.9, "keypoints": kp.ravel().tolist()}]
    f = tmp_path / "c.json"
    f.write_text(json.dumps(anns))
    boxes = load_box_file(f, scale=1.0)
    det = boxes.detect(3, 100, 100)
    np.testing.assert_allclose(det.box, [5, 5, 10])  # the best-scoring one
    assert det.keypoints[5, 2] == 1.0 and boxes.detect(0, 100, 100) is None
    np.testing.assert_allclose(to_smpl_keypoints(det.keypoints, "coco")[16], [10, 20, 1])  # left shoulder
    d = {"images": [{"id": 7, "file_name": "f10.png"}, {"id": 8, "file_name": "f2.png"}],
         "annotations": [{"image_id": 7, "bbox": [0, 0, 4, 8]}]}
    f.write_text(json.dumps(d))
    assert load_box_file(f, scale=1.0).detections.keys() == {1}  # f2 < f10 naturally: f10 is frame 1


def test_openpose_folder(tmp_path):
    for i in range(3):
        people = [] if i == 1 else [{"pose_keypoints_2d": [v for j in range(25) for v in (10 + j, 50 + i, 0.8)]}]
        (tmp_path / f"clip_{i:012d}_keypoints.json").write_text(json.dumps({"people": people}))
    boxes = load_box_file(tmp_path, scale=1.0)
    assert sorted(boxes.detections) == [0, 2]
    np.testing.assert_allclose(boxes.detect(2, 99, 99).box, [22, 52, 24])
    assert boxes.detect(2, 99, 99).layout == "openpose"


@pytest.mark.parametrize("content,msg", [("{not json", "not valid JSON"), ('[{"bbox": [1, 2, 3, 4]}]', "image_id"),
                                         ("3", "expected a COCO")])
def test_bad_box_files(tmp_path, content, msg):
    f = tmp_path / "b.json"
    f.write_text(content)
    with pytest.raises(BoxFileError, match=msg) as e:
        load_box_file(f)
    assert "b.json" in str(e.value)
    with pytest.raises(BoxFileError, match="not found"):
        load_box_file(tmp_path / "missing.json")


def _joints_of(box):
    """24 'joints' filling the middle 70 % of a box, as a well-placed prediction would."""
    n = np.stack(np.meshgrid(np.linspace(-.35, .35, 6), np.linspace(-.35, .35, 4)), -1).reshape(1, 24, 2)
    return crop_to_image(n, box[None])[0]


def test_tracker_follows_moving_box_and_recovers_when_lost():
    w, h = 640, 360
    tr = Tracker(scale=1.3)
    truth = lambda t: np.array([100.0 + 6 * t, 180.0 + 2 * t, 120.0])  # noqa: E731
    assert tr.detect(0, w, h).box[2] == 640  # starts from the full frame
    errs = []
    for t in range(60):
        box = tr.detect(t, w, h).box
        errs.append(np.linalg.norm(box[:2] - truth(t)[:2]))
        assert not tr.observe(t, _joints_of(truth(t)), 0.9, w, h)
    assert max(errs[3:]) < 6.0  # one frame behind at 6 px/frame, then velocity catches up
    # a batch of 4 frames ahead: centres extrapolated at the tracked velocity
    ahead = [tr.detect(60 + k, w, h).box[0] for k in range(4)]
    np.testing.assert_allclose(np.diff(ahead), 6.0, atol=0.5)
    assert tr.observe(60, _joints_of(truth(60)), 0.1, w, h)  # low confidence: lost
    assert tr.detect(61, w, h).box[2] == 640  # back to the full frame
    state = Tracker()
    tr.observe(61, _joints_of(truth(61)), 0.9, w, h)
    state.load_state(json.loads(json.dumps(tr.state())))
    np.testing.assert_array_equal(state.detect(62, w, h).box, tr.detect(62, w, h).box)


def test_video_and_image_sources(tmp_path):
    v = open_source(write_video(tmp_path / "a.avi", 7, fourcc="MJPG"))
    assert (v.info.kind, v.info.num_frames, v.info.width, v.info.height) == ("video", 7, 96, 64)
    frames = list(v)
    assert [i for i, _ in frames] == list(range(7))
    px = frames[2][1][40, 25].astype(int)  # drawn as BGR (180, 170, 150): RGB (150, 170, 180)
    assert frames[2][1].dtype == np.uint8 and px[2] - px[0] > 15 and px.min() > 120
    assert [i for i, _ in v.frames(start=5)] == [5, 6]
    np.testing.assert_array_equal(list(v.frames(start=5))[0][1], frames[5][1])
    folder = write_images(tmp_path / "imgs", 12)
    s = open_source(folder, fps=24)
    assert s.info.fps == 24 and s.info.num_frames == 12
    first = [img for _, img in s][2]
    np.testing.assert_array_equal(first[..., ::-1], draw_frame(2))  # natural order: frame_2 before frame_10


def test_source_errors(tmp_path):
    with pytest.raises(FrameSourceError, match="no such file"):
        open_source(tmp_path / "x.mp4")
    (tmp_path / "empty").mkdir()
    with pytest.raises(FrameSourceError, match="no image files"):
        open_source(tmp_path / "empty")
    with pytest.raises(FrameSourceError, match="matches no image"):
        open_source(str(tmp_path / "*.png"))
    (tmp_path / "junk.mp4").write_bytes(b"\x00garbage" * 100)
    with pytest.raises(FrameSourceError, match="junk.mp4: OpenCV cannot open"):
        open_source(tmp_path / "junk.mp4")
    folder = write_images(tmp_path / "mixed", 2)
    write_images(tmp_path / "big", 1, w=32, h=32)
    (tmp_path / "big" / "frame_0.png").rename(tmp_path / "mixed" / "frame_9.png")
    with pytest.raises(FrameSourceError, match="frame_9.png: image is 32×32"):
        list(open_source(folder))


def test_prefetch_bounded_and_propagates_errors():
    produced = []

    def gen():
        for i in range(100):
            produced.append(i)
            if i == 50:
                raise RuntimeError("decoder died at 50")
            yield i

    it = prefetch(gen(), maxsize=4)
    assert next(it) == 0
    time.sleep(0.2)
    assert len(produced) <= 4 + 2  # the producer waits on the bounded queue
    with pytest.raises(RuntimeError, match="decoder died"):
        list(it)
    assert not [t for t in threading.enumerate() if t.name == "hkmr-decode" and t.is_alive()]


def test_shard_disjoint_and_complete(tmp_path):
    items = [f"v{i}.mp4" for i in range(23)]
    for world in (1, 2, 3, 8, 30):
        parts = [shard(items, r, world) for r in range(world)]
        flat = [x for p in parts for x in p]
        assert sorted(flat) == sorted(items) and len(flat) == len(set(flat))
        assert max(map(len, parts)) - min(map(len, parts)) <= 1
    with pytest.raises(ValueError):
        shard(items, 3, 3)
    assert dist_env({"RANK": "2", "WORLD_SIZE": "4", "LOCAL_RANK": "0"}).rank == 2
    assert dist_env({}).world_size == 1
    for n in ("b10.mp4", "b2.mp4", "notes.txt"):
        (tmp_path / n).write_bytes(b"")
    assert [p.rsplit("/", 1)[1] for p in expand_inputs(str(tmp_path))] == ["b2.mp4", "b10.mp4"]
    lst = tmp_path / "list.txt"
    lst.write_text("# batch\nb10.mp4\n\n/abs/c.mov\n")
    assert expand_inputs(str(lst)) == [str(tmp_path / "b10.mp4"), "/abs/c.mov"]  # sorted by file name
    assert output_path_for("/x/clip.mp4", "/o").as_posix() == "/o/clip.npz"
