"""ResNet-18/34/50 encoders with torchvision's parameter names.

Hand-written because torchvision (and timm, which imports it) does not import beside this
project's pinned torch (NOTES.md); the module tree mirrors ``torchvision.models.resnet``
exactly (``conv1, bn1, layer1..4`` with ``conv{1,2,3}/bn{1,2,3}/downsample.{0,1}`` blocks,
optional ``fc``), so ImageNet weights from torchvision or timm and SPIN's encoder load from
a local file with :func:`load_backbone_weights`. Nothing is ever downloaded.

Input: (B, 3, H, W) normalised RGB crops (224×224 in the paper); output: the global-average
pooled feature Φ, (B, 512) for ResNet-18/34 and (B, 2048) for ResNet-50.

``width`` (default 64, torchvision's) is the base channel count: the stem has ``width`` channels
and the four stages ``width, 2w, 4w, 8w`` (× 4 after a bottleneck), so Φ is ``8·width·expansion``
wide and the parameter count scales ≈ width². Parameter names never change; only width 64 matches
the published ImageNet/SPIN files (narrower trunks are trained from scratch, e.g. the demo model).
"""
from __future__ import annotations

import os
import re
from typing import Mapping

import torch
from torch import nn

__all__ = ["ResNet", "build_backbone", "check_width", "load_backbone_weights", "BACKBONES", "extract_state_dict"]

# name -> (block type, blocks per stage)
BACKBONES: dict[str, tuple[str, tuple[int, int, int, int]]] = {
    "resnet18": ("basic", (2, 2, 2, 2)),
    "resnet34": ("basic", (3, 4, 6, 3)),
    "resnet50": ("bottleneck", (3, 4, 6, 3)),
}

#: Wrappers seen around state dicts in the wild (Lightning, SPIN, DDP, timm/PARE encoders).
_CONTAINER_KEYS = ("state_dict", "model", "model_state_dict", "net")


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, inplanes: int, planes: int, stride: int = 1, downsample: nn.Module | None = None):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


class Bottleneck(nn.Module):
    """torchvision's v1.5 bottleneck (stride on the 3×3 conv), as SPIN uses."""

    expansion = 4

    def __init__(self, inplanes: int, planes: int, stride: int = 1, downsample: nn.Module | None = None):
        super().__init__()
        width = planes * self.expansion
        self.conv1 = nn.Conv2d(inplanes, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, width, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(width)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return self.relu(out + identity)


class ResNet(nn.Module):
    """ResNet trunk → pooled feature (B, ``feature_dim``). ``with_fc`` adds torchvision's
    1000-way classifier (only so ImageNet files load strictly; the regressor never uses it).
    ``width``: base channels (stages width, 2w, 4w, 8w), a positive multiple of 8."""

    def __init__(self, name: str = "resnet50", with_fc: bool = False, width: int = 64):
        super().__init__()
        if name not in BACKBONES:
            raise ValueError(f"unknown backbone {name!r}; choose one of {sorted(BACKBONES)}")
        check_width(width)
        kind, layers = BACKBONES[name]
        block = BasicBlock if kind == "basic" else Bottleneck
        self.name, self.width = name, width
        self.inplanes = width
        self.conv1 = nn.Conv2d(3, width, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        self.layer1 = self._make_layer(block, width, layers[0], 1)
        self.layer2 = self._make_layer(block, 2 * width, layers[1], 2)
        self.layer3 = self._make_layer(block, 4 * width, layers[2], 2)
        self.layer4 = self._make_layer(block, 8 * width, layers[3], 2)
        self.feature_dim = 8 * width * block.expansion
        self.fc = nn.Linear(self.feature_dim, 1000) if with_fc else None
        for m in self.modules():  # torchvision's init
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)

    def _make_layer(self, block: type, planes: int, blocks: int, stride: int) -> nn.Sequential:
        downsample = None
        if stride != 1 or self.inplanes != planes * block.expansion:
            downsample = nn.Sequential(
                nn.Conv2d(self.inplanes, planes * block.expansion, 1, stride, bias=False),
                nn.BatchNorm2d(planes * block.expansion))
        out = [block(self.inplanes, planes, stride, downsample)]
        self.inplanes = planes * block.expansion
        out += [block(self.inplanes, planes) for _ in range(1, blocks)]
        return nn.Sequential(*out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, 3, H, W) → Φ (B, feature_dim). Any H, W ≥ 32 works (adaptive pooling)."""
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return torch.flatten(x.mean(dim=(2, 3)), 1)


def check_width(width: int) -> None:
    """Raise ValueError unless ``width`` is a positive multiple of 8 (an int, not a bool)."""
    if not isinstance(width, int) or isinstance(width, bool) or width < 8 or width % 8:
        raise ValueError(f"backbone width must be a positive multiple of 8 (64 = torchvision's ResNet), got {width!r}")


def build_backbone(name: str = "resnet50", weights: str | os.PathLike | None = None, width: int = 64) -> ResNet:
    """Build a ResNet trunk (no fc) of base ``width`` and optionally load a local weight file into it."""
    net = ResNet(name, width=width)
    if weights is not None:
        load_backbone_weights(net, weights)
    return net


def extract_state_dict(obj: object, source: str) -> dict[str, torch.Tensor]:
    """Unwrap the usual containers ({'state_dict': ...}, {'model': ...}) down to a flat
    name → tensor dict. ``source`` names the file in errors."""
    for _ in range(3):
        if isinstance(obj, Mapping) and not any(isinstance(v, torch.Tensor) for v in obj.values()):
            inner = next((obj[k] for k in _CONTAINER_KEYS if k in obj), None)
            if inner is None:
                break
            obj = inner
    if not isinstance(obj, Mapping) or not any(isinstance(v, torch.Tensor) for v in obj.values()):
        raise ValueError(f"{source}: no state dict of tensors found (looked in top level and "
                         f"{list(_CONTAINER_KEYS)}); is this a PyTorch weight file?")
    return {str(k): v for k, v in obj.items() if isinstance(v, torch.Tensor)}


def _strip_prefixes(sd: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Remove the wrapper prefix in front of the trunk's keys (``module.``, ``encoder.``,
    ``module.backbone.`` ...), found from the stem conv ``<prefix>conv1.weight``."""
    stems = [k[: -len("conv1.weight")] for k in sd if k.endswith("conv1.weight")]
    stems = [p for p in stems if not re.search(r"layer\d+\.\d+\.$", p)]
    if not stems or not min(stems, key=len):
        return sd
    p = min(stems, key=len)
    return {k[len(p):] if k.startswith(p) else k: v for k, v in sd.items()}


def load_backbone_weights(net: ResNet, path: str | os.PathLike) -> list[str]:
    """Load a local torchvision / timm / SPIN weight file into ``net`` (``weights_only``).

    A wrapper prefix in front of the trunk's keys (``module.``, ``encoder.``, ...) is stripped; keys
    that are not part of the trunk (``fc.*``, SPIN's regressor ``fc1/fc2/dec*/init_*``) are
    ignored and returned. Raises FileNotFoundError / ValueError listing missing keys or
    mismatched shapes.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"backbone weights {path!r} not found; pass a local torchvision/timm/"
                                f"SPIN .pth file (nothing is downloaded)")
    try:
        raw = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # truncated zip, pickle with foreign classes, ...
        raise ValueError(f"{path}: cannot read as a PyTorch weight file ({exc})") from exc
    sd = _strip_prefixes(extract_state_dict(raw, path))
    own = net.state_dict()
    missing = [k for k in own if k not in sd]
    if missing:
        raise ValueError(f"{path}: {len(missing)} {net.name} keys missing, e.g. {missing[:8]}; "
                         f"is this a {net.name} file? (file keys start {sorted(sd)[:4]})")
    bad = [f"{k}: file {tuple(sd[k].shape)} vs model {tuple(own[k].shape)}"
           for k in own if sd[k].shape != own[k].shape]
    file_width = sd["conv1.weight"].shape[0]
    if bad and file_width != net.width:
        raise ValueError(f"{path}: the file's trunk has width {file_width} (conv1: {file_width} channels) but the "
                         f"model's backbone width is {net.width}; torchvision/timm/SPIN weights need width 64 — set "
                         f"model.backbone.width to {file_width} or drop model.backbone.weights to train from scratch")
    if bad:
        raise ValueError(f"{path}: shape mismatch for {len(bad)} keys, e.g. {bad[:4]}; wrong depth?")
    net.load_state_dict({k: sd[k] for k in own}, strict=True)
    return sorted(k for k in sd if k not in own)
