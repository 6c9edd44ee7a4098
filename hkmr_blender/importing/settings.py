"""How a motion file becomes keys: the import settings (with the feet, root-motion and clip settings applied
to each import)."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..feet.settings import FootSettings
from ..root.settings import RootSettings
from ..ui.fields import ui

__all__ = ["ImportSettings", "ClipSettings"]


@dataclass
class ClipSettings:
    """``nla``: push each imported action onto the NLA track ``finish.NLA_TRACK``."""

    nla: bool = field(default=False, metadata=ui(
        "NLA strip", "Push each imported clip onto the 'HKMR clips' NLA track"))


@dataclass
class ImportSettings:
    """How a motion file becomes keys. ``target``: "new" armature or the "selected" one; ``rate``:
    "resample" to the scene's frame rate (SLERP) or "set_scene" rate to the motion's; ``bad_frames``:
    "interpolate"/"skip"; ``model_path``: SMPL model file ("" = the shipped default body, if present);
    ``feet``, ``root``, ``clip``: feet pinning, root motion and NLA applied to the new action (:mod:`.clips`)."""

    target: str = field(default="new", metadata=ui("Apply to", items=(
        ("new", "New armature", "Create an SMPL armature (24 bones) from the file's rest joints"),
        ("selected", "Selected armature", "Key the active SMPL armature, whatever its bones' rest orientation"))))
    create_mesh: bool = field(default=True, metadata=ui(
        "Skinned mesh", "Add a skinned body with shape keys for the betas when a mesh source exists (the file's "
        "rest mesh, the SMPL model in preferences or the shipped default body)", enabled_if=("target", "new")))
    rate: str = field(default="resample", metadata=ui("Frame rate", items=(
        ("resample", "Resample to scene", "SLERP the motion onto the scene's frame rate"),
        ("set_scene", "Set scene rate", "Change the scene's frame rate to the motion's; one key per sample"))))
    start_frame: int = field(default=1, metadata=ui("Start frame"))
    bad_frames: str = field(default="interpolate", metadata=ui("Bad frames", items=(
        ("interpolate", "Interpolate", "SLERP across invalid / low-confidence frames"),
        ("skip", "Skip", "Leave invalid / low-confidence frames without keys"))))
    min_confidence: float = field(default=0.3, metadata=ui(
        "Min confidence", "Frames below this confidence count as bad", min=0.0, max=1.0))
    create_camera: bool = field(default=True, metadata=ui(
        "Filming camera", "When the file carries the camera that filmed it (motion file v3: hkmr infer writes "
        "it, following a panning or moving phone), add it as the scene's animated camera so the body lines up "
        "with the footage"))
    set_frame_range: bool = True
    model_path: str = ""
    feet: FootSettings = field(default_factory=FootSettings)
    root: RootSettings = field(default_factory=RootSettings)
    clip: ClipSettings = field(default_factory=ClipSettings)
