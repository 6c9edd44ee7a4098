"""The one reader for SPIN-format npz datasets (H36M, MPII, COCO, LSP, LSP-ext, MPI-INF-3DHP,
3DPW) and for our synthetic renders. Items are dicts of tensors (docs/training-data.md):

=================  ==================  =====================================================
key                shape, dtype        meaning
=================  ==================  =====================================================
img                (3, R, R) float32   RGB crop, ImageNet-normalised (R = img_res, 224)
keypoints_2d       (24, 3) float32     SMPL's 24 joints, normalised crop coords in [−1, 1]
                                       (``core.geometry.projection``) + visibility 0/1
joints_3d          (24, 4) float32     SMPL's 24 joints, camera frame (x right, **y down**,
                                       z forward), metres, pelvis-relative, + confidence 0/1
pose               (72,) float32       SMPL axis-angle, joint 0 = camera-frame global orient
betas              (10,) float32       shape
has_smpl, has_3d   () float32          1 where pose/betas, joints_3d are ground truth
mask, parts        (R, R) uint8        foreground 0/1; parts 0–6 (``core.render.parts``)
has_mask           () float32          1 where mask/parts are ground truth (else zeros)
occluder           () int64            0 none, 1 bar, 2 circle, 3 rectangle
occluder_mask      (R, R) uint8        pixels the occluder covers
dataset, index     str, int            source dataset name and record index in its npz
gender             () int64            0 male, 1 female, −1 unknown (npz ``gender`` 'm'/'f')
center, scale,     (2,), (), (), ()    the box used, and the augmentation applied
rot, flip
=================  ==================  =====================================================

Real datasets' J24 joints are mapped into SMPL slots by :mod:`training.data.joints`; records
with ``joints2d_smpl``/``joints3d_smpl`` (synthetic) are used directly. ``joints_3d`` is made
pelvis-relative with the pelvis slot when it is present, else with the hips' midpoint.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import torch

from hkmr_blender.base.skeleton import NUM_JOINTS

from core.geometry.crop import (IMAGENET_MEAN, IMAGENET_STD, crop_image, crop_matrix, to_normalized,
                                transform_points)
from core.render.parts import PART_FLIP

from .augment import AugConfig, AugParams, augment_joints3d, augment_pose, color_noise, sample_aug
from .joints import SMPL_FLIP_PERM, j24_to_smpl
from .occlusion import OCCLUDER_KINDS, OcclusionConfig, make_occluder, paste_occluder, person_box

__all__ = ["DatasetError", "DatasetSpec", "SpinDataset"]

_MEAN, _STD = np.asarray(IMAGENET_MEAN, np.float32), np.asarray(IMAGENET_STD, np.float32)
_REQUIRED = ("imgname", "center", "scale")


class DatasetError(ValueError):
    """A dataset file or record is unusable; the message names the dataset, file and record."""


@dataclass
class DatasetSpec:
    """One npz dataset: ``name`` (e.g. "h36m", "lsp", "synthetic"), ``npz`` file, ``img_dir``
    the folder ``imgname`` (and mask/part names) are relative to ("" = the npz's folder),
    ``weight`` its share in a mix, ``ignore_3d`` drops pose/shape/3D (SPIN does so for some)."""

    name: str
    npz: str
    img_dir: str = ""
    weight: float = 1.0
    ignore_3d: bool = False


class SpinDataset(torch.utils.data.Dataset):
    """Reader of one SPIN-format npz (module docstring). ``train`` turns augmentation on;
    ``occlusion`` names a fixed evaluation protocol ("bar", "circle", "rectangle") applied to
    every item with ``occlusion_area``; ``occlusion_cfg`` is the training augmentation."""

    def __init__(self, spec: DatasetSpec, img_res: int = 224, train: bool = False, aug: AugConfig | None = None,
                 occlusion_cfg: OcclusionConfig | None = None, occlusion: str = "none",
                 occlusion_area: float = 0.2, seed: int = 0) -> None:
        self.spec, self.name, self.img_res, self.train, self.seed = spec, spec.name, img_res, train, seed
        self.aug_cfg = aug or AugConfig()
        self.occ_cfg = occlusion_cfg or OcclusionConfig()
        if occlusion != "none" and occlusion not in OCCLUDER_KINDS:
            raise ValueError(f"{spec.name}: occlusion protocol {occlusion!r} is not none/{'/'.join(OCCLUDER_KINDS)}")
        self.occlusion, self.occlusion_area = occlusion, occlusion_area
        self.epoch = 0
        path = Path(spec.npz)
        if not path.is_file():
            raise DatasetError(f"dataset {spec.name!r}: annotation file {path} not found; set its 'npz' path "
                               "(SPIN's preprocessed files, or `python -m training.data.synthetic`)")
        self.img_dir = Path(spec.img_dir) if spec.img_dir else path.parent
        try:
            with np.load(path, allow_pickle=False) as z:  # never unpickle: a data file cannot run code
                self.data = {k: z[k] for k in z.files}
        except ValueError as exc:
            raise DatasetError(f"dataset {spec.name!r} ({path}): unreadable without pickle ({exc}); re-save "
                               "object arrays as strings/numbers (np.savez(..., imgname=names.astype(str)))") from exc
        missing = [k for k in _REQUIRED if k not in self.data]
        if missing:
            raise DatasetError(f"dataset {spec.name!r} ({path}): required field(s) {missing} missing; "
                               f"a SPIN npz has {list(_REQUIRED)} plus annotations (found {sorted(self.data)})")
        n = len(self.data["imgname"])
        bad = [k for k, v in self.data.items() if v.ndim and v.shape[0] != n]
        if bad:
            raise DatasetError(f"dataset {spec.name!r} ({path}): fields {bad} do not have {n} records like 'imgname'")
        self.has_smpl = (self._field("has_smpl", np.ones(n)) if "pose" in self.data and "shape" in self.data
                         else np.zeros(n)).astype(np.float32)
        self.has_3d = float("joints3d_smpl" in self.data or "S" in self.data)
        if spec.ignore_3d:
            self.has_smpl, self.has_3d = np.zeros(n, np.float32), 0.0
        self.has_mask = "maskname" in self.data
        g = self.data.get("gender")
        self.gender = (np.array([{"m": 0, "f": 1}.get(str(x)[:1].lower(), -1) for x in g]) if g is not None
                       else np.full(n, -1))

    def _field(self, key: str, default):
        return self.data[key] if key in self.data else default

    def __len__(self) -> int:
        return len(self.data["imgname"])

    def set_epoch(self, epoch: int) -> None:
        """Change the augmentation draw (items are deterministic per (seed, epoch, index))."""
        self.epoch = int(epoch)

    def _read(self, rel: str, index: int, flags: int, what: str) -> np.ndarray:
        path = self.img_dir / str(rel)
        img = cv2.imread(os.fspath(path), flags)
        if img is None:
            raise DatasetError(f"dataset {self.name!r}, record {index}: {what} {path} is missing or unreadable; "
                               f"check the dataset's img_dir ({self.img_dir})")
        return img

    def _joints(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        """(24, 3) SMPL-order 2D pixels + vis; (24, 4) SMPL-order camera-frame 3D + conf."""
        d = self.data
        if "joints2d_smpl" in d:
            kp = d["joints2d_smpl"][index].astype(np.float64)
        elif "part" in d:
            kp = j24_to_smpl(d["part"][index])
        else:
            kp = np.zeros((NUM_JOINTS, 3))
        if "joints3d_smpl" in d:
            j3 = d["joints3d_smpl"][index].astype(np.float64)
        elif "S" in d:
            j3 = j24_to_smpl(d["S"][index])
        else:
            j3 = np.zeros((NUM_JOINTS, 4))
        return kp, j3

    @staticmethod
    def _root_relative(j3: np.ndarray) -> np.ndarray:
        out = j3.copy()
        if j3[0, 3] > 0:
            root = j3[0, :3]
        elif j3[1, 3] > 0 and j3[2, 3] > 0:
            root = (j3[1, :3] + j3[2, :3]) / 2
        else:
            out[:, 3] = 0.0  # no root: 3D unusable
            return out
        out[:, :3] = (j3[:, :3] - root) * (j3[:, 3:] > 0)
        return out

    def __getitem__(self, index: int) -> dict:
        d, res = self.data, self.img_res
        if not 0 <= index < len(self):
            raise IndexError(f"dataset {self.name!r}: index {index} out of range 0..{len(self) - 1}")
        rng = np.random.default_rng([self.seed, self.epoch, index])
        aug = sample_aug(rng, self.aug_cfg) if self.train else AugParams.identity()
        center = d["center"][index].astype(np.float64)
        scale = float(d["scale"][index]) * aug.scale
        m = crop_matrix(center, scale, res, aug.rot, aug.flip)

        img = self._read(d["imgname"][index], index, cv2.IMREAD_COLOR, "image")[..., ::-1]
        crop = color_noise(crop_image(np.ascontiguousarray(img), m, res), aug.pn)

        kp, j3 = self._joints(index)
        uv = transform_points(kp[:, :2], m)
        vis = kp[:, 2:] > 0
        kp2 = np.concatenate([to_normalized(uv, res) * vis, vis], 1)
        j3 = augment_joints3d(self._root_relative(j3), aug)
        if aug.flip:
            kp2 = kp2[SMPL_FLIP_PERM]

        has_smpl = float(self.has_smpl[index])
        pose = augment_pose(d["pose"][index], aug) if has_smpl else np.zeros(72)
        betas = d["shape"][index] if has_smpl else np.zeros(10)

        mask = np.zeros((res, res), np.uint8)
        parts = np.zeros((res, res), np.uint8)
        if self.has_mask:
            mask = (crop_image(self._read(d["maskname"][index], index, cv2.IMREAD_GRAYSCALE, "mask"), m, res, True) > 0)
            mask = mask.astype(np.uint8)
            if "partname" in d:
                parts = crop_image(self._read(d["partname"][index], index, cv2.IMREAD_GRAYSCALE, "part image"),
                                   m, res, nearest=True)
                parts = PART_FLIP[np.minimum(parts, 6)] if aug.flip else parts

        kind, area = self.occlusion, self.occlusion_area
        if self.train and self.occlusion == "none" and rng.uniform() < self.occ_cfg.prob:
            kind = str(rng.choice(self.occ_cfg.kinds))
            area = rng.uniform(self.occ_cfg.area_min, self.occ_cfg.area_max)
        occ_mask = np.zeros((res, res), np.uint8)
        occ_id = 0
        if kind != "none":
            box = person_box(res, np.concatenate([uv, vis], 1), mask if self.has_mask else None)
            orng = rng if self.train else np.random.default_rng([self.seed, index, OCCLUDER_KINDS.index(kind)])
            occ = make_occluder(kind, box, area, res, orng)
            crop = paste_occluder(crop, occ)
            occ_mask, occ_id = occ.mask.astype(np.uint8), OCCLUDER_KINDS.index(kind) + 1

        img_t = ((crop / 255.0 - _MEAN) / _STD).transpose(2, 0, 1)
        f32 = lambda a: torch.as_tensor(np.ascontiguousarray(a), dtype=torch.float32)  # noqa: E731
        return {
            "img": f32(img_t), "keypoints_2d": f32(kp2), "joints_3d": f32(j3 if self.has_3d else np.zeros((NUM_JOINTS, 4))),
            "pose": f32(pose), "betas": f32(betas), "has_smpl": torch.tensor(has_smpl),
            "has_3d": torch.tensor(float(self.has_3d and j3[:, 3].any())),
            "mask": torch.as_tensor(mask), "parts": torch.as_tensor(np.ascontiguousarray(parts, np.uint8)),
            "has_mask": torch.tensor(float(self.has_mask)), "occluder": torch.tensor(occ_id),
            "occluder_mask": torch.as_tensor(occ_mask), "dataset": self.name, "index": index,
            "gender": torch.tensor(int(self.gender[index])),
            "center": f32(center), "scale": torch.tensor(scale, dtype=torch.float32),
            "rot": torch.tensor(aug.rot, dtype=torch.float32), "flip": torch.tensor(float(aug.flip)),
        }
