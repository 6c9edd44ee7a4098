"""Build the MediaPipe Tasks ``.task`` bundles core's detector ships, from the models inside mediapipe 0.10.21.

    bash .ci/venv pip install flatbuffers           # once: mediapipe's metadata writer needs it
    bash .ci/venv python -m training.detector_bundles   # → core/detect/assets/{pose,hand}_landmarker.task

Why: mediapipe 0.10.21 (the last wheel with bundled models, Apache-2.0) has no Python 3.13 wheel, and 0.10.30+
ship no models; their Tasks API (``PoseLandmarker``, ``HandLandmarker``) loads ``.task`` bundles instead
(docs/architecture.md, "Detector on Python 3.11 and 3.13"). A bundle is an uncompressed, 4-byte aligned zip of
the two ``.tflite`` files under the names the Tasks graphs look for; each model needs an input
``NormalizationOptions`` (mean, std), written here with mediapipe's own metadata writer. The (mean, std) pairs
reproduce the legacy graphs' input ranges: the pose detector sees [-1, 1], the other three [0, 1].

Sources are sha256-checked (core.detect.blazepose.MODEL_FILES, core.detect.hands.HAND_MODEL_FILES) and the zip
entries carry a fixed date, so the output is byte-identical on every run; core.detect.tasks.TASK_FILES holds the
sums of the result, which this tool checks (``--check``) or prints.
"""
from __future__ import annotations

import argparse
import hashlib
import sys
import time
import zipfile
from pathlib import Path
from unittest import mock

from core.detect.blazepose import MEDIAPIPE_VERSION, MODEL_FILES, model_paths
from core.detect.hands import HAND_MODEL_FILES
from core.detect.tasks import ASSET_DIR, TASK_FILES

__all__ = ["BUNDLES", "build_bundle", "main"]

_DATE = (2021, 7, 2, 0, 0, 0)  # fixed entry date (the pose model's release): reproducible bytes
#: bundle → [(entry name the Tasks graph expects, source file in the 0.10.21 wheel, norm mean, norm std)]
BUNDLES: dict[str, list[tuple[str, str, float, float]]] = {
    "pose_landmarker.task": [
        ("pose_detector.tflite", "modules/pose_detection/pose_detection.tflite", 127.5, 127.5),
        ("pose_landmarks_detector.tflite", "modules/pose_landmark/pose_landmark_full.tflite", 0.0, 255.0),
    ],
    "hand_landmarker.task": [
        ("hand_detector.tflite", "modules/palm_detection/palm_detection_full.tflite", 0.0, 255.0),
        ("hand_landmarks_detector.tflite", "modules/hand_landmark/hand_landmark_full.tflite", 0.0, 255.0),
    ],
}


def _with_metadata(model: bytes, name: str, mean: float, std: float) -> bytes:
    """``model`` with an image-input NormalizationOptions (x - mean) / std written into its TFLite metadata."""
    from mediapipe.tasks.python.metadata.metadata_writers import metadata_writer  # dev-time tool only

    writer = metadata_writer.MetadataWriter.create(bytearray(model))
    writer.add_general_info(name, f"mediapipe {MEDIAPIPE_VERSION} model, input normalised (x - {mean}) / {std}")
    writer.add_image_input(norm_mean=[mean], norm_std=[std])
    # the hand models carry label files, which the writer re-zips inside the model with the current time
    with mock.patch("time.localtime", lambda *_: time.struct_time((*_DATE, 4, 183, 0))):
        return bytes(writer.populate()[0])


def build_bundle(entries: list[tuple[str, str, float, float]], out: Path) -> str:
    """Write one bundle to ``out``; returns its sha256."""
    from mediapipe.tasks.python.metadata.metadata_writers.model_asset_bundle_utils import AlignZipFile

    sources = {rel: sha for rel, sha in {**MODEL_FILES, **HAND_MODEL_FILES}.items() if rel in {e[1] for e in entries}}
    paths = model_paths(sources)  # sha256-checked files of the installed mediapipe 0.10.21
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    with AlignZipFile(tmp, mode="w", alignment=4) as zf:
        for entry, rel, mean, std in entries:
            info = zipfile.ZipInfo(entry, date_time=_DATE)
            info.compress_type = zipfile.ZIP_STORED
            info.external_attr = 0o644 << 16
            zf.writestr(info, _with_metadata(Path(paths[rel]).read_bytes(), Path(rel).stem, mean, std))
    tmp.replace(out)
    return hashlib.sha256(out.read_bytes()).hexdigest()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m training.detector_bundles", description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=ASSET_DIR, help=f"folder for the bundles (default {ASSET_DIR})")
    ap.add_argument("--check", action="store_true", help="fail unless every bundle equals core.detect.tasks.TASK_FILES")
    args = ap.parse_args(argv)
    bad = 0
    for name, entries in BUNDLES.items():
        sha = build_bundle(entries, args.out / name)
        ok = TASK_FILES.get(name) == sha
        bad += not ok
        print(f"{args.out / name}: {(args.out / name).stat().st_size / 1e6:.2f} MB sha256 {sha}"
              f"{'' if ok else '  (differs from core.detect.tasks.TASK_FILES)'}")
    return 1 if (bad and args.check) else 0


if __name__ == "__main__":
    sys.exit(main())
