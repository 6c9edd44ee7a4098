"""Finish a freshly imported action (bpy layer): feet, root motion, and the NLA strip of several clips on one rig.

Each import is one action named after its clip (:func:`.names.clip_name`: the file name without its format ending). With ``nla`` the
action is also pushed as a strip onto the rig's NLA track "HKMR clips", after the strips already there
(one frame apart), and unassigned so the NLA plays; the batch exporter (:mod:`..export.actions`) writes one
file per action either way.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..feet.pin import PinReport, flags_at_times
from ..rig import compat
from ..root.plan import RootPlan
from .settings import ClipSettings
from ..feet.settings import FootSettings
from ..root.settings import RootSettings

__all__ = ["ClipSettings", "ClipReport", "NLA_TRACK", "contacts_for_keys", "finish_clip", "push_nla_strip"]

NLA_TRACK = "HKMR clips"


@dataclass
class ClipReport:
    """What :func:`finish_clip` did: ``feet`` (None when not pinned), ``root`` (None when untouched),
    ``strip`` (the NLA strip or None)."""

    feet: PinReport | None = None
    root: RootPlan | None = None
    strip: object | None = None
    notes: list[str] = field(default_factory=list)


def contacts_for_keys(motion, key_frames: np.ndarray, fps: float, start_frame: float) -> np.ndarray | None:
    """The motion file's per-sample foot contacts (F,2) [left, right] at the key frames (K,), or None
    when the file has none (format v1, AMASS, .smpl)."""
    contacts = getattr(motion, "contacts", None)
    if contacts is None:
        return None
    from .plan import sample_times
    return flags_at_times(sample_times(motion), contacts, (np.asarray(key_frames) - start_frame) / fps)


def finish_clip(context, obj, action, feet: FootSettings, root: RootSettings, clip: ClipSettings,
                contacts: np.ndarray | None = None, legs=None, hips: str | None = None, foot_bones=None,
                fps: float | None = None) -> ClipReport:
    """Pin feet (``feet.pin_feet``), then apply ``root``, then push to the NLA (``clip.nla``), on ``obj``'s
    ``action``. ``legs``/``hips``/``foot_bones`` default to SMPL-named bones (pass them for other rigs); ``fps``:
    the key rate (default: the scene's)."""
    from ..feet.apply import pin_feet_on_action
    from ..root.apply import apply_root_on_action
    report = ClipReport()
    if feet.pin_feet:
        use = None if feet.contacts == "detect" else contacts
        report.feet = pin_feet_on_action(obj, feet, chains=legs, contacts=use, action=action, fps=fps)
        if use is None and feet.contacts == "file":
            report.notes.append("the file has no foot contacts; detected them from the motion")
    report.root = apply_root_on_action(context, obj, root, hips=hips, feet=foot_bones, action=action, fps=fps)
    if clip.nla:
        report.strip = push_nla_strip(obj, action)
    return report


def push_nla_strip(obj, action, track_name: str = NLA_TRACK):
    """Append ``action`` as a strip on ``obj``'s NLA track ``track_name`` (created if missing), one frame
    after the last strip there (at the action's own start if the track is empty); the object's active
    action is cleared so the NLA plays. Returns the strip."""
    ad = obj.animation_data or obj.animation_data_create()
    slot = compat.object_slot(action, obj)
    track = ad.nla_tracks.get(track_name) or ad.nla_tracks.new()
    track.name = track_name
    start = float(action.frame_range[0])
    if len(track.strips):
        start = max(start, max(s.frame_end for s in track.strips) + 1.0)
    strip = track.strips.new(action.name, int(np.ceil(start)), action)
    compat.set_strip_slot(strip, slot)
    if ad.action == action:
        ad.action = None
    return strip
