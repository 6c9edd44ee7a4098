"""Build the HKMR Blender extension zip and validate it — no Blender binary needed.

    python build.py [--out dist]
    Blender, no terminal: Scripting workspace → Text → Open… build.py → Run Script (writes dist/ beside it)

Stages ``hkmr_blender/**/*.py``, the retarget presets ``retarget/presets/*.json``,
``hkmr_blender/assets/*.npz`` and ``hkmr_blender/wheels/*.whl`` with the
top-level ``blender_manifest.toml`` into a temporary folder, then runs Blender's own extension tool
(``bl_pkg/cli/blender_ext.py`` from the installed ``bpy`` module) to ``build`` and ``validate`` the zip.
Without the ``bpy`` module (any Python 3.11+, outside the project's venv) the same staged files are zipped
with :mod:`zipfile` (manifest at the zip's root, as Blender's tool writes it) after a check of the
manifest's required fields and wheels, and a note says that Blender's own validation was skipped.
The extension also carries ``hkmr infer``'s default path for "Motion from Video" (docs/architecture.md,
"Video support inside Blender"): ``core``'s sources and the keypoint model's weights go into
``core_runtime/core``, beside a two-line ``core_runtime/hkmr_blender`` package that points at the extension's
own folder (so core's ``hkmr_blender.base`` imports are the installed extension's files). The image model
(``hkmr_demo.pt``, ``--no-fit`` only) and the demo clip stay out. ``core_runtime/CHECKSUMS.json`` records the
sha256 of every shipped model/body file; after building, the zip is checked to hold each with that checksum.
The wheels listed in the manifest are committed (pure Python, 30 KB); a missing one is fetched with
``pip download <name>==<version> --no-deps --only-binary=:all:``.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent
PACKAGE = ROOT / "hkmr_blender"
MANIFEST = ROOT / "blender_manifest.toml"


CORE = ROOT / "core"
CORE_FOLDER = "core_runtime"  # hkmr_blender/runtime/locate.py reads the same name
#: core's data files the default ``hkmr infer`` path needs (the keypoint model; the detector's Tasks bundles,
#: body and ``--hands``, core/detect/tasks.py; the open body is in assets/).
CORE_DATA = ("model/assets/hkmr_keypoints.pt", "detect/assets/pose_landmarker.task",
             "detect/assets/hand_landmarker.task")
CHECKSUMS = "CHECKSUMS.json"
SHIM = ('"""The add-on package as seen by core inside the installed extension: its path is the extension\'s own\n'
        'folder, so ``hkmr_blender.base`` resolves to the extension\'s files and its bpy ``__init__`` never runs."""\n'
        'import os as _os\n\n'
        '__path__ = [_os.path.dirname(_os.path.dirname(_os.path.dirname(_os.path.abspath(__file__))))]\n')

MANIFEST_REQUIRED = ("schema_version", "id", "version", "name", "tagline", "maintainer", "type",
                     "blender_version_min", "license")


def in_blender() -> bool:
    """Whether this runs inside a Blender binary (Scripting workspace → Run Script), not the bpy module."""
    bpy = sys.modules.get("bpy")
    return bool(bpy is not None and getattr(bpy.app, "binary_path", ""))


def blender_ext_cli() -> Path | None:
    """Path of Blender's extension command-line tool inside the installed bpy module, or of the running Blender
    (None without bpy)."""
    import importlib.util
    if in_blender():
        import bpy
        found = bpy.utils.system_resource("SCRIPTS", path="addons_core/bl_pkg/cli/blender_ext.py")
        return Path(found) if found and Path(found).is_file() else None
    spec = importlib.util.find_spec("bpy")
    if spec is None or not spec.submodule_search_locations:
        return None
    base = Path(next(iter(spec.submodule_search_locations)))
    found = sorted(base.glob("*/scripts/addons_core/bl_pkg/cli/blender_ext.py"))
    if not found:
        raise SystemExit(f"Blender's blender_ext.py not found under {base}")
    return found[-1]


def ensure_wheels(manifest: dict) -> None:
    """Download any manifest wheel missing from hkmr_blender/wheels (pure-Python, no deps)."""
    for rel in manifest.get("wheels", []):
        path = PACKAGE / rel
        if path.is_file():
            continue
        m = re.match(r"(?P<name>[A-Za-z0-9_.]+)-(?P<ver>[^-]+)-", path.name)
        if not m:
            raise SystemExit(f"cannot parse wheel name {path.name}")
        path.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "pip", "download", f"{m['name']}=={m['ver']}", "--no-deps",
                        "--only-binary=:all:", "-d", str(path.parent)], check=True)


def stage(dest: Path, manifest: dict) -> None:
    """Copy what the extension ships into ``dest`` (sources, assets, wheels, manifest)."""
    dest.mkdir(parents=True)
    for src in sorted([*PACKAGE.rglob("*.py"), *PACKAGE.glob("retarget/presets/*.json")]):  # recursively
        if "__pycache__" in src.parts:
            continue
        (dest / src.relative_to(PACKAGE)).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dest / src.relative_to(PACKAGE))
    assets = sorted((PACKAGE / "assets").glob("*.npz"))
    if assets:
        (dest / "assets").mkdir()
        for src in assets:
            shutil.copy2(src, dest / "assets" / src.name)
    for rel in manifest.get("wheels", []):
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(PACKAGE / rel, dest / rel)
    shutil.copy2(MANIFEST, dest / MANIFEST.name)
    stage_core(dest)


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def stage_core(dest: Path) -> dict[str, str]:
    """Copy core's sources and :data:`CORE_DATA` to ``dest/core_runtime``, write the shim package and
    CHECKSUMS.json (extension-relative path → sha256 of every shipped model/body file); return the checksums."""
    folder = dest / CORE_FOLDER
    for src in sorted(CORE.rglob("*.py")):
        if "__pycache__" in src.parts:
            continue
        out = folder / "core" / src.relative_to(CORE)
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, out)
    for rel in CORE_DATA:
        (folder / "core" / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(CORE / rel, folder / "core" / rel)
    (folder / "hkmr_blender").mkdir()
    (folder / "hkmr_blender" / "__init__.py").write_text(SHIM)
    shipped = [folder / "core" / rel for rel in CORE_DATA] + sorted((dest / "assets").glob("*.npz"))
    sums = {p.relative_to(dest).as_posix(): sha256_of(p) for p in shipped}
    (folder / CHECKSUMS).write_text(json.dumps(sums, indent=1) + "\n")
    return sums


def check_zip(zip_path: Path) -> dict[str, str]:
    """The built zip holds core's entry point, the shim and every file of CHECKSUMS.json with its checksum."""
    with zipfile.ZipFile(zip_path) as zf:
        names = set(zf.namelist())
        need = [f"{CORE_FOLDER}/{CHECKSUMS}", f"{CORE_FOLDER}/hkmr_blender/__init__.py",
                f"{CORE_FOLDER}/core/inference/cli.py", "base/smpl_file.py"]
        missing = [n for n in need if n not in names]
        if missing:
            raise SystemExit(f"{zip_path}: missing {', '.join(missing)}")
        sums = json.loads(zf.read(f"{CORE_FOLDER}/{CHECKSUMS}"))
        for rel, want in sums.items():
            if rel not in names:
                raise SystemExit(f"{zip_path}: {rel} listed in {CHECKSUMS} is not in the zip")
            if hashlib.sha256(zf.read(rel)).hexdigest() != want:
                raise SystemExit(f"{zip_path}: {rel} does not match its checksum in {CHECKSUMS}")
    return sums


def check_manifest(manifest: dict) -> None:
    """The checks that do not need Blender: required fields present, listed wheels on disk."""
    missing = [k for k in MANIFEST_REQUIRED if k not in manifest]
    if missing:
        raise SystemExit(f"{MANIFEST}: missing field(s) {', '.join(missing)}")
    absent = [rel for rel in manifest.get("wheels", []) if not (PACKAGE / rel).is_file()]
    if absent:
        raise SystemExit(f"{MANIFEST}: wheel(s) not found under {PACKAGE}: {', '.join(absent)}")


def zip_folder(src: Path, zip_path: Path) -> None:
    """Zip ``src``'s files with paths relative to it (the manifest at the zip's root)."""
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in sorted(p for p in src.rglob("*") if p.is_file()):
            zf.write(f, f.relative_to(src).as_posix())


def run_cli(cli: Path, *args: str) -> str:
    proc = subprocess.run([sys.executable, str(cli), *args], capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"blender_ext {args[0]} failed:\n{proc.stdout}{proc.stderr}")
    return proc.stdout


def build(out_dir: Path, cli: Path | None = None) -> Path:
    """Build the zip in ``out_dir`` and validate it with Blender's tool ``cli`` (None: zip it with
    :mod:`zipfile` after :func:`check_manifest`); return its path."""
    manifest = tomllib.loads(MANIFEST.read_text())
    ensure_wheels(manifest)
    check_manifest(manifest)
    out_dir.mkdir(parents=True, exist_ok=True)
    zip_path = out_dir / f"{manifest['id']}-{manifest['version']}.zip"
    tmp_zip = out_dir / f".{zip_path.name}.tmp.zip"
    try:
        with tempfile.TemporaryDirectory() as tmp:
            src = Path(tmp) / manifest["id"]
            stage(src, manifest)
            if cli is None:
                zip_folder(src, tmp_zip)
            else:
                run_cli(cli, "validate", str(src))
                run_cli(cli, "build", "--source-dir", str(src), "--output-filepath", str(tmp_zip))
        if cli is not None:
            run_cli(cli, "validate", str(tmp_zip))
        check_zip(tmp_zip)
        tmp_zip.replace(zip_path)
    finally:
        tmp_zip.unlink(missing_ok=True)
    return zip_path


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=str(ROOT / "dist"), help="output folder (default: dist/)")
    args = ap.parse_args(argv)
    cli = blender_ext_cli()
    path = build(Path(args.out), cli)
    size = f"{path.stat().st_size / 1e6:.1f} MB"
    if cli is None:
        print(f"built {path} ({size}); Blender's extension validation skipped: this Python has no bpy module "
              "(pip install bpy==5.0.1, or run with the project's .venv/bin/python, to validate)")
    else:
        print(f"built and validated {path} ({size})")
    return 0


if __name__ == "__main__":
    if in_blender():  # run from Blender's Text Editor: no command line to parse, and no sys.exit (it would quit)
        main([])
    else:
        sys.exit(main())
