"""Data-generation and loading speed (issue 4). Prints a markdown table for docs/BENCHMARKS.md.

    .venv/bin/python bench/bench_data.py [--num 128] [--res 224] [--workers 1 2]

Measures, on whatever CPU this runs on: one rasterization of the open body (mask + face ids),
a full synthetic image (pose → body → shade → composite → ground truth → files) through
``training.data.synthetic.generate`` with 1 and 2 worker processes, and the reader
(``SpinDataset`` with augmentation and occlusion) items per second.
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from core.body.model import load_body_model  # noqa: E402
from core.geometry.rotations import axis_angle_to_matrix  # noqa: E402
from core.render import PinholeCamera, rasterize  # noqa: E402
from training.data import DatasetSpec, OcclusionConfig, SpinDataset  # noqa: E402
from training.data.synthetic import SynthConfig, generate  # noqa: E402


def bench_raster(res: int, reps: int = 30) -> float:
    body = load_body_model()
    pose = torch.zeros(1, 24, 3)
    pose[0, 0, 0] = np.pi
    v = body(axis_angle_to_matrix(pose), torch.zeros(1, 10)).vertices[0].detach().numpy().astype(np.float64)
    v[:, 2] += 2.6
    cam = PinholeCamera.from_fov(50, res, res)
    rasterize(v, body.faces, cam)
    t = time.perf_counter()
    for _ in range(reps):
        rasterize(v, body.faces, cam)
    return (time.perf_counter() - t) / reps * 1000


def _cpu() -> float:
    """CPU seconds (user + system) of this process and its finished children."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--num", type=int, default=128)
    ap.add_argument("--res", type=int, default=224)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    a = ap.parse_args()
    rows = [f"| rasterize open body ({len(load_body_model().faces)} faces), {a.res}² | {bench_raster(a.res):.1f} ms |"]
    with tempfile.TemporaryDirectory() as tmp:
        for w in a.workers:
            t, c = time.perf_counter(), _cpu()
            path = generate(os.path.join(tmp, f"w{w}"), a.num, seed=0, cfg=SynthConfig(res=a.res), workers=w)
            wall, cpu = time.perf_counter() - t, _cpu() - c
            rows.append(f"| synthetic generation, {a.res}², {w} worker(s) | {a.num / wall:.1f} images/s "
                        f"({a.num / cpu:.1f} images per CPU-second) |")
        ds = SpinDataset(DatasetSpec("synthetic", str(path)), train=True, occlusion_cfg=OcclusionConfig(prob=0.5))
        n = min(len(ds), 128)
        t = time.perf_counter()
        for i in range(n):
            ds[i]
        rows.append(f"| reader item (crop 224, augmentation, 50 % occluders), 1 process | {n / (time.perf_counter() - t):.1f} items/s |")
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs visible, torch threads "
          f"{torch.get_num_threads()}, {a.num} images, load average {os.getloadavg()[0]:.1f}\n")
    print("| what | speed |\n| --- | --- |")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
