"""Train the fit's pose VAE on real mocap and score it on held-out subjects.

    python -m training.prior --mocap data/mocap --out runs/prior/mocap_vae.pt [--exclude-subjects 7]

Poses: every accepted "train" clip of a converted mocap set (:mod:`training.data.mocap`), minus
``--exclude-subjects`` (kept for choosing the fit's prior weight). Scores printed for the held-out split, for the
excluded subjects, and for poses of the synthetic sampler (:mod:`core.body.poses`, what the project had before):
reconstruction error (mean geodesic angle over the 21 body joints, degrees, from the encoder's mean) and mean KL.
"""
from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np
import torch

from core.fitting.pose_vae import NUM_BODY_JOINTS
from core.geometry.rotations import axis_angle_to_matrix


#: SMPL joints whose rotation the mocap conversion does not observe (no target beyond them: toes, head, wrists):
#: in the data they sit at the retarget's rest value, and a VAE trained on that would forbid any other. Training
#: poses get joint-limited random values there (:func:`core.body.poses.sample_body_pose`) so the prior stays broad.
UNOBSERVED = (10, 11, 15, 20, 21)


def free_unobserved(poses: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """(N,72) axis-angle → a copy with the :data:`UNOBSERVED` joints drawn from the joint-limited sampler."""
    from core.body.poses import sample_body_pose

    out = poses.reshape(len(poses), 24, 3).copy()
    out[:, list(UNOBSERVED)] = sample_body_pose(rng, len(poses))[:, list(UNOBSERVED)]
    return out.reshape(len(poses), 72).astype(np.float32)


def score(vae, poses: np.ndarray) -> dict[str, float]:
    """Reconstruction (deg, encoder mean → decoder) and KL of (N,72) axis-angle poses."""
    aa = torch.as_tensor(poses[:, 3:3 + 3 * NUM_BODY_JOINTS], dtype=torch.float32)
    with torch.no_grad():
        mu, _ = vae.encode(aa)
        rec = vae.decode(mu)
        tgt = axis_angle_to_matrix(aa.reshape(-1, NUM_BODY_JOINTS, 3))
        cos = ((rec.transpose(-1, -2) @ tgt).diagonal(dim1=-2, dim2=-1).sum(-1) - 1) / 2
        kl = vae.kl(torch.cat([torch.eye(3).expand(len(aa), 1, 3, 3), tgt,
                               torch.eye(3).expand(len(aa), 2, 3, 3)], 1))
    return {"recon_deg": float(torch.rad2deg(torch.arccos(cos.clamp(-1, 1))).mean()), "kl": float(kl.mean()),
            "poses": len(poses)}


def main(argv: list[str] | None = None) -> int:
    from training.data.mocap.build import load_clip, load_manifest
    from training.prior.train import save_pose_vae, train_pose_vae
    from core.body.poses import sample_body_pose

    ap = argparse.ArgumentParser(prog="python -m training.prior", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mocap", required=True, help="a converted mocap set (python -m training.data.mocap build)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--exclude-subjects", type=int, nargs="*", default=[])
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--latent", type=int, default=32)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--synthetic", action="store_true", help="train on the synthetic sampler's poses instead "
                    "(as many as the mocap set has): the baseline")
    a = ap.parse_args(argv)
    torch.set_num_threads(1)
    m = load_manifest(a.mocap)
    ok = [c for c in m["clips"] if c.get("accepted")]
    groups = {"train": [c for c in ok if c["split"] == "train" and c["subject"] not in a.exclude_subjects],
              "excluded": [c for c in ok if c["split"] == "train" and c["subject"] in a.exclude_subjects],
              "heldout": [c for c in ok if c["split"] == "heldout"]}
    poses = {k: np.concatenate([load_clip(a.mocap, c)["poses"] for c in v]) for k, v in groups.items() if v}
    rng = np.random.default_rng(a.seed + 1)
    poses["synthetic"] = sample_body_pose(rng, len(poses["train"])).reshape(len(poses["train"]), 72).astype(np.float32)
    train = poses["synthetic"] if a.synthetic else free_unobserved(poses["train"], np.random.default_rng(a.seed + 2))
    t = time.perf_counter()
    res = train_pose_vae(train, steps=a.steps, hidden=a.hidden, latent=a.latent, seed=a.seed)
    dt = time.perf_counter() - t
    scores = {k: score(res.vae, v) for k, v in poses.items()}
    probe = np.random.default_rng(a.seed + 3)
    scores["heldout, unobserved joints random"] = score(res.vae, free_unobserved(poses["heldout"], probe))
    meta = {"data": "synthetic sampler" if a.synthetic else f"mocap set {a.mocap}, unobserved joints "
            f"{UNOBSERVED} random within limits", "steps": a.steps,
            "train_poses": len(train), "train_subjects": sorted({c["subject"] for c in groups["train"]}),
            "sources": {k: {"repo": v["repo"], "commit": v["commit"]} for k, v in m["sources"].items()},
            "final_loss": res.losses[-1], "scores": scores, "seconds": round(dt, 1)}
    save_pose_vae(res.vae, a.out, meta=meta)
    print(json.dumps(meta, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
