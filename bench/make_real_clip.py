"""Regenerate the vendored real demo clip ``core/assets/walk.mp4`` from the sports2d wheel (BSD-3-Clause).

    pip download --no-deps sports2d==0.8.34 -d /tmp/s2d && unzip -o /tmp/s2d/sports2d-*.whl 'Sports2D/Demo/*' -d /tmp/s2d
    python bench/make_real_clip.py /tmp/s2d/Sports2D/Demo/demo.mp4

Source frames 52–151 (3.3 s at 30 fps: a woman walking side-on across the lawn, a man on the box behind
her), downscaled from 1768×994 to WIDTH px wide (INTER_AREA), written as MPEG-4 part 2 (OpenCV's mp4v).
Provenance and licence: core/assets/README.md.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2

FIRST, LAST, WIDTH = 52, 151, 854
FOURCC = "mp4v"  # MPEG-4 part 2: OpenCV's FFmpeg has no H.264 encoder; its VP9 came out 2.4× larger
OUT = Path(__file__).resolve().parents[1] / "core" / "assets" / "walk.mp4"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("source", help="Sports2D/Demo/demo.mp4 from the sports2d 0.8.34 wheel")
    ap.add_argument("-o", "--output", default=str(OUT))
    ap.add_argument("--width", type=int, default=WIDTH)
    args = ap.parse_args(argv)
    cap = cv2.VideoCapture(args.source)
    if not cap.isOpened():
        sys.exit(f"error: {args.source}: cannot open")
    fps = cap.get(cv2.CAP_PROP_FPS)
    w, h = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
    size = (args.width, round(h * args.width / w / 2) * 2)
    out = cv2.VideoWriter(args.output, cv2.VideoWriter_fourcc(*FOURCC), fps, size)
    i = 0
    while True:
        ok, frame = cap.read()
        if not ok or i > LAST:
            break
        if i >= FIRST:
            out.write(cv2.resize(frame, size, interpolation=cv2.INTER_AREA))
        i += 1
    out.release()
    print(f"{args.output}: frames {FIRST}–{LAST} of {args.source}, {size[0]}×{size[1]} at {fps:g} fps")
    return 0


if __name__ == "__main__":
    sys.exit(main())
