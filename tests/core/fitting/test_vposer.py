"""Official VPoser v2 weights load into core's pose VAE (names and shapes written out independently)."""
from __future__ import annotations

import pytest
import torch

from core.fitting.vposer import load_vposer

# VPoser v2 (human_body_prior V02_05, num_neurons 512, latentD 32) parameter names and shapes as
# stored in its Lightning snapshot (prefix "vp_model."), written out here independently of our module.
_H, _L = 512, 32
VPOSER_V2_SHAPES = {
    "encoder_net.1.weight": (63,), "encoder_net.1.bias": (63,), "encoder_net.1.running_mean": (63,),
    "encoder_net.1.running_var": (63,), "encoder_net.1.num_batches_tracked": (),
    "encoder_net.2.weight": (_H, 63), "encoder_net.2.bias": (_H,),
    "encoder_net.4.weight": (_H,), "encoder_net.4.bias": (_H,), "encoder_net.4.running_mean": (_H,),
    "encoder_net.4.running_var": (_H,), "encoder_net.4.num_batches_tracked": (),
    "encoder_net.6.weight": (_H, _H), "encoder_net.6.bias": (_H,),
    "encoder_net.7.weight": (_H, _H), "encoder_net.7.bias": (_H,),
    "encoder_net.8.mu.weight": (_L, _H), "encoder_net.8.mu.bias": (_L,),
    "encoder_net.8.logvar.weight": (_L, _H), "encoder_net.8.logvar.bias": (_L,),
    "decoder_net.0.weight": (_H, _L), "decoder_net.0.bias": (_H,),
    "decoder_net.3.weight": (_H, _H), "decoder_net.3.bias": (_H,),
    "decoder_net.5.weight": (126, _H), "decoder_net.5.bias": (126,),
}



def test_official_vposer_v2_layout_loads_from_a_lightning_snapshot(tmp_path):
    g = torch.Generator().manual_seed(0)
    sd = {f"vp_model.{k}": (torch.randn(s, generator=g) if s else torch.tensor(7)) for k, s in VPOSER_V2_SHAPES.items()}
    sd["vp_model.bm_train.shapedirs"] = torch.zeros(3)  # a body-model buffer VPoser's file also holds
    (tmp_path / "snapshots").mkdir()
    torch.save({"state_dict": sd, "epoch": 13}, tmp_path / "snapshots" / "V02_05_epoch=13_val_loss=0.03.ckpt")
    vae = load_vposer(tmp_path)  # the experiment folder, like VPoser's own loader
    assert (vae.hidden, vae.latent) == (_H, _L)
    torch.testing.assert_close(vae.state_dict()["encoder_net.8.mu.weight"], sd["vp_model.encoder_net.8.mu.weight"])
    del sd["vp_model.decoder_net.5.bias"]
    torch.save({"state_dict": sd}, tmp_path / "broken.ckpt")
    with pytest.raises(ValueError, match="decoder_net.5.bias"):
        load_vposer(tmp_path / "broken.ckpt")
