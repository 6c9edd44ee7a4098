"""BlazePose's 3D world landmarks face the camera more than the person does; a measured turn undoes it.

Seen from the side or behind, the hip line of BlazePose's world landmarks is turned towards the camera: against
the truth of the choosing renders (CMU subjects 3, 5, 6, 7, static cameras at seven azimuths and heights;
``bench/facing_bias.py``, docs/experiments.md "Moving camera, part 5") the facing angle of its hip line is
15–19° too close to facing the camera for people side-on or turned away (true facing 45–180° from the camera),
while people facing the camera show no such pull. The fit follows those landmarks (its 3D term), so the fitted
body faces the camera 13–15° too much; with a moving camera that heading reaches the world path (a crab walk, and
the root motion exported from it), on a static one it stays in the body's yaw.

The turn: per frame, the world landmarks (hip-centred, camera axes after :func:`core.detect.world_lean.level_world`)
are turned about the camera's up (−y) through the hips' centre by ``amplitude · sin(facing)``, ``facing`` being their
own hip line's angle from the optical axis: nothing for a person facing the camera or turned away from it (the
symmetric views), most for one side-on. Applied where the 3D landmark term enters the fit
(:func:`core.fitting.clip.fit_clip`, ``ClipFitConfig.facing_deg``), for static and moving cameras alike (the start,
the 2D term and the keypoint model's input are untouched); on a moving camera :mod:`core.camera.heading` then turns
by what the travel says is left. numpy only, ~2 ms for 276 frames.
"""
from __future__ import annotations

import numpy as np

from core.camera.heading import turn_about_up

from .terms import HIPS

__all__ = ["FACING_DEG", "facing_angle", "turn_about_camera_up", "unbias_facing"]

#: Amplitude (degrees) of the turn away from the camera at a side-on view, chosen on the choosing renders
#: (docs/experiments.md "Moving camera, part 5"). The landmarks' own facing error is smallest at 15° (16.2° → 12.2°
#: mean per frame), but the fit, held by the 2D, follows only part of the turn: at 25° its side-on bias drops
#: from 13–15° to 4–5° and the root error summed over seven clips 3,008 → 2,464 mm, mean PA 71.1 → 70.3 mm;
#: 35° lowers the root error further (2,176) but costs the side-on clip 10 mm of PA (71.9 → 82.3).
FACING_DEG = 25.0
#: The camera's up in its own frame (OpenCV: y down).
_UP = np.array([0.0, -1.0, 0.0])


def facing_angle(world: np.ndarray) -> np.ndarray:
    """(F,) radians: the facing of world landmarks (F,33,3) (camera axes) from their hip line (left − right hip),
    in the camera's x–z plane, 0 = facing the camera (−z), positive towards the camera's right (+x), ±π = away."""
    hip = np.asarray(world, np.float64)[:, HIPS[0]] - np.asarray(world, np.float64)[:, HIPS[1]]
    fwd = np.cross(hip, _UP)                      # SMPL: left × up = forward
    return np.arctan2(fwd[:, 0], -fwd[:, 2])


def turn_about_camera_up(points: np.ndarray, angle: np.ndarray) -> np.ndarray:
    """points (F,N,3) camera axes turned per frame by ``angle`` (F,) radians about the camera's up (−y) through
    their hips' centre: a positive angle turns a body's facing towards the camera's right (+x)
    (:func:`core.camera.heading.turn_about_up` with the camera as its own reference frame)."""
    p = np.asarray(points, np.float64)
    centre = p[:, list(HIPS)].mean(1, keepdims=True)
    turn = turn_about_up(np.broadcast_to(np.eye(3), (len(p), 3, 3)), _UP, angle)
    return np.einsum("fij,fnj->fni", turn, p - centre) + centre


def unbias_facing(world: np.ndarray, found: np.ndarray, amplitude_deg: float = FACING_DEG) -> np.ndarray:
    """(F,33,3) world landmarks with the facing bias removed: each found frame turned away from the camera by
    ``amplitude_deg · sin(facing)`` (:func:`facing_angle`); frames without a person (zeros) stay as they are."""
    world = np.asarray(world)
    found = np.asarray(found, bool)
    if amplitude_deg == 0 or not found.any():
        return world
    angle = np.where(found, np.radians(amplitude_deg) * np.sin(facing_angle(world)), 0.0)
    out = turn_about_camera_up(world, angle)
    return np.where(found[:, None, None], out, world).astype(world.dtype)
