"""Load official VPoser v2 weights (``V02_05``) into :class:`core.fitting.pose_vae.PoseVAE`.

Supported (all read with ``torch.load(weights_only=True)``, so nothing in the file executes):

- the PyTorch-Lightning snapshot ``snapshots/V02_05_epoch=…_val_loss=….ckpt`` (its ``state_dict``
  with keys ``vp_model.encoder_net.*`` / ``vp_model.decoder_net.*``), or the folder holding it;
- a plain state dict with or without the ``vp_model.`` prefix.

Names map one to one (our module mirrors VPoser's layout); ``hidden`` and ``latent`` are read
from the weight shapes. Other keys in the file (the body model's buffers) are ignored.
VPoser v1 (``TR00_E096.pt``) has a different architecture and is **not** supported.
"""
from __future__ import annotations

import glob
import os

import torch

from .pose_vae import PoseVAE

__all__ = ["load_vposer", "vposer_state_dict"]

_PREFIX = "vp_model."


def _resolve(path: str) -> str:
    if os.path.isdir(path):
        hits = sorted(glob.glob(os.path.join(path, "snapshots", "*.ckpt")) + glob.glob(os.path.join(path, "*.ckpt")))
        if not hits:
            raise FileNotFoundError(f"{path}: no VPoser .ckpt here or in snapshots/; pass the V02_05 folder or file")
        return hits[-1]
    if not os.path.isfile(path):
        raise FileNotFoundError(f"VPoser weights {path!r} not found")
    return path


def vposer_state_dict(path: str | os.PathLike) -> dict[str, torch.Tensor]:
    """The encoder/decoder tensors of a VPoser v2 file, with the ``vp_model.`` prefix removed."""
    file = _resolve(os.fspath(path))
    try:
        raw = torch.load(file, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise ValueError(f"{file}: cannot read it with weights_only=True ({type(exc).__name__}: {exc}). If it is "
                         f"a Lightning checkpoint holding config objects, re-save only its tensors in a trusted "
                         f"environment: torch.save(torch.load(f, weights_only=False)['state_dict'], 'vposer_sd.pt')"
                         ) from exc
    sd = raw.get("state_dict", raw) if isinstance(raw, dict) else None
    if not isinstance(sd, dict):
        raise ValueError(f"{file}: expected a state dict or a Lightning checkpoint, found {type(raw).__name__}")
    out = {}
    for k, v in sd.items():
        k = k[len(_PREFIX):] if k.startswith(_PREFIX) else k
        if k.startswith(("encoder_net.", "decoder_net.")) and isinstance(v, torch.Tensor):
            out[k] = v
    if not out:
        raise ValueError(f"{file}: no 'encoder_net.*'/'decoder_net.*' weights (keys start {sorted(sd)[:5]}); "
                         f"is this a VPoser v2 checkpoint?")
    return out


def load_vposer(path: str | os.PathLike) -> PoseVAE:
    """Build a PoseVAE sized from the file's shapes and load it strictly (eval mode)."""
    sd = vposer_state_dict(path)
    try:
        hidden, latent = sd["encoder_net.2.weight"].shape[0], sd["encoder_net.8.mu.weight"].shape[0]
    except KeyError as exc:
        raise ValueError(f"{path}: VPoser v2 layout expected, missing {exc}") from exc
    vae = PoseVAE(hidden=hidden, latent=latent)
    own = vae.state_dict()
    missing = sorted(set(own) - set(sd))
    unexpected = sorted(set(sd) - set(own))
    if missing or unexpected:
        raise ValueError(f"{path}: VPoser weights do not fit: missing {missing}, unexpected {unexpected}")
    vae.load_state_dict(sd)
    return vae.eval()
