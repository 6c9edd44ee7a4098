"""Evaluation under the seed's occlusion protocols: 3D (MPJPE, PA-MPJPE), 2D PCK, LSP-style
foreground and part segmentation (accuracy, F1) — printed as a markdown table, saved as CSV.

Each protocol runs over the whole evaluation set: "none" (standard) and a bar, circle or
rectangle occluder pasted on every crop by the data reader (:mod:`training.data.occlusion`,
``eval.occlusion_area`` of the person's box, deterministic per sample).
Segmentation renders the predicted mesh (:mod:`core.render`) with the crop camera and its
perspective translation and compares it with the data's masks/parts (samples with has_mask).
H36M protocol 2 keeps the frontal camera's frames (image names containing 60457274).
"""
from __future__ import annotations

import csv
import io
import math
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset, Subset
from tqdm import tqdm

from core.model.mesh_regressor import MeshRegressor, predict
from core.render import crop_camera, face_part_labels, render_mesh
from training.config import EvalConfig
from training.io import atomic_write_text
from training.metrics import SMPL_TO_LSP14, SegmentationScores, mpjpe, pa_mpjpe, pck

__all__ = ["EvalRow", "evaluate", "format_table", "rows_to_csv", "H36M_P2_CAMERA"]

H36M_P2_CAMERA = "60457274"


@dataclass
class EvalRow:
    """One protocol's results; 3D errors in millimetres, PCK/accuracy/F1 as fractions (NaN: no data)."""

    occlusion: str
    protocol: int
    samples: int
    mpjpe: float
    pa_mpjpe: float
    pck: float
    fg_acc: float
    fg_f1: float
    parts_acc: float
    parts_f1: float


def _protocol_subset(dataset: Dataset, protocol: int) -> Dataset:
    if protocol == 1:
        return dataset
    names = getattr(dataset, "imgname", None)
    if names is None:
        raise ValueError("eval.protocol 2 selects H36M's frontal camera by image name, but this dataset has no "
                         "'imgname' (synthetic data has one protocol: use eval.protocol 1)")
    keep = [i for i, n in enumerate(names) if H36M_P2_CAMERA in str(n)]
    if not keep:
        raise ValueError(f"eval.protocol 2: no image name contains camera {H36M_P2_CAMERA}; is this H36M?")
    return Subset(dataset, keep)


def _nanmean(values: list[float]) -> float:
    v = [x for x in values if not math.isnan(x)]
    return float(np.mean(v)) if v else float("nan")


@torch.no_grad()
def evaluate(model: MeshRegressor, make_dataset: Callable[[str], Dataset], cfg: EvalConfig,
             device: torch.device | str = "cpu", progress: bool = False) -> list[EvalRow]:
    """Run every protocol in ``cfg.occlusions``; ``make_dataset(kind)`` gives the evaluation set
    with that occluder ("none", "bar", "circle", "rectangle"). One :class:`EvalRow` each."""
    if model.body is None:
        raise ValueError("evaluation needs the body model (model.body.enabled)")
    device = torch.device(device)
    body, mcfg = model.body, model.config
    camera = crop_camera(mcfg.img_res, mcfg.focal_length)
    labels = face_part_labels(body.skin_weights, body.faces)
    rows = []
    for kind in cfg.occlusions:
        data = _protocol_subset(make_dataset(kind), cfg.protocol)
        loader = DataLoader(data, batch_size=cfg.batch_size, shuffle=False, num_workers=0)
        err, pa, pk = [], [], []
        fg, parts = SegmentationScores(2), SegmentationScores(7)
        for batch in tqdm(loader, desc=f"eval {kind}", disable=not progress):
            out = predict(model, batch["img"].to(device))
            has3d = batch["has_3d"].bool()
            if has3d.any():
                gt = batch["joints_3d"][has3d][:, list(SMPL_TO_LSP14)].float()
                pred = out.joints.cpu()[has3d][:, list(SMPL_TO_LSP14)]
                err += (1000 * mpjpe(pred, gt[..., :3], gt[..., 3])).tolist()
                pa += (1000 * pa_mpjpe(pred, gt[..., :3], gt[..., 3])).tolist()
            pk += pck(out.joints2d.cpu(), batch["keypoints_2d"].float(), 2.0 * cfg.pck_alpha).tolist()
            if cfg.segmentation and "has_mask" in batch:
                verts = (out.vertices + out.cam_t[:, None]).cpu().numpy()
                for i in np.flatnonzero(batch["has_mask"].numpy() > 0):
                    r = render_mesh(verts[i], body.faces, camera, face_labels=labels, shade_rgb=False)
                    fg.add(r.mask.astype(np.int64), batch["mask"][i].numpy() > 0)
                    parts.add(r.parts, batch["parts"][i].numpy())
        rows.append(EvalRow(kind, cfg.protocol, len(data), _nanmean(err), _nanmean(pa), _nanmean(pk),
                            fg.accuracy, fg.f1, parts.accuracy, parts.f1))
    return rows


def format_table(rows: list[EvalRow]) -> str:
    """The seed's table layout (markdown): one line per occlusion protocol."""
    head = ("| Occlusion | Protocol | N | MPJPE (mm) | PA-MPJPE (mm) | PCK | FB acc | FB F1 | Parts acc | Parts F1 |\n"
            "|---|---|---|---|---|---|---|---|---|---|")
    f = lambda x, s=1: "–" if math.isnan(x) else f"{x * s:.1f}"  # noqa: E731
    lines = [f"| {r.occlusion} | P{r.protocol} | {r.samples} | {f(r.mpjpe)} | {f(r.pa_mpjpe)} | {f(r.pck, 100)} | "
             f"{f(r.fg_acc, 100)} | {f(r.fg_f1, 100)} | {f(r.parts_acc, 100)} | {f(r.parts_f1, 100)} |" for r in rows]
    return "\n".join([head, *lines]) + "\n\n(PCK, accuracy and F1 in %.)"


def rows_to_csv(rows: list[EvalRow], path: str | os.PathLike) -> None:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(asdict(rows[0])))
    w.writeheader()
    w.writerows(asdict(r) for r in rows)
    atomic_write_text(buf.getvalue(), path)
