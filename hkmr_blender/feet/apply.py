"""Pin planted feet on an armature's action (bpy layer over :mod:`.feet`).

Any armature: pass its leg chains (:func:`.feet.legs_for` builds them from an SMPL-joint → bone map, as
retargeting has); an armature with SMPL-named bones (`left_hip`, `L_Hip`, `m_avg_L_Hip`, …) needs none.
"""
from __future__ import annotations

import numpy as np

from ..rig.bones import match_smpl_bones
from ..base.skeleton import SMPL_JOINT_NAMES
from .pin import PinReport, legs_for, pin_feet
from .settings import FootSettings
from ..rig.track_bpy import assigned_action, read_track, write_track

__all__ = ["smpl_legs", "pin_feet_on_action"]


def smpl_legs(obj):
    """Leg chains of an armature whose bones are named like SMPL joints."""
    names = match_smpl_bones([b.name for b in obj.data.bones])
    return legs_for(dict(zip(SMPL_JOINT_NAMES, names)))


def pin_feet_on_action(obj, settings: FootSettings, chains=None, contacts: np.ndarray | None = None,
                       action=None, fps: float | None = None) -> PinReport:
    """Pin ``obj``'s planted feet in ``action`` (default: the assigned one), in place. ``chains``: leg
    chains (default: SMPL-named bones); ``contacts`` (K,L) per key frame of the action (None: detect);
    ``fps``: key rate (default: the scene's)."""
    action = action or assigned_action(obj)
    chains = chains or smpl_legs(obj)
    track = read_track(obj, [b for c in chains for b in c.bones], action, fps)
    pinned, report = pin_feet(track, chains, settings, contacts)
    changed = [n for i, n in enumerate(track.names)
               if not (np.array_equal(pinned.quat[:, i], track.quat[:, i])
                       and np.array_equal(pinned.loc[:, i], track.loc[:, i]))]
    moved = [n for n in changed if not np.array_equal(pinned.loc[:, track.index(n)], track.loc[:, track.index(n)])]
    write_track(obj, pinned, [n for n in changed if n not in moved], action)
    write_track(obj, pinned, moved, action, location=True)
    return report
