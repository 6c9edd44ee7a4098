"""Runs of True in a per-frame flag array (foot contacts): shared by the fit in core and the add-on's feet.

numpy only.
"""
from __future__ import annotations

import numpy as np

__all__ = ["contact_spans"]


def contact_spans(flags: np.ndarray) -> list[tuple[int, int]]:
    """(K,) bool → [(start, end)] inclusive frame-index spans of consecutive True."""
    f = np.concatenate([[False], np.asarray(flags, bool), [False]])
    edges = np.flatnonzero(np.diff(f.astype(np.int8)))
    return [(int(s), int(e) - 1) for s, e in zip(edges[::2], edges[1::2])]
