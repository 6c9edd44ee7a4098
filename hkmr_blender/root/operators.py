"""Apply Root Motion (thin bpy layer): root-motion mode, ground alignment and rest frame on the active
armature's action with the panel's settings."""
from __future__ import annotations

import bpy
import numpy as np

from ..ui.actions import ActionEdit, rig_bones
from ..ui.fields import from_props
from .apply import apply_root_on_action
from .settings import RootSettings

__all__ = ["HKMR_OT_root_motion", "CLASSES"]


def _travel(obj, plan) -> float:
    """World metres between the first and last point of the hips' floor path (``RootPlan.trajectory``)."""
    m = np.array(obj.matrix_world)[:3, :3]
    return float(np.linalg.norm(m @ (plan.trajectory[-1] - plan.trajectory[0])))


class HKMR_OT_root_motion(ActionEdit, bpy.types.Operator):
    """Apply the root-motion mode, ground alignment and rest frame to the active armature's action"""

    bl_idname = "hkmr.root_motion"
    bl_label = "Apply Root Motion"

    def apply(self, context, s) -> str:
        _, hips, feet = rig_bones(context.active_object)
        settings = from_props(RootSettings, s)
        if not settings.active:
            return "Nothing to do: Root motion is World and neither Feet on the floor nor Rest frame is set"
        obj = context.active_object
        had_root = settings.root_bone in obj.data.bones
        plan = apply_root_on_action(context, obj, settings, hips=hips, feet=feet)
        done = []
        if settings.root_mode == "root_motion":
            done.append(f"{'bone' if had_root else 'new bone'} '{settings.root_bone}' carries the hips' travel "
                        f"({_travel(obj, plan):.2f} m){' and heading' if settings.root_heading else ''}")
        elif settings.root_mode == "in_place":
            done.append(f"the hips' travel ({_travel(obj, plan):.2f} m) removed: the clip plays in place")
        if settings.ground and plan is not None:
            done.append(f"moved {plan.ground * 100:+.1f} cm so the feet touch the floor")
        if settings.rest_frame:
            done.append("rest-pose key one frame before the clip")
        return f"Root motion on '{obj.name}': " + "; ".join(done)


CLASSES = (HKMR_OT_root_motion,)
