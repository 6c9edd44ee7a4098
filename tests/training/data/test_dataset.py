"""The SPIN-format reader on a tiny hand-made npz: item interface, mapping, errors, mixing."""
from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch

from training.data import DataConfig, DatasetError, DatasetSpec, MixedDataset, SpinDataset, build_dataset, spin_weights


def make_spin_npz(folder, n: int = 3, name: str = "tiny", with_3d: bool = True, drop: tuple = ()):
    """n records of 100×80 images; J24 'part' with the right ankle at the box centre."""
    (folder / "imgs").mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for i in range(n):
        cv2.imwrite(str(folder / "imgs" / f"{i}.png"), rng.integers(0, 255, (100, 80, 3), dtype=np.uint8))
    part = np.zeros((n, 24, 3))
    part[:, 0] = [40.0, 50.0, 1.0]  # right ankle at the centre
    part[:, 9] = [20.0, 30.0, 1.0]  # left shoulder
    part[:, 13] = [40.0, 10.0, 1.0]  # head top: no SMPL slot
    d = dict(imgname=np.array([f"imgs/{i}.png" for i in range(n)]), center=np.tile([40.0, 50.0], (n, 1)),
             scale=np.full(n, 0.5), part=part, gender=np.array(["f"] * n))
    if with_3d:
        s = np.zeros((n, 24, 4))
        s[:, 2], s[:, 3] = [-0.1, 0.0, 3.0, 1], [0.1, 0.0, 3.0, 1]  # hips
        s[:, 0] = [-0.1, 0.8, 3.0, 1]  # right ankle
        d.update(S=s, pose=rng.normal(0, 0.2, (n, 72)), shape=rng.normal(0, 1, (n, 10)))
    for k in drop:
        d.pop(k)
    path = folder / f"{name}.npz"
    np.savez(path, **d)
    return path


def test_item_interface_and_j24_mapping(tmp_path):
    ds = SpinDataset(DatasetSpec("tiny", str(make_spin_npz(tmp_path))), img_res=64)
    item = ds[1]
    assert item["img"].shape == (3, 64, 64) and item["img"].dtype == torch.float32
    assert item["keypoints_2d"].shape == (24, 3) and item["joints_3d"].shape == (24, 4)
    assert item["pose"].shape == (72,) and item["betas"].shape == (10,)
    assert item["mask"].shape == (64, 64) and item["mask"].dtype == torch.uint8 and item["has_mask"] == 0
    assert item["dataset"] == "tiny" and item["index"] == 1 and item["has_smpl"] == 1 and item["has_3d"] == 1
    assert item["gender"] == 1  # 'f' in the npz
    kp = item["keypoints_2d"].numpy()
    np.testing.assert_allclose(kp[8], [0, 0, 1], atol=1e-6)  # right ankle → SMPL 8, at the box centre
    u = (np.array([20, 30]) - [40, 50]) * 64 / 100 + 31.5  # box side 100 px → 64 px, centre → 31.5
    np.testing.assert_allclose(kp[16, :2], (2 * u + 1) / 64 - 1, atol=1e-6)  # left shoulder → SMPL 16
    assert kp[:, 2].sum() == 2  # head top has no SMPL joint
    j3 = item["joints_3d"].numpy()
    np.testing.assert_allclose(j3[8], [-0.1, 0.8, 0.0, 1], atol=1e-6)  # pelvis-relative via hip midpoint
    assert j3[3, 3] == 0


def test_flip_mirrors_keypoints_and_swaps_sides(tmp_path):
    path = make_spin_npz(tmp_path)
    plain = SpinDataset(DatasetSpec("tiny", str(path)), img_res=64)
    flipped = SpinDataset(DatasetSpec("tiny", str(path)), img_res=64, train=True)
    flipped.aug_cfg.flip_prob, flipped.aug_cfg.rot_factor, flipped.aug_cfg.scale_factor = 1.0, 0.0, 0.0
    flipped.aug_cfg.noise_factor = 0.0
    a, b = plain[0], flipped[0]
    assert b["flip"] == 1
    np.testing.assert_allclose(b["keypoints_2d"][7].numpy(), a["keypoints_2d"][8].numpy() * [-1, 1, 1], atol=1e-6)
    np.testing.assert_allclose(b["img"].numpy(), a["img"].numpy()[:, :, ::-1], atol=1e-5)
    np.testing.assert_allclose(b["joints_3d"][7].numpy(), a["joints_3d"][8].numpy() * [-1, 1, 1, 1], atol=1e-6)


def test_augmentation_is_deterministic_per_seed_epoch_index(tmp_path):
    ds = SpinDataset(DatasetSpec("tiny", str(make_spin_npz(tmp_path))), img_res=32, train=True)
    a, b = ds[2], ds[2]
    assert torch.equal(a["img"], b["img"]) and a["rot"] == b["rot"]
    draws = []
    for e in range(6):
        ds.set_epoch(e)
        draws.append((float(ds[2]["scale"]), float(ds[2]["flip"])))
    assert len(set(draws)) > 1


def test_missing_image_names_dataset_record_and_path(tmp_path):
    path = make_spin_npz(tmp_path)
    (tmp_path / "imgs" / "1.png").unlink()
    ds = SpinDataset(DatasetSpec("lsp", str(path)), img_res=32)
    with pytest.raises(DatasetError, match=r"dataset 'lsp', record 1: image .*1\.png is missing"):
        ds[1]


def test_missing_field_and_file_errors(tmp_path):
    with pytest.raises(DatasetError, match=r"'mpii'.*required field\(s\) \['center'\] missing"):
        SpinDataset(DatasetSpec("mpii", str(make_spin_npz(tmp_path, drop=("center",)))))
    with pytest.raises(DatasetError, match="'coco': annotation file .* not found"):
        SpinDataset(DatasetSpec("coco", str(tmp_path / "nope.npz")))
    bad = tmp_path / "bad.npz"
    np.savez(bad, imgname=np.array(["a", "b"]), center=np.zeros((2, 2)), scale=np.ones(3))
    with pytest.raises(DatasetError, match=r"\['scale'\] do not have 2 records"):
        SpinDataset(DatasetSpec("bad", str(bad)))


def test_2d_only_dataset_has_no_smpl_or_3d(tmp_path):
    ds = SpinDataset(DatasetSpec("mpii", str(make_spin_npz(tmp_path, with_3d=False))), img_res=32)
    item = ds[0]
    assert item["has_smpl"] == 0 and item["has_3d"] == 0 and not item["pose"].any()


def test_build_dataset_from_dict_mixes_by_weight(tmp_path):
    a = make_spin_npz(tmp_path / "a", name="a")
    b = make_spin_npz(tmp_path / "b", n=5, name="b")
    cfg = {"datasets": [{"name": "a", "npz": str(a), "weight": 1.0}, {"name": "b", "npz": str(b), "weight": 0.0}],
           "img_res": 32, "train": False}
    ds = build_dataset(cfg)
    assert isinstance(ds, MixedDataset) and len(ds) == 8
    assert {ds[i]["dataset"] for i in range(8)} == {"a"}
    cfg["datasets"][1]["weight"] = 3.0
    names = [build_dataset(cfg)[i]["dataset"] for i in range(40)]
    assert 20 < names.count("b") < 40
    single = build_dataset(DataConfig(datasets=[{"name": "a", "npz": str(a)}], img_res=32), occlusion="bar")
    assert isinstance(single, SpinDataset) and single[0]["occluder"] == 1 and single[0]["occluder_mask"].any()
    with pytest.raises(KeyError, match="unknown keys"):
        build_dataset({"datasets": [], "imgres": 3})
    with pytest.raises(ValueError, match="empty"):
        build_dataset({"datasets": []})


def test_spin_weights_follow_spin_partition():
    w = spin_weights({"h36m": 300, "lsp-orig": 1000, "mpii": 3000, "mpi-inf-3dhp": 10})
    assert w == pytest.approx({"h36m": 0.3, "mpi-inf-3dhp": 0.1, "lsp-orig": 0.15, "mpii": 0.45})
