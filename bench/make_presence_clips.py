"""Build real footage for the person-presence calibration (issue 19, item 2) from fetched public photos.

Each still becomes a short video with camera motion over it ("Ken Burns": a crop window that pans and zooms
across the photo, resampled with INTER_AREA), so the detector sees a moving real scene, not one frozen frame.
Sources (licences in tests/data/scenes/README.md), fetched with the search tool's ``fetch`` at development time:

- scikit-image, commit cd0a3d22b9f359f05618d75d5c7a29b91b4951ca, ``src/_skimage2/data/``: CC0 / public-domain
  photos (docstrings of ``skimage.data``);
- matplotlib's ``mpl-data/sample_data/grace_hopper.jpg`` (a public-domain portrait: the "poster of a person" case);
- this repository's own BSD-3 footage: ``core/assets/walk.mp4`` (person clips, a person leaving the frame, the
  empty lawn and trees beside her) and ``tests/data/no_person.jpg``.

    python bench/make_presence_clips.py --skimage /work/.mirror/scikit-image+scikit-image/repo --out /tmp/scenes

writes one ``NAME.mp4`` per scene (:data:`STILLS`) at ``--size`` and ``--frames``, the hard launch-pad paths
(:data:`HARD`) and the crops of the walk clip (:data:`WALK_CROPS`).
"""
from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np

FOURCC = "mp4v"
#: name → (source file, start box, end box): boxes are (cx, cy, w) as fractions of the photo's width/height,
#: the crop keeps the video's aspect ratio. Chosen to cross the photo's busiest parts (foliage, clutter).
#: :data:`HARD` adds the paths over the launch pad that fooled BlazePose most, at their own size and length.
STILLS: dict[str, tuple[str, tuple[float, float, float], tuple[float, float, float]]] = {
    "trees_building": ("tests:no_person.jpg", (0.3, 0.5, 0.6), (0.7, 0.5, 0.9)),
    "grass": ("skimage:grass.png", (0.3, 0.4, 0.5), (0.6, 0.6, 0.9)),
    "gravel": ("skimage:gravel.png", (0.4, 0.4, 0.9), (0.6, 0.6, 0.5)),
    "brick": ("skimage:brick.png", (0.3, 0.5, 0.6), (0.7, 0.5, 0.8)),
    "coffee": ("skimage:coffee.png", (0.4, 0.5, 0.7), (0.6, 0.5, 1.0)),
    "cat": ("skimage:chelsea.png", (0.5, 0.5, 1.0), (0.5, 0.45, 0.6)),
    "horse_silhouette": ("skimage:horse.png", (0.5, 0.5, 1.0), (0.45, 0.5, 0.7)),
    "launch_pad": ("skimage:rocket.jpg", (0.5, 0.6, 0.6), (0.5, 0.5, 1.0)),
    "launch_towers": ("skimage:rocket.jpg", (0.2, 0.6, 0.4), (0.8, 0.6, 0.4)),
    "trees_close": ("tests:no_person.jpg", (0.2, 0.4, 0.35), (0.5, 0.6, 0.5)),
    "garage_motorcycle": ("skimage:motorcycle_left.png", (0.3, 0.5, 0.6), (0.6, 0.5, 1.0)),
    "coins": ("skimage:coins.png", (0.5, 0.5, 1.0), (0.4, 0.4, 0.6)),
    "handwriting": ("skimage:text.png", (0.3, 0.5, 0.5), (0.7, 0.5, 0.5)),
    "poster_person": ("mpl:grace_hopper.jpg", (0.5, 0.5, 1.0), (0.5, 0.45, 0.8)),
    "astronaut_photo": ("skimage:astronaut.png", (0.5, 0.5, 1.0), (0.45, 0.45, 0.7)),
    "cameraman_photo": ("skimage:camera.png", (0.5, 0.5, 1.0), (0.4, 0.5, 0.7)),
}


#: name → (source, start box, end box, (width, height), frames): launch-pad paths where BlazePose (at mediapipe's
#: default thresholds) reported a person in 5–22 of 40 frames, legs and visibility like a real person's.
HARD: dict[str, tuple[str, tuple, tuple, tuple[int, int], int]] = {
    "towers_b": ("skimage:rocket.jpg", (0.5, 0.65, 0.4), (0.5, 0.55, 0.7), (240, 320), 40),
    "towers_c": ("skimage:rocket.jpg", (0.4, 0.6, 0.6), (0.6, 0.6, 0.6), (320, 240), 40),
    "towers_d": ("skimage:rocket.jpg", (0.5, 0.6, 0.6), (0.5, 0.5, 1.0), (320, 240), 40),
    "towers_e": ("skimage:rocket.jpg", (0.5, 0.5, 0.3), (0.5, 0.6, 0.5), (240, 320), 40),
}

#: Crops of the vendored real clip core/assets/walk.mp4 (854×480, 100 frames; a woman walks right to left, rows
#: 210–480 hold only her, a man stands on the box above): name → (first frame, frames, rows, columns).
WALK_CROPS: dict[str, tuple[int, int, tuple[int, int], tuple[int, int]]] = {
    "walk_woman": (0, 100, (210, 480), (0, 854)),        # a person in every frame
    "walk_leaves": (0, 100, (210, 480), (427, 854)),     # she walks out of the left edge half-way through
    "walk_enters_edge": (20, 40, (210, 480), (0, 600)),  # she comes in at the right edge, cut by it at first
    "walk_empty_lawn": (0, 60, (300, 480), (0, 200)),    # lawn and the box's corner, nobody
    "walk_trees": (40, 60, (0, 480), (600, 854)),        # trees, a trunk, a building, sun flare: she has left
}


def walk_crop(first: int, count: int, rows, cols) -> list[np.ndarray]:
    """Frames ``first``…``first + count - 1`` of core/assets/walk.mp4, cropped (BGR)."""
    cap = cv2.VideoCapture(str(Path(__file__).resolve().parents[1] / "core" / "assets" / "walk.mp4"))
    for _ in range(first):
        cap.grab()
    out = []
    for _ in range(count):
        ok, f = cap.read()
        if not ok:
            break
        out.append(np.ascontiguousarray(f[rows[0]:rows[1], cols[0]:cols[1]]))
    return out


def read_source(spec: str, skimage_repo: str, commit: str = "HEAD") -> np.ndarray:
    """``skimage:NAME`` (from the fetched scikit-image git directory), ``mpl:NAME`` (matplotlib's sample data) or
    ``tests:NAME`` (tests/data) → BGR uint8 image."""
    kind, name = spec.split(":", 1)
    if kind == "skimage":
        blob = subprocess.run(["git", "-C", skimage_repo, "show", f"{commit}:src/_skimage2/data/{name}"],
                              check=True, capture_output=True).stdout
        img = cv2.imdecode(np.frombuffer(blob, np.uint8), cv2.IMREAD_COLOR)
    elif kind == "mpl":
        import matplotlib

        img = cv2.imread(str(Path(matplotlib.get_data_path()) / "sample_data" / name))
    else:
        img = cv2.imread(str(Path(__file__).resolve().parents[1] / "tests" / "data" / name))
    if img is None:
        raise SystemExit(f"error: cannot read {spec}")
    return img


def ken_burns(img: np.ndarray, start, end, frames: int, size: tuple[int, int]) -> list[np.ndarray]:
    """``frames`` crops of ``img`` moving from box ``start`` to ``end`` ((cx, cy, w) fractions, smooth-stepped),
    each resized to ``size`` (w, h) → BGR frames."""
    h, w = img.shape[:2]
    aspect = size[1] / size[0]
    out = []
    for i in range(frames):
        t = i / max(frames - 1, 1)
        t = t * t * (3 - 2 * t)
        cx, cy, fw = (a + (b - a) * t for a, b in zip(start, end))
        cw = min(fw * w, w, h / aspect)
        ch = cw * aspect
        x0 = float(np.clip(cx * w - cw / 2, 0, w - cw))
        y0 = float(np.clip(cy * h - ch / 2, 0, h - ch))
        m = np.array([[size[0] / cw, 0, -x0 * size[0] / cw], [0, size[1] / ch, -y0 * size[1] / ch]])
        out.append(cv2.warpAffine(img, m, size, flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REFLECT))
    return out


def write_video(path: Path, frames: list[np.ndarray], fps: float = 30.0) -> None:
    h, w = frames[0].shape[:2]
    out = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*FOURCC), fps, (w, h))
    for f in frames:
        out.write(f)
    out.release()


#: The vendored test clips (tests/data/scenes/): file → (source, start box, end box, (width, height), frames).
VENDORED: dict[str, tuple[str, tuple, tuple, tuple[int, int], int]] = {
    "towers.mp4": HARD["towers_d"][:3] + ((320, 240), 40),
    "towers_legless.mp4": HARD["towers_b"][:3] + ((240, 320), 40),
    "poster_person.mp4": STILLS["poster_person"] + ((320, 240), 20),
}


def vendor(skimage_repo: str) -> int:
    out = Path(__file__).resolve().parents[1] / "tests" / "data" / "scenes"
    out.mkdir(exist_ok=True)
    for name, (spec, a, b, size, frames) in VENDORED.items():
        write_video(out / name, ken_burns(read_source(spec, skimage_repo), a, b, frames, size))
        print(out / name)
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--skimage", required=True, help="git directory of the fetched scikit-image snapshot")
    ap.add_argument("--out", required=True)
    ap.add_argument("--frames", type=int, default=30)
    ap.add_argument("--size", default="480x360")
    ap.add_argument("--only", nargs="*", help="scene names (default: all)")
    ap.add_argument("--vendor", action="store_true", help="write the clips the tests use (tests/data/scenes/, "
                    "see its README) instead")
    args = ap.parse_args(argv)
    if args.vendor:
        return vendor(args.skimage)
    size = tuple(int(v) for v in args.size.split("x"))
    Path(args.out).mkdir(parents=True, exist_ok=True)
    for name, (spec, a, b) in STILLS.items():
        if args.only and name not in args.only:
            continue
        write_video(Path(args.out) / f"{name}.mp4", ken_burns(read_source(spec, args.skimage), a, b, args.frames, size))
        print(f"{args.out}/{name}.mp4")
    for name, (spec, a, b, size, frames) in HARD.items():
        if args.only and name not in args.only:
            continue
        write_video(Path(args.out) / f"{name}.mp4", ken_burns(read_source(spec, args.skimage), a, b, frames, size))
        print(f"{args.out}/{name}.mp4")
    for name, (first, count, rows, cols) in WALK_CROPS.items():
        if args.only and name not in args.only:
            continue
        write_video(Path(args.out) / f"{name}.mp4", walk_crop(first, count, rows, cols))
        print(f"{args.out}/{name}.mp4")
    return 0


if __name__ == "__main__":
    sys.exit(main())
