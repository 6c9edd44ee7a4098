"""What the user sets for root motion (:mod:`.plan`)."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..ui.fields import choices, ui

__all__ = ["RootSettings", "ROOT_MODES"]


@dataclass
class RootSettings:
    """Root motion for engines (:mod:`.root_motion`). ``root_mode``: one of :data:`ROOT_MODES`;
    ``root_bone``: the root bone (added to an SMPL rig that lacks it in "root_motion" mode);
    ``root_heading``: the root also turns with the hips' yaw; ``root_smooth``: trajectory smoothing in
    seconds; ``ground``: move the clip so its lowest foot point over the whole clip touches z = 0 (the sole:
    the lowest foot joint minus ``sole_offset`` metres, found from the skinned mesh in Blender when one is
    bound); ``rest_frame``: add a rest-pose key one frame before the clip (T-pose for SMPL, the bind pose
    for engines' retargeters)."""

    root_mode: str = field(default="world", metadata=ui("Root motion", items=(
        ("world", "World", "Keep the path as estimated"),
        ("in_place", "In place", "Remove horizontal travel from the hips; height and heading stay"),
        ("root_motion", "Root bone", "A root bone on the floor carries travel and heading (Unreal, Unity)"))))
    root_bone: str = field(default="root", metadata=ui(
        "Root bone", "Root bone above the hips (added to an SMPL armature when missing)",
        enabled_if=("root_mode", "root_motion")))
    root_heading: bool = field(default=True, metadata=ui(
        "Root turns", "The root bone also carries the heading (yaw)", enabled_if=("root_mode", "root_motion")))
    root_smooth: float = field(default=0.0, metadata=ui(
        "Path smoothing", "Seconds of Gaussian smoothing of the root's path (0: the hips' path)", min=0.0, max=5.0))
    ground: bool = field(default=False, metadata=ui(
        "Feet on the floor", "Move the clip so its lowest foot point touches z = 0"))
    rest_frame: bool = field(default=False, metadata=ui(
        "Rest frame", "Add a rest-pose (T-pose) key one frame before the clip"))
    sole_offset: float = 0.0

    @property
    def active(self) -> bool:
        return self.root_mode != "world" or self.ground or self.rest_frame


ROOT_MODES = choices(RootSettings, "root_mode")
