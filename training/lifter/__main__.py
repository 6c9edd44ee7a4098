"""``python -m training.lifter --config training/configs/lifter/world_lifter.json --out PATH [--set KEY=VALUE …]``:
train the world lifter (:mod:`training.lifter.train`) and write its file (``hkmr-world-lifter``).
``--release CHECKPOINT --out PATH --note TEXT``: copy a trained file with a release note (data, licence) and no
training log, as shipped under core/model/assets/."""
from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m training.lifter", description=__doc__)
    ap.add_argument("--config", help="a JSON recipe (training/configs/lifter/)")
    ap.add_argument("--release", metavar="CHECKPOINT", help="copy this trained file to --out with --note instead")
    ap.add_argument("--out", required=True, help="where the lifter file goes")
    ap.add_argument("--set", dest="overrides", nargs="*", default=[], metavar="KEY=VALUE",
                    help="recipe overrides, e.g. train.steps=100 model.use_world=false")
    ap.add_argument("--note", default="", help="a note stored in the file's meta (data, licence)")
    a = ap.parse_args(argv)
    if a.release:
        from core.model.world_lifter import load_world_lifter, read_meta, save_world_lifter
        try:
            model, meta = load_world_lifter(a.release), read_meta(a.release)
        except ValueError as exc:
            print(f"error: --release: {exc}", file=sys.stderr)
            return 2
        save_world_lifter(a.out, model, meta={"recipe": meta.get("recipe"), "note": a.note,
                                              "seconds": (meta.get("training") or {}).get("seconds")})
        print(f"wrote {a.out}")
        return 0
    from training.config import load_recipe
    from training.lifter.train import LifterExperiment, train_lifter

    try:
        exp = load_recipe(LifterExperiment, a.config, a.overrides)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if exp.train.mocap:
        import os
        if not os.path.isfile(os.path.join(exp.train.mocap, "manifest.json")):
            print(f"error: train.mocap {exp.train.mocap!r}: no converted mocap set there (build one with "
                  f"python -m training.data.mocap build, docs/training-data.md) or set train.mocap=null",
                  file=sys.stderr)
            return 2
    train_lifter(exp, a.out, note=a.note)
    print(f"wrote {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
