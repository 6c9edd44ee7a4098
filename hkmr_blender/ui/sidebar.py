"""Where the HKMR panels live: the 3D view's sidebar (N panel), tab "HKMR". The main panel
(:mod:`..panel`) and each room's sub-panel take their space, region and tab from here."""
from __future__ import annotations

__all__ = ["MAIN_PANEL_ID", "SidebarPanel", "SubPanel"]

MAIN_PANEL_ID = "HKMR_PT_motion"


class SidebarPanel:
    """Mixin: the sidebar's space, region and tab."""

    bl_space_type = "VIEW_3D"
    bl_region_type = "UI"
    bl_category = "HKMR"


class SubPanel(SidebarPanel):
    """Mixin of a room's sub-panel under the main HKMR panel."""

    bl_parent_id = MAIN_PANEL_ID
