"""Build the real-mocap data set from fetched snapshots with one command, and read it back.

    python -m training.data.mocap build --source iclone-cmu=/work/.mirror/DragonForgedTheArtist+IClone-CMU-Mocap/repo \
        --out data/mocap --heldout 2

Per clip: BVH → joint positions (Y up, metres) → resampled to ``--fps`` → the open body fitted to them
(:mod:`.retarget`; one β per clip from a subsample, then pose and root in chunks) → bone directions checked
(clips whose 95th-percentile bone angle exceeds ``--max-bone-deg`` are recorded and left out) →
``clips/<source>_<subject>_<trial>.npz`` (AMASS-like: ``poses`` (F,72) axis-angle with joint 0 the Y-up world
orientation, ``betas`` (NB,), ``trans`` (F,3), ``mocap_framerate``) and a row in ``manifest.json`` (source
repository, commit, path, licence, credit, subject, description, activity, split, checks).
Subjects given to ``--heldout`` are marked split "heldout" (for evaluation only); CMU 01/55/131 never enter.
"""
from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
from collections import Counter

import numpy as np
import torch

from core.body.model import BodyModel
from core.geometry.rotations import matrix_to_axis_angle
from training.io import atomic_write_text

from . import RESERVED_SUBJECTS
from .bvh import bvh_positions, read_bvh
from .retarget import bone_check, retarget
from .fbx import fbx_positions
from .sources import CMU_CREDIT, SOURCES, SourceFile, activity, descriptions, head_commit, list_files, read_bytes

__all__ = ["MANIFEST", "convert_clip", "build", "load_manifest", "load_clip", "load_poses"]

MANIFEST = "manifest.json"
FORMAT = "hkmr-mocap-set"


def _targets(git_dir: str, path: str, src_name: str, fps: float,
             max_frames: int | None) -> tuple[np.ndarray, float]:
    """The source file's fitted joints (F, J, 3), Y up, metres, resampled to about ``fps``; and the rate."""
    src = SOURCES[src_name]
    with tempfile.NamedTemporaryFile("wb", suffix=f".{src.format}", delete=False) as fh:
        fh.write(read_bytes(git_dir, path))
    try:
        if src.format == "fbx":
            pos, rate = fbx_positions(fh.name, list(src.joints.values()), fps)
            pos = pos[src.drop_first:] * src.unit
        else:
            b = read_bvh(fh.name)
            step = max(1, int(round(1.0 / (b.frame_time * fps))))
            missing = [v for v in src.joints.values() if v not in b.names]
            if missing:
                raise ValueError(f"skeleton lacks {missing}")
            pos = bvh_positions(b, src.unit)[src.drop_first::step][:, [b.names.index(v) for v in src.joints.values()]]
            rate = 1.0 / (b.frame_time * step)
    finally:
        os.unlink(fh.name)
    return (pos if max_frames is None else pos[:max_frames]), rate


def convert_clip(body: BodyModel, targets: np.ndarray, names: list[str], chunk: int = 300,
                 iterations: int = 200) -> tuple[dict[str, np.ndarray], dict[str, float]]:
    """targets (F,J,3) Y-up metres → (npz arrays, checks). β from every k-th frame (≤ 200 frames), then pose
    and root in chunks of ``chunk`` frames with β fixed."""
    sub = targets[:: max(1, len(targets) // 200)]
    betas = retarget(body, sub, names, iterations).betas
    parts = [retarget(body, targets[a:a + chunk], names, iterations, betas=betas)
             for a in range(0, len(targets), chunk)]
    from .retarget import Retargeted
    fit = Retargeted(torch.cat([p.rotmats for p in parts]), betas, torch.cat([p.transl for p in parts]))
    poses = matrix_to_axis_angle(fit.rotmats).reshape(len(targets), 72).numpy().astype(np.float32)
    arrays = {"poses": poses, "betas": betas.numpy().astype(np.float32),
              "trans": fit.transl.numpy().astype(np.float32)}
    return arrays, bone_check(body, fit, targets, names)


def _complete(path: str) -> bool:
    if not os.path.isfile(path):
        return False
    with np.load(path) as z:
        return {"poses", "bone_deg_p95", "mocap_framerate"} <= set(z.files)


def build(body: BodyModel, sources: dict[str, str], out: str, heldout: set[int], fps: float = 30.0,
          max_bone_deg: float = 25.0, max_files: int | None = None, max_frames: int | None = None,
          log=print, resume: bool = False) -> dict:
    """Convert every clip of ``sources`` (name → snapshot git dir) into ``out``; returns the manifest.
    ``resume``: reuse clips an interrupted run of the same command already converted. CMU's descriptions come
    from any source's index (the trial numbers are CMU's own); a (subject, trial) an earlier source already
    gave is recorded as a duplicate and not converted again."""
    os.makedirs(os.path.join(out, "clips"), exist_ok=True)
    manifest = {"format": FORMAT, "version": 1, "fps": fps, "credit": CMU_CREDIT, "reserved_subjects":
                sorted(RESERVED_SUBJECTS), "heldout_subjects": sorted(heldout), "sources": {}, "clips": []}
    unknown = [n for n in sources if n not in SOURCES]
    if unknown:
        raise ValueError(f"--source {unknown[0]}: unknown; known: {', '.join(SOURCES)}")
    desc: dict[tuple[int, int], str] = {}
    for name, git_dir in sources.items():
        desc.update(descriptions(name, git_dir))
    seen: dict[tuple[int, int], str] = {}
    for name, git_dir in sources.items():
        src = SOURCES[name]
        manifest["sources"][name] = {"repo": src.repo, "commit": head_commit(git_dir), "licence": src.licence,
                                     "notes": src.notes}
        files: list[SourceFile] = list_files(name, git_dir)[:max_files]
        for k, f in enumerate(files):
            assert f.subject not in RESERVED_SUBJECTS, f.path  # list_files filters them; never let one through
            t = time.perf_counter()
            row = {"source": name, "path": f.path, "subject": f.subject, "trial": f.trial,
                   "description": desc.get((f.subject, f.trial), "unknown"),
                   "split": "heldout" if f.subject in heldout else "train"}
            row["activity"] = activity(row["description"])
            if (f.subject, f.trial) in seen:
                row.update(accepted=False, reason=f"duplicate: already converted from {seen[f.subject, f.trial]}")
                manifest["clips"].append(row)
                continue
            file = f"clips/{name}_{f.subject:03d}_{f.trial:02d}.npz"
            try:
                if resume and _complete(os.path.join(out, file)):  # converted by an earlier, interrupted run
                    with np.load(os.path.join(out, file)) as z:
                        arrays = {k: z[k] for k in ("poses", "betas", "trans")}
                        checks = {k: float(z[k]) for k in ("bone_deg_median", "bone_deg_p95", "joint_mm_mean")}
                        targets, clip_fps = arrays["poses"], float(z["mocap_framerate"])
                else:
                    targets, clip_fps = _targets(git_dir, f.path, name, fps, max_frames)
                    arrays, checks = convert_clip(body, targets, list(src.joints))
            except subprocess.CalledProcessError:
                row.update(accepted=False, reason="file absent from the snapshot (too large for the fetch)")
                manifest["clips"].append(row)
                log(f"  [{k + 1}/{len(files)}] {f.path}: skipped (absent from the snapshot)")
                continue
            except ValueError as e:
                row.update(accepted=False, reason=str(e)); manifest["clips"].append(row)
                log(f"  [{k + 1}/{len(files)}] {f.path}: skipped ({e})")
                continue
            row.update(frames=len(targets), fps=round(clip_fps, 3), seconds=round(len(targets) / clip_fps, 2),
                       **{k2: round(v, 2) for k2, v in checks.items()})
            row["accepted"] = checks["bone_deg_p95"] <= max_bone_deg
            if row["accepted"]:
                seen[f.subject, f.trial] = name
            row["file"] = file
            np.savez_compressed(os.path.join(out, file), mocap_framerate=np.float32(clip_fps), subject=f.subject,
                                trial=f.trial, **arrays, **checks)
            if not row["accepted"]:
                del row["file"]
                row["reason"] = f"bone direction p95 {checks['bone_deg_p95']:.1f}° > {max_bone_deg}°"
            manifest["clips"].append(row)
            log(f"  [{k + 1}/{len(files)}] {f.path}: {len(targets)} frames, bones {checks['bone_deg_median']:.1f}°"
                f" / p95 {checks['bone_deg_p95']:.1f}°, joints {checks['joint_mm_mean']:.0f} mm, "
                f"{'ok' if row['accepted'] else 'REJECTED'} ({time.perf_counter() - t:.1f} s)")
    manifest["summary"] = summary(manifest)
    atomic_write_text(json.dumps(manifest, indent=1), os.path.join(out, MANIFEST))
    return manifest


def summary(manifest: dict) -> dict:
    ok = [c for c in manifest["clips"] if c.get("accepted")]
    out = {}
    for split in ("train", "heldout"):
        rows = [c for c in ok if c["split"] == split]
        mins = Counter()
        for c in rows:
            mins[c["activity"]] += c["seconds"] / 60
        out[split] = {"clips": len(rows), "subjects": sorted({c["subject"] for c in rows}),
                      "minutes": round(sum(c["seconds"] for c in rows) / 60, 2),
                      "minutes_by_activity": {k: round(v, 2) for k, v in mins.most_common()}}
    out["rejected"] = sum(not c.get("accepted") for c in manifest["clips"])
    return out


def load_manifest(root: str) -> dict:
    path = os.path.join(root, MANIFEST)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{path}: no mocap set here; build one with `python -m training.data.mocap build`")
    with open(path) as fh:
        m = json.load(fh)
    if m.get("format") != FORMAT:
        raise ValueError(f"{path}: not an {FORMAT} manifest")
    return m


def load_clip(root: str, row: dict) -> dict[str, np.ndarray]:
    if row["subject"] in RESERVED_SUBJECTS:
        raise ValueError(f"{row['path']}: CMU subject {row['subject']} is reserved for evaluation")
    with np.load(os.path.join(root, row["file"])) as f:
        return {k: f[k] for k in f.files}


def load_poses(root: str, split: str = "train") -> np.ndarray:
    """(N,72) axis-angle poses of every accepted clip of ``split`` (for the pose prior)."""
    m = load_manifest(root)
    rows = [c for c in m["clips"] if c.get("accepted") and c["split"] == split]
    if not rows:
        raise ValueError(f"{root}: no accepted clips in split {split!r}")
    return np.concatenate([load_clip(root, c)["poses"] for c in rows])
