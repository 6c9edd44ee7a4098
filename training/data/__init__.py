"""Training data: the SPIN-format reader, augmentation, occlusion, mixing, synthetic renders.

Entry points: :func:`build_dataset` (config → torch Dataset of dicts, see
:mod:`training.data.dataset` for the item keys) and ``python -m training.data.synthetic``.
See docs/training-data.md.
"""
from .dataset import DatasetError, DatasetSpec, SpinDataset
from .mixing import DataConfig, MixedDataset, build_dataset, spin_weights
from .occlusion import OCCLUDER_KINDS, OcclusionConfig

__all__ = ["DatasetError", "DatasetSpec", "SpinDataset", "DataConfig", "MixedDataset", "build_dataset",
           "spin_weights", "OCCLUDER_KINDS", "OcclusionConfig"]
