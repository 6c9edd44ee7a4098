"""BVH mocap files: parse, and world joint positions by forward kinematics (numpy + scipy).

Euler channels are applied in the order the file lists them (intrinsic), as the BVH format defines.
Positions come out in the file's own frame and units times ``unit`` (metres per BVH unit).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial.transform import Rotation

__all__ = ["Bvh", "read_bvh", "bvh_positions"]


@dataclass
class Bvh:
    names: list[str]
    parents: list[int]
    offsets: np.ndarray          # (J,3)
    channels: list[list[str]]
    motion: np.ndarray           # (F, C)
    frame_time: float            # seconds per frame


def read_bvh(path: str) -> Bvh:
    """Parse a BVH file; ValueError naming the file when it is not one."""
    with open(path) as fh:
        tok = fh.read().split()
    if not tok or tok[0] != "HIERARCHY" or "MOTION" not in tok:
        raise ValueError(f"{path}: not a BVH file (no HIERARCHY … MOTION sections)")
    names, parents, offsets, channels, stack = [], [], [], [], []
    i, last = 0, -1
    while tok[i] != "MOTION":
        t = tok[i]
        if t in ("ROOT", "JOINT"):
            names.append(tok[i + 1]); parents.append(stack[-1] if stack else -1); channels.append([])
            offsets.append(None); last = len(names) - 1; i += 2
        elif t == "End":
            names.append(names[stack[-1]] + "_end"); parents.append(stack[-1]); channels.append([])
            offsets.append(None); last = len(names) - 1; i += 2
        elif t == "{":
            stack.append(last); i += 1
        elif t == "}":
            stack.pop(); i += 1
        elif t == "OFFSET":
            offsets[stack[-1]] = [float(x) for x in tok[i + 1:i + 4]]; i += 4
        elif t == "CHANNELS":
            n = int(tok[i + 1]); channels[stack[-1]] = tok[i + 2:i + 2 + n]; i += 2 + n
        else:
            i += 1
    frames = int(tok[i + 2]); ft = float(tok[i + 5])
    data = np.array(tok[i + 6:], np.float64)
    width = sum(len(c) for c in channels)
    if frames < 1 or data.size < frames * width:
        raise ValueError(f"{path}: {frames} frames of {width} channels announced, {data.size} values found")
    return Bvh(names, parents, np.array(offsets), channels, data[:frames * width].reshape(frames, width), ft)


def bvh_positions(b: Bvh, unit: float) -> np.ndarray:
    """(F, J, 3) world joint positions in metres (``unit`` metres per BVH unit), the file's frame."""
    f = len(b.motion)
    glob_r = np.zeros((len(b.names), f, 3, 3)); glob_p = np.zeros((len(b.names), f, 3))
    col = 0
    for j, (par, chans) in enumerate(zip(b.parents, b.channels)):
        vals = b.motion[:, col:col + len(chans)]; col += len(chans)
        pos = np.tile(b.offsets[j], (f, 1))
        rot_ch = [(c[0], k) for k, c in enumerate(chans) if c.endswith("rotation")]
        r = (Rotation.from_euler("".join(a for a, _ in rot_ch), vals[:, [k for _, k in rot_ch]], degrees=True)
             .as_matrix() if rot_ch else np.tile(np.eye(3), (f, 1, 1)))
        for ax, k in ((c[0], k) for k, c in enumerate(chans) if c.endswith("position")):
            pos[:, "XYZ".index(ax)] += vals[:, k]
        if par < 0:
            glob_r[j], glob_p[j] = r, pos
        else:
            glob_r[j] = glob_r[par] @ r
            glob_p[j] = glob_p[par] + np.einsum("fab,fb->fa", glob_r[par], pos)
    return glob_p.transpose(1, 0, 2) * unit
