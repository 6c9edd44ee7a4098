"""FBX mocap sources (read by Blender's importer): a real CMU run as IsaacGymEnvs ships it, through the build."""
from __future__ import annotations

import gzip
import os

import numpy as np
import pytest
import torch

from training.data.mocap.build import build, load_clip, load_manifest
from training.data.mocap.sources import SOURCES, activity, cmu_subject

from .test_mocap import _snapshot, git_snapshot

#: NVIDIA-Omniverse/IsaacGymEnvs isaacgymenvs/tasks/amp/poselib/data/09_11_cmu.fbx (CMU 09_11, a run, 165 frames
#: at 120 fps), gzipped byte for byte
RUN = os.path.join(os.path.dirname(__file__), "..", "..", "data", "mocap", "09_11_cmu.fbx.gz")
DIR = "isaacgymenvs/tasks/amp/poselib/data"


@pytest.fixture(autouse=True)
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def _isaacgym_snapshot(tmp_path, names: list[str]) -> str:
    work = tmp_path / "isaac"
    (work / DIR).mkdir(parents=True)
    data = gzip.decompress(open(RUN, "rb").read())
    for n in names:
        (work / DIR / f"{n}_cmu.fbx").write_bytes(data)
    (work / DIR / "cmu_tpose.npy").write_bytes(b"not a clip")
    return git_snapshot(work)


def test_fbx_names_and_activities():
    assert cmu_subject(f"{DIR}/09_11_cmu.fbx") == (9, 11) and cmu_subject("Animation/85_12.fbx") == (85, 12)
    assert activity("BreakSequencewithFlips") == "dance" and activity("cartwheels") == "acrobatics"
    assert activity("Bassai") == "sports"
    assert {s.format for s in SOURCES.values()} == {"bvh", "fbx"}


def test_fbx_source_builds_beside_a_bvh_source(tmp_path, open_body):
    """The BVH source's index describes the FBX source's clips (CMU's trial numbers); a clip an earlier source
    gave is a duplicate; reserved subjects never appear; the run comes out upright, 30 fps, bones as the mocap's."""
    pytest.importorskip("bpy")
    bvh = _snapshot(tmp_path, ["007_01"], described={"009_11": "run"})
    fbx = _isaacgym_snapshot(tmp_path, ["01_01", "07_01", "09_11", "55_01"])
    out = tmp_path / "set"
    build(open_body, {"iclone-cmu": bvh, "isaacgym-cmu": fbx}, str(out), heldout={2}, log=lambda *_: None)
    m = load_manifest(str(out))
    rows = [(c["source"], c["subject"], c["trial"], c["accepted"]) for c in m["clips"]]
    assert rows == [("iclone-cmu", 7, 1, True), ("isaacgym-cmu", 7, 1, False), ("isaacgym-cmu", 9, 11, True)]
    assert "duplicate" in m["clips"][1]["reason"]
    assert m["sources"]["isaacgym-cmu"]["repo"] == "NVIDIA-Omniverse/IsaacGymEnvs"
    run = m["clips"][2]
    assert run["description"] == "run" and run["activity"] == "run" and "reason" not in run
    assert run["frames"] == 42 and abs(run["fps"] - 30) < 0.01
    assert run["bone_deg_median"] < 6 and run["bone_deg_p95"] < 20 and run["joint_mm_mean"] < 40
    c = load_clip(str(out), run)
    from core.geometry.rotations import axis_angle_to_matrix
    j = open_body.joints(axis_angle_to_matrix(torch.as_tensor(c["poses"]).reshape(-1, 24, 3)),
                         torch.as_tensor(c["betas"]).expand(42, -1), torch.as_tensor(c["trans"])).numpy()
    assert np.all(j[:, 15, 1] - np.minimum(j[:, 7, 1], j[:, 8, 1]) > 1.1)   # head above the ankles: Y up, metres
    speed = np.linalg.norm(np.diff(c["trans"][:, [0, 2]], axis=0), axis=-1).mean() * 30
    assert 2.0 < speed < 6.0                                               # a run: metres per second
