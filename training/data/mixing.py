"""Dataset configuration and mixing: ``build_dataset(cfg)`` → one torch Dataset.

``cfg`` is a :class:`DataConfig` or the plain dict the experiment config holds (``data`` /
``eval_data`` sections), checked by ``core.model.config.config_from_dict`` (unknown keys and
wrong types fail loudly). With several datasets, each item first picks a dataset with
probability ∝ ``weight`` and then a uniformly random record of it, both from a generator seeded
by (seed, epoch, index): a run is reproducible and resumable.

SPIN's mix (30 % H36M, 60 % LSP-orig/MPII/LSPET/COCO in proportion to their sizes, 10 %
MPI-INF-3DHP) is :func:`spin_weights`.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from core.model.config import config_from_dict

from .augment import AugConfig
from .dataset import DatasetSpec, SpinDataset
from .occlusion import OcclusionConfig

__all__ = ["DataConfig", "MixedDataset", "build_dataset", "spin_weights"]


@dataclass
class DataConfig:
    """``datasets``: list of :class:`DatasetSpec` fields (dicts); ``train``: augment;
    ``augment``/``occlusion``: training augmentation; ``eval_occlusion`` ("none", "bar",
    "circle", "rectangle") with ``eval_occlusion_area``: a fixed evaluation protocol;
    ``length``: items per epoch of a mix (0 = the datasets' total)."""

    datasets: list = field(default_factory=list)
    img_res: int = 224
    train: bool = True
    augment: AugConfig = field(default_factory=AugConfig)
    occlusion: OcclusionConfig = field(default_factory=OcclusionConfig)
    eval_occlusion: str = "none"
    eval_occlusion_area: float = 0.2
    length: int = 0
    seed: int = 0

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> DataConfig:
        return config_from_dict(cls, dict(d), "data").checked()

    def checked(self) -> DataConfig:
        """A copy whose ``datasets`` are :class:`DatasetSpec` (dict entries converted, checked)."""
        specs = [s if isinstance(s, DatasetSpec) else config_from_dict(DatasetSpec, s, f"data.datasets[{i}]")
                 for i, s in enumerate(self.datasets)]
        return dataclasses.replace(self, datasets=specs)


class MixedDataset(torch.utils.data.Dataset):
    """Several :class:`SpinDataset` mixed by weight (module docstring)."""

    def __init__(self, datasets: list[SpinDataset], weights: list[float], length: int = 0, seed: int = 0) -> None:
        w = np.asarray(weights, np.float64)
        if len(datasets) == 0 or len(w) != len(datasets) or np.any(w < 0) or w.sum() <= 0:
            raise ValueError(f"a mix needs ≥ 1 dataset and as many non-negative weights with a positive sum, "
                             f"got {len(datasets)} datasets and weights {list(weights)}")
        self.datasets, self.p, self.seed, self.epoch = datasets, w / w.sum(), seed, 0
        self.length = length or sum(len(d) for d in datasets)

    def __len__(self) -> int:
        return self.length

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)
        for d in self.datasets:
            d.set_epoch(epoch)

    def __getitem__(self, index: int) -> dict:
        rng = np.random.default_rng([self.seed, self.epoch, index, 1])
        ds = self.datasets[int(rng.choice(len(self.datasets), p=self.p))]
        return ds[int(rng.integers(len(ds)))]


def spin_weights(lengths: dict[str, int]) -> dict[str, float]:
    """SPIN's partition from dataset sizes: {'h36m': .3, 'mpi-inf-3dhp': .1, and .6 shared by
    'lsp-orig', 'mpii', 'lspet', 'coco' in proportion to ``lengths``} (absent names skipped)."""
    itw = [k for k in ("lsp-orig", "mpii", "lspet", "coco") if k in lengths]
    total = sum(lengths[k] for k in itw)
    out = {k: v for k, v in (("h36m", 0.3), ("mpi-inf-3dhp", 0.1)) if k in lengths}
    out.update({k: 0.6 * lengths[k] / total for k in itw})
    return out


def build_dataset(cfg: DataConfig | dict[str, Any], train: bool | None = None, occlusion: str | None = None,
                  occlusion_area: float | None = None) -> torch.utils.data.Dataset:
    """Build the dataset ``cfg`` describes; the keyword arguments override ``train`` and the
    evaluation occlusion protocol (the evaluator runs one protocol after another)."""
    cfg = DataConfig.from_dict(cfg) if isinstance(cfg, dict) else cfg.checked()
    if not cfg.datasets:
        raise ValueError("data.datasets is empty: list at least one {name, npz[, img_dir, weight]} entry")
    train = cfg.train if train is None else train
    kw = dict(img_res=cfg.img_res, train=train, aug=cfg.augment, occlusion_cfg=cfg.occlusion,
              occlusion=occlusion or cfg.eval_occlusion,
              occlusion_area=cfg.eval_occlusion_area if occlusion_area is None else occlusion_area, seed=cfg.seed)
    sets = [SpinDataset(s, **kw) for s in cfg.datasets]
    if len(sets) == 1 and not cfg.length:
        return sets[0]
    return MixedDataset(sets, [s.weight for s in cfg.datasets], cfg.length, cfg.seed)
