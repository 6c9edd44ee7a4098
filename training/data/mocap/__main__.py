"""``python -m training.data.mocap build …``: see :mod:`training.data.mocap.build`."""
from __future__ import annotations

import argparse
import sys

import torch


def main(argv: list[str] | None = None) -> int:
    from .build import __doc__ as doc, build
    from .sources import SOURCES

    ap = argparse.ArgumentParser(prog="python -m training.data.mocap", description=doc,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build", help="convert fetched mocap snapshots to the open body")
    b.add_argument("--source", action="append", required=True, metavar="NAME=GIT_DIR",
                   help=f"a fetched snapshot's git directory; NAME one of {', '.join(SOURCES)}")
    b.add_argument("--out", default="data/mocap")
    b.add_argument("--heldout", type=int, nargs="*", default=[2], help="CMU subjects kept for evaluation")
    b.add_argument("--fps", type=float, default=30.0)
    b.add_argument("--max-bone-deg", type=float, default=25.0)
    b.add_argument("--max-files", type=int, default=None)
    b.add_argument("--max-frames", type=int, default=None, help="first frames only (a small test set)")
    b.add_argument("--resume", action="store_true", help="reuse clips an interrupted run already converted")
    a = ap.parse_args(argv)
    pairs = {}
    for s in a.source:
        name, sep, path = s.partition("=")
        if not sep or name not in SOURCES:
            ap.error(f"--source {s!r}: want NAME=GIT_DIR with NAME one of {', '.join(SOURCES)}")
        pairs[name] = path
    torch.set_num_threads(1)
    from core.body.discovery import OPEN_BODY_PATH
    from core.body.model import load_body_model

    m = build(load_body_model(OPEN_BODY_PATH), pairs, a.out, set(a.heldout), a.fps, a.max_bone_deg, a.max_files,
              a.max_frames, resume=a.resume)
    import json
    print(json.dumps(m["summary"], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
