"""``python -m training.contacts --config training/configs/contacts/contact_net.json --out PATH [--set KEY=VALUE …]``:
train the foot-contact classifier (:mod:`training.contacts.train`) and write its file (``hkmr-contact-net``)."""
from __future__ import annotations

import argparse
import os
import sys


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m training.contacts", description=__doc__)
    ap.add_argument("--config", help="a JSON recipe (training/configs/contacts/)")
    ap.add_argument("--out", required=True, help="where the classifier file goes")
    ap.add_argument("--set", dest="overrides", nargs="*", default=[], metavar="KEY=VALUE",
                    help="recipe overrides, e.g. train.steps=100 model.window=9")
    ap.add_argument("--note", default="", help="a note stored in the file's meta (data, licence)")
    a = ap.parse_args(argv)
    from training.config import load_recipe
    from training.contacts.train import ContactExperiment, train_contacts

    try:
        exp = load_recipe(ContactExperiment, a.config, a.overrides)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not os.path.isfile(os.path.join(exp.train.mocap, "manifest.json")):
        print(f"error: train.mocap {exp.train.mocap!r}: no converted mocap set there (build one with "
              f"python -m training.data.mocap build, docs/training-data.md)", file=sys.stderr)
        return 2
    train_contacts(exp, a.out, note=a.note)
    print(f"wrote {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
