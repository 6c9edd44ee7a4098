"""SPIN's checkpoint layout written out independently of core.model: key names and shapes of
torchvision's ResNet trunk (as SPIN's HMR class names them) plus SPIN's regressor keys."""
from __future__ import annotations

import torch

_BLOCKS = {"resnet18": (2, 2, 2, 2), "resnet34": (3, 4, 6, 3), "resnet50": (3, 4, 6, 3)}


def _bn(name: str, c: int) -> dict[str, tuple[int, ...]]:
    return {f"{name}.{p}": (c,) for p in ("weight", "bias", "running_mean", "running_var")} | {
        f"{name}.num_batches_tracked": ()}


def resnet_trunk_shapes(name: str) -> dict[str, tuple[int, ...]]:
    """torchvision resnet key → shape, without ``fc``."""
    bottleneck = name == "resnet50"
    exp = 4 if bottleneck else 1
    shapes = {"conv1.weight": (64, 3, 7, 7), **_bn("bn1", 64)}
    inplanes = 64
    for stage, (planes, blocks) in enumerate(zip((64, 128, 256, 512), _BLOCKS[name]), start=1):
        for b in range(blocks):
            p = f"layer{stage}.{b}."
            convs = ([(planes, inplanes, 1), (planes, planes, 3), (planes * exp, planes, 1)] if bottleneck
                     else [(planes, inplanes, 3), (planes, planes, 3)])
            for i, (out_c, in_c, k) in enumerate(convs, start=1):
                shapes[f"{p}conv{i}.weight"] = (out_c, in_c, k, k)
                shapes.update(_bn(f"{p}bn{i}", out_c))
            if b == 0 and (stage > 1 or inplanes != planes * exp):
                shapes[f"{p}downsample.0.weight"] = (planes * exp, inplanes, 1, 1)
                shapes.update(_bn(f"{p}downsample.1", planes * exp))
            inplanes = planes * exp
    return shapes


def spin_hmr_shapes() -> dict[str, tuple[int, ...]]:
    """SPIN's ``HMR`` state dict (ResNet-50 trunk + IEF regressor)."""
    npose = 24 * 6
    return resnet_trunk_shapes("resnet50") | {
        "fc1.weight": (1024, 2048 + npose + 13), "fc1.bias": (1024,),
        "fc2.weight": (1024, 1024), "fc2.bias": (1024,),
        "decpose.weight": (npose, 1024), "decpose.bias": (npose,),
        "decshape.weight": (10, 1024), "decshape.bias": (10,),
        "deccam.weight": (3, 1024), "deccam.bias": (3,),
        "init_pose": (1, npose), "init_shape": (1, 10), "init_cam": (1, 3)}


def random_state(shapes: dict[str, tuple[int, ...]], seed: int = 0, scale: float = 0.02) -> dict[str, torch.Tensor]:
    """Random tensors for a layout (BN variances positive, counters int64)."""
    g = torch.Generator().manual_seed(seed)
    out = {}
    for k, s in shapes.items():
        if k.endswith("num_batches_tracked"):
            out[k] = torch.tensor(7, dtype=torch.long)
        elif k.endswith("running_var"):
            out[k] = torch.rand(s, generator=g) + 0.5
        else:
            out[k] = torch.randn(s, generator=g) * scale
    return out
