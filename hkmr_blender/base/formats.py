"""Every motion file format behind one table: pick a reader by content, a writer by file name.

| format  | file name      | frame | module            |
| ------- | -------------- | ----- | ----------------- |
| HKMR v2 | ``*.npz``      | Y-up  | :mod:`.motion_v1` (reads v1 and v2) |
| AMASS   | ``*.amass.npz``| Z-up  | :mod:`.amass`     |
| .smpl   | ``*.smpl``     | Y-up  | :mod:`.smpl_codec`|

Reading sniffs the content (an ``.npz`` with a ``format`` field is HKMR, one with ``poses`` and
``trans`` is AMASS, whatever its name); writing goes by the destination's name.
"""
from __future__ import annotations

import os
import zipfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

from .amass import read_amass, write_amass
from .inputs import file_problem
from .motion import PER_FRAME_FIELDS, Motion, fail, validate_motion
from .motion_ranges import check_some_valid
from .motion_v1 import read_v1, write_v1, write_v1_blocks
from .smpl_codec import read_smpl_codec, write_smpl_codec

__all__ = ["MotionFormat", "FORMATS", "MOTION_SUFFIXES", "VIDEO_MOTION_SUFFIX", "format_for_name", "read_motion", "write_motion",
           "write_motion_blocks"]


@dataclass(frozen=True)
class MotionFormat:
    """One motion file format: its name, the file-name ending that selects it for writing, reader, writer."""

    name: str
    suffix: str
    read: Callable[[str | os.PathLike], Motion]
    write: Callable[[str | os.PathLike, Motion], object]


HKMR_V1 = MotionFormat("hkmr", ".npz", read_v1, write_v1)
AMASS = MotionFormat("amass", ".amass.npz", read_amass, write_amass)
SMPL_CODEC = MotionFormat("smpl", ".smpl", read_smpl_codec, write_smpl_codec)
FORMATS: tuple[MotionFormat, ...] = (SMPL_CODEC, AMASS, HKMR_V1)  # most specific ending first
#: File-name endings a motion file may have (``*.amass.npz`` ends with ``.npz``).
MOTION_SUFFIXES: tuple[str, ...] = (HKMR_V1.suffix, SMPL_CODEC.suffix)
#: The ending of the file Motion from Video writes beside the video (``walk.mp4`` → ``walk.motion.npz``).
VIDEO_MOTION_SUFFIX = ".motion" + HKMR_V1.suffix


def format_for_name(path: str | os.PathLike) -> MotionFormat:
    """The format a file of this name is written in (``*.smpl``, ``*.amass.npz``, ``*.npz``); any other
    ending is refused, so a motion never lands under a video's or an image's name."""
    name = Path(path).name.lower()
    found = next((f for f in FORMATS if name.endswith(f.suffix)), None)
    if found is None:
        raise fail(str(path), f"a motion file's name must end with {' or '.join(MOTION_SUFFIXES)} "
                              f"({AMASS.suffix} for AMASS)", "Choose an output name such as clip.npz")
    return found


def _npz_keys(path: str) -> set[str]:
    """Field names of an ``.npz`` (read from the zip directory only; nothing is unpacked)."""
    problem = file_problem(path)
    if problem is not None:
        raise fail(path, problem, "Check the path (run `hkmr infer` to create a motion file)")
    try:
        with zipfile.ZipFile(path) as zf:
            return {n[:-4] if n.endswith(".npy") else n for n in zf.namelist()}
    except (zipfile.BadZipFile, OSError) as exc:
        raise fail(path, f"not a readable .npz archive ({exc})",
                   "The file is truncated or not an npz; re-export it") from exc


def _sniff(path: str) -> MotionFormat:
    if path.lower().endswith(SMPL_CODEC.suffix):
        return SMPL_CODEC
    keys = _npz_keys(path)
    if "format" in keys:
        return HKMR_V1
    if "poses" in keys and "trans" in keys:
        return AMASS
    raise fail(path, "not a motion file (no 'format', 'poses' or 'trans' fields)",
               "Expected an HKMR motion .npz, an AMASS .npz or a Meshcapade .smpl file")


def read_motion(path: str | os.PathLike) -> Motion:
    """Read an HKMR motion file (v1 or v2), an AMASS npz, or a Meshcapade ``.smpl`` file (validated)."""
    p = str(path)
    return _sniff(p).read(p)


def write_motion(path: str | os.PathLike, motion: Motion) -> Path:
    """Validate ``motion`` and write it atomically in the format its file name selects. Returns the path. A motion
    without one valid frame is refused (AMASS and .smpl would store its placeholders as motion)."""
    fmt = format_for_name(path)
    if fmt is not HKMR_V1:  # (write_v1 checks it after its own validation)
        check_some_valid(str(path), validate_motion(motion, str(path)).valid)
    fmt.write(path, motion)
    return Path(path)


def write_motion_blocks(path: str | os.PathLike, blocks: Iterable[Motion]) -> int:
    """Write consecutive pieces of one motion (:class:`Motion` each; the clip's fields from the first) as one
    file in the format its name selects → the number of frames. An HKMR ``.npz`` is written block by block
    (:func:`.motion_v1.write_v1_blocks`: memory flat in the length); the other formats join the pieces and
    write them whole."""
    if format_for_name(path) is HKMR_V1:
        return write_v1_blocks(path, blocks)
    parts = list(blocks)
    if not parts:
        raise fail(str(path), "the motion has zero frames", "Check that inference found the person in the input")
    first = parts[0]
    joined = {k: np.concatenate([getattr(p, k) for p in parts]) for k in PER_FRAME_FIELDS
              if getattr(first, k) is not None}
    if first.view is not None:
        joined["view"] = replace(first.view, R=np.concatenate([p.view.R for p in parts]),
                                 t=np.concatenate([p.view.t for p in parts]))
    motion = replace(first, **joined)
    write_motion(path, motion)
    return motion.num_frames
