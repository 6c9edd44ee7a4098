"""End-to-end `hkmr infer` speed and memory (issue 6). Writes nothing outside a temp folder.

    .venv/bin/python bench/bench_inference.py                       # CPU: R-50, R-18, demo; RSS on a long video
    .venv/bin/python bench/bench_inference.py --bf16 --skip-long    # CPU fp32 vs bf16 (AMX) end to end
    .venv/bin/python bench/bench_inference.py --gpu --frames 4000   # when CUDA exists: 720p, batch 256, bf16

ResNet-50 and ResNet-18 (224 px crops) are randomly initialised (speed does not depend on the weights);
"demo" is the shipped checkpoint (ResNet-18 at width 32, 128 px crops); all with the shipped open body.
Frames/s are end to end: decode (background thread) + crop + model + SMPL joints + chunk writes +
the final motion file. Peak memory is the process's RSS, sampled after every chunk.
"""
from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time

import cv2
import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from core.inference.loading import DEFAULT_CHECKPOINT, load_inference_model  # noqa: E402
from core.inference.runner import InferOptions, run_inference  # noqa: E402
from core.model.builder import build_model  # noqa: E402
from core.model.config import BackboneConfig, ModelConfig  # noqa: E402
from core.model.mesh_regressor import predict  # noqa: E402


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def make_video(path: str, n: int, w: int, h: int) -> str:
    vw = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*"mp4v"), 30, (w, h))
    rng = np.random.default_rng(0)
    bg = rng.integers(0, 255, (h, w, 3), dtype=np.uint8)
    for i in range(n):
        img = bg.copy()
        x = int(w * 0.3 + (w * 0.3) * np.sin(i / 30))
        cv2.rectangle(img, (x, h // 6), (x + w // 8, h - h // 10), (200, 170, 150), -1)
        vw.write(img)
    vw.release()
    return path


def run(model, video: str, out: str, opts: InferOptions) -> tuple[float, int, float, list[float]]:
    samples: list[float] = []
    t = time.perf_counter()
    res = run_inference(video, out, model, opts, on_chunk=lambda k: samples.append(rss_mb()))
    dt = time.perf_counter() - t
    return res.frames / dt, res.frames, dt, samples


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=240)
    ap.add_argument("--size", default="640x360")
    ap.add_argument("--long-frames", type=int, default=6000, help="frames of the long video for the RSS check")
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--gpu", action="store_true")
    ap.add_argument("--bf16", action="store_true", help="CPU: also run each backbone with --precision bf16")
    ap.add_argument("--skip-long", action="store_true", help="skip the long-video memory check")
    args = ap.parse_args()
    w, h = (int(v) for v in args.size.split("x"))
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, cuda {torch.cuda.is_available()}")
    with tempfile.TemporaryDirectory() as tmp:
        if args.gpu:
            video = make_video(os.path.join(tmp, "v720.mp4"), args.frames, 1280, 720)
            model = build_model(ModelConfig(backbone=BackboneConfig("resnet50")))
            opts = InferOptions(batch_size=256, device="cuda", chunk_size=1024, queue_size=512, include_mesh=False)
            run(model, video, os.path.join(tmp, "warm.npz"), opts)
            fps, n, dt, _ = run(model, video, os.path.join(tmp, "m.npz"), opts)
            print(f"GPU R-50 HKMR 720p batch 256 bf16: {fps:.0f} frames/s ({n} frames, {dt:.1f} s)")
            return
        video = make_video(os.path.join(tmp, "v.mp4"), args.frames, w, h)
        for name in ("resnet50", "resnet18", "demo"):
            torch.manual_seed(0)
            model = (load_inference_model(DEFAULT_CHECKPOINT).model if name == "demo"
                     else build_model(ModelConfig(backbone=BackboneConfig(name))))
            for amp in (False, True) if args.bf16 else (False,):  # fp32 first: bf16 switches to channels_last
                opts = InferOptions(batch_size=args.batch_size, device="cpu", include_mesh=False, amp=amp)
                fps, n, dt, _ = run(model, video, os.path.join(tmp, f"{name}-{amp}.npz"), opts)
                res = model.config.img_res
                x = torch.randn(args.batch_size, 3, res, res)
                t = time.perf_counter()
                for _ in range(3):
                    predict(model, x, amp=amp, run_body=False)
                model_fps = 3 * args.batch_size / (time.perf_counter() - t)
                print(f"CPU {name} HKMR {res} px {'bf16' if amp else 'fp32'} {w}x{h} batch {args.batch_size}: {fps:.1f} frames/s "
                      f"end to end ({n} frames, {dt:.1f} s); model alone in the same run {model_fps:.1f} frames/s")
        if args.skip_long:
            return
        long_video = make_video(os.path.join(tmp, "long.mp4"), args.long_frames, w, h)
        model = build_model(ModelConfig(backbone=BackboneConfig("resnet18"), img_res=64))
        opts = InferOptions(batch_size=64, device="cpu", chunk_size=512, include_mesh=False)
        fps, n, dt, samples = run(model, long_video, os.path.join(tmp, "long.npz"), opts)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"long video {n} frames {w}x{h} (R-18 at 64 px, to reach length quickly): {fps:.0f} frames/s; "
              f"RSS after chunks: first {samples[0]:.0f} MB, middle {samples[len(samples) // 2]:.0f} MB, "
              f"last {samples[-1]:.0f} MB; peak RSS of the whole process {peak:.0f} MB")


if __name__ == "__main__":
    main()
