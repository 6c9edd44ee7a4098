"""What the user sets for imported clips (:mod:`.finish`)."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..ui.fields import ui

__all__ = ["ClipSettings"]


@dataclass
class ClipSettings:
    """``nla``: push each imported action onto the NLA track ``clips.NLA_TRACK``."""

    nla: bool = field(default=False, metadata=ui(
        "NLA strip", "Push each imported clip onto the 'HKMR clips' NLA track"))
