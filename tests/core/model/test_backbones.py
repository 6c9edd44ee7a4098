"""ResNet trunks: torchvision parameter names/counts, local weight loading and its errors."""
from __future__ import annotations

import pytest
import torch

from core.model.backbones import ResNet, build_backbone, load_backbone_weights
from core.model.builder import count_parameters
from tests.core.model.spin_layout import random_state, resnet_trunk_shapes

# torchvision's published totals minus the 1000-way fc (2049000 / 513000 / 513000 parameters).
TORCHVISION_TRUNK = {"resnet18": 11_689_512 - 513_000, "resnet34": 21_797_672 - 513_000,
                     "resnet50": 25_557_032 - 2_049_000}


@pytest.mark.parametrize("name", sorted(TORCHVISION_TRUNK))
def test_trunk_matches_torchvision_layout(name):
    net = ResNet(name)
    assert count_parameters(net) == TORCHVISION_TRUNK[name]
    assert {k: tuple(v.shape) for k, v in net.state_dict().items()} == resnet_trunk_shapes(name)


def test_feature_shape():
    net = ResNet("resnet18").eval()
    assert net(torch.randn(2, 3, 64, 64)).shape == (2, 512)
    assert ResNet("resnet50").feature_dim == 2048


def test_loads_wrapped_file_with_prefix_and_fc(tmp_path):
    sd = random_state(resnet_trunk_shapes("resnet18"), seed=3)
    sd |= {"fc.weight": torch.zeros(1000, 512), "fc.bias": torch.zeros(1000)}
    path = tmp_path / "rn18.pth"
    torch.save({"state_dict": {f"module.encoder.{k}": v for k, v in sd.items()}}, path)
    net = build_backbone("resnet18")
    ignored = load_backbone_weights(net, path)
    assert ignored == ["fc.bias", "fc.weight"]
    for k, v in net.state_dict().items():
        torch.testing.assert_close(v, sd[k])


def test_missing_keys_are_listed(tmp_path):
    sd = random_state(resnet_trunk_shapes("resnet18"))
    del sd["layer4.1.bn2.weight"]
    torch.save(sd, tmp_path / "w.pth")
    with pytest.raises(ValueError, match=r"missing.*layer4\.1\.bn2\.weight"):
        build_backbone("resnet18", tmp_path / "w.pth")


def test_wrong_depth_shape_mismatch(tmp_path):
    torch.save(random_state(resnet_trunk_shapes("resnet50")), tmp_path / "r50.pth")
    with pytest.raises(ValueError, match="resnet34 keys missing|shape mismatch"):
        build_backbone("resnet34", tmp_path / "r50.pth")


def test_missing_and_unknown(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothing is downloaded"):
        build_backbone("resnet18", tmp_path / "nope.pth")
    with pytest.raises(ValueError, match="unknown backbone"):
        ResNet("resnet101")


@pytest.mark.parametrize("name", ["resnet18", "resnet50"])
def test_width_scales_channels_and_parameters(name):
    full, half = ResNet(name), ResNet(name, width=32)
    assert set(half.state_dict()) == set(full.state_dict())  # torchvision names unchanged
    assert half.feature_dim == full.feature_dim // 2
    assert half.conv1.out_channels == 32 and half.layer4[0].conv1.out_channels == 256
    # conv weights scale by 1/4 (both sides halved); only the 3-channel stem input and BN stay linear
    ratio = count_parameters(half) / count_parameters(full)
    assert 0.24 < ratio < 0.26
    assert half.eval()(torch.randn(2, 3, 64, 64)).shape == (2, half.feature_dim)


def test_default_width_is_bit_identical():
    torch.manual_seed(0)
    a = ResNet("resnet18")
    torch.manual_seed(0)
    b = ResNet("resnet18", width=64)
    for (ka, va), (kb, vb) in zip(a.state_dict().items(), b.state_dict().items()):
        assert ka == kb and torch.equal(va, vb)


def test_width_32_state_dict_round_trips(tmp_path):
    src = ResNet("resnet18", width=32)
    torch.nn.init.normal_(src.bn1.running_mean)  # make buffers non-default too
    torch.save({"state_dict": src.state_dict()}, tmp_path / "w32.pth")
    dst = build_backbone("resnet18", tmp_path / "w32.pth", width=32)
    for k, v in src.state_dict().items():
        assert torch.equal(dst.state_dict()[k], v), k
    x = torch.randn(1, 3, 64, 64)
    torch.testing.assert_close(dst.eval()(x), src.eval()(x))


def test_width_mismatch_and_bad_width(tmp_path):
    torch.save(random_state(resnet_trunk_shapes("resnet18")), tmp_path / "tv18.pth")  # torchvision layout
    with pytest.raises(ValueError, match=r"width 64 .*backbone width is 32.*need width 64"):
        build_backbone("resnet18", tmp_path / "tv18.pth", width=32)
    for bad in (0, 12, -8, 32.0, True):
        with pytest.raises(ValueError, match="positive multiple of 8"):
            ResNet("resnet18", width=bad)
