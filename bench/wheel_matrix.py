"""Which pinned package has a wheel where: Windows x64, macOS arm64 / x86_64, Linux x86_64 × Python 3.11 / 3.13.

What cannot be run here is checked the way pip would install it there: for every (pin, platform, Python)
``pip download --only-binary=:all: --platform … --python-version … --implementation cp --no-deps`` into a
temporary folder (deleted afterwards), recording the wheel pip chose and its size, or pip's refusal.
Run it once by hand (it downloads a few GB: the Linux torch from the default index is the CUDA build):

    python bench/wheel_matrix.py --out docs/wheel-matrix.md      # the table docs/platforms.md quotes

Pins come from pyproject.toml (runtime and development) and the video runtime candidates; this file is
the one place that lists them for this check.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

# (label, platform tags pip expands to older compatible ones)
PLATFORMS = {
    "Windows x64": ["win_amd64"],
    "macOS arm64": ["macosx_14_0_arm64"],
    "macOS x86_64": ["macosx_14_0_x86_64"],
    # pip expands macOS tags to older macOS versions itself, but not manylinux_2_28 to older glibc tags
    "Linux x86_64": [f"manylinux_2_{m}_x86_64" for m in range(28, 16, -1)] + ["manylinux2014_x86_64"],
}
PYTHONS = ("3.11", "3.13")
CERTS = "/etc/ssl/certs/ca-certificates.crt"   # the system CA bundle (pip's configured one is dropped below)
# PyPI as a user's pip sees it: no pip config files (this machine's add local wheel folders, mirrors and a
# torch constraint) and no PIP_* variables
PLAIN_PIP = {**{k: v for k, v in os.environ.items() if not k.startswith("PIP_")}, "PIP_CONFIG_FILE": os.devnull}
# (requirement, role, Pythons it is asked for): role "runtime" = what Motion from Video needs next to
# Blender's own Python; "dev" = the development venv only; "candidate" = a route under evaluation.
PINS = [
    ("torch==2.13.0", "runtime", PYTHONS),
    ("smplx==0.1.28", "runtime", PYTHONS),
    ("opencv-python-headless<4.11", "runtime", PYTHONS),
    ("scipy>=1.11", "runtime", PYTHONS),
    ("roma==1.8.0", "runtime", PYTHONS),
    ("tqdm>=4.66", "runtime", PYTHONS),
    ("mediapipe==0.10.21", "runtime", PYTHONS),
    ("protobuf>=4.25.3,<5", "runtime", PYTHONS),
    ("attrs>=19.1.0", "runtime", PYTHONS),
    ("matplotlib>=3.7", "runtime", PYTHONS),
    ("smplcodec==2.3.0", "add-on wheel", PYTHONS),
    ("semver==3.1.1", "add-on wheel", PYTHONS),
    ("numpy>=1.26,<2", "dev (Blender ships numpy)", ("3.11",)),
    ("numpy>=2.2", "dev (Blender ships numpy)", ("3.13",)),
    ("bpy==5.0.1", "dev / tests", ("3.11",)),
    ("bpy==4.5.15", "tests", ("3.11",)),
    ("bpy==4.2.23", "tests", ("3.11",)),
    ("bpy==5.3.0", "tests", ("3.13",)),
    ("ai-edge-litert==2.3.0", "candidate (TFLite runtime)", PYTHONS),
    ("mediapipe==0.10.35", "candidate (Tasks API, no models)", PYTHONS),
]


def check(req: str, plat: str, py: str) -> dict:
    """pip's answer for one cell: {"ok", "file", "mb", "seconds", "error"}."""
    with tempfile.TemporaryDirectory(prefix="wheelmatrix-") as tmp:
        cmd = [sys.executable, "-m", "pip", "download", "--disable-pip-version-check", "-q", "--no-deps",
               "--only-binary=:all:", "--implementation", "cp", "--python-version", py, "-d", tmp, req]
        if Path(CERTS).is_file():
            cmd += ["--cert", CERTS]
        for tag in PLATFORMS[plat]:
            cmd += ["--platform", tag]
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=3600, env=PLAIN_PIP)
        files = list(Path(tmp).glob("*.whl"))
        cell = {"ok": proc.returncode == 0 and len(files) == 1, "seconds": round(time.perf_counter() - t0, 1)}
        if cell["ok"]:
            cell.update(file=files[0].name, mb=round(files[0].stat().st_size / 2**20, 1))
        else:
            err = [ln for ln in proc.stderr.splitlines() if ln.startswith("ERROR")]
            cell["error"] = (err[0] if err else proc.stderr.strip()[-200:])[:200]
        return cell


def markdown(results: dict) -> str:
    cols = [(p, py) for p in PLATFORMS for py in PYTHONS]
    head = "| pin | role | " + " | ".join(f"{p} {py}" for p, py in cols) + " |"
    lines = [head, "|" + " --- |" * (len(cols) + 2)]
    for req, role, pys in PINS:
        cells = []
        for p, py in cols:
            c = results.get(f"{req}|{p}|{py}")
            if c is None:
                cells.append("–")
            elif c["ok"]:
                ver = c["file"].split("-")[1]
                cells.append(f"{ver}, {c['mb']} MB" if c["mb"] >= 0.1 else f"{ver}, < 0.1 MB")
            else:
                cells.append("**no wheel**")
        lines.append(f"| `{req}` | {role} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, help="write the markdown table here (and the raw cells beside it as .json)")
    ap.add_argument("--only", default="", help="check only pins whose requirement contains this text "
                    "(with --merge and a text no pin has: just print the merged table)")
    ap.add_argument("--platform", default="", help="check only platforms whose label contains this text")
    ap.add_argument("--merge", type=Path, help="start from the cells of an earlier run's .json (re-checked cells replace them)")
    ap.add_argument("--jobs", type=int, default=4)
    args = ap.parse_args(argv)
    jobs = [(req, p, py) for req, _, pys in PINS if args.only in req for p in PLATFORMS if args.platform in p
            for py in pys]
    with ThreadPoolExecutor(args.jobs) as pool:
        cells = list(pool.map(lambda j: check(*j), jobs))
    results = json.loads(args.merge.read_text()) if args.merge else {}
    results.update({f"{r}|{p}|{py}": c for (r, p, py), c in zip(jobs, cells)})
    for key, c in results.items():
        print(key, "OK " + c["file"] + f" {c['mb']} MB" if c["ok"] else "NO " + c["error"], flush=True)
    table = markdown(results)
    print(table)
    if args.out:
        args.out.write_text(table)
        args.out.with_suffix(".json").write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
