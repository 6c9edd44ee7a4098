"""Grounding and planted feet for the retarget, numpy only (used by :func:`.solve.solve_retarget`).

Frames: the target armature's space (the source already turned into it), source lengths in metres,
target lengths in armature units. ``up`` is the target body's up axis (pelvis → neck at rest, snapped to
the nearest armature axis).

Height (:func:`pelvis_height`): each body stands on its own floor. The source's floor is where its ankles
are when planted — the median ankle height over its contact frames (the file's flags or detected) — so
it does not matter where the source armature stands, whether it was ground-aligned, moved or scaled.
The source pelvis height above that level, minus its standing height (rest pelvis above rest ankles),
is how far it crouches or jumps; the target's pelvis point goes that far × the leg-length ratio from its
own standing height (its rest pose: a rig stands on its floor at rest). Standing maps to standing, a
crouch to the same knee bend, a 30 cm hop on a 1.3× taller leg to a 39 cm hop.

Planted feet (:func:`pin_legs`): inside each contact span the target's ankle is held at the span's mean
position by two-bone IK on its thigh and shin (:func:`..feet.pin.two_bone_ik`: the knee stays in its bend
plane, the foot keeps its world rotation, so no knee pop and no foot flip); the pin eases in and out over
``blend_frames`` outside the span and swing frames beyond that are left exactly as solved.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..base.skeleton import BODY_HAND_PARENTS, SMPL_JOINT_NAMES
from ..rig import transforms as rm
from ..feet.pin import contact_travel, detect_contacts, hip_drop, pin_targets, pin_weights, two_bone_ik
from ..feet.settings import FootSettings

__all__ = ["LEG_JOINTS", "GroundInfo", "body_up", "joint_paths", "source_contacts", "planted_level",
           "pelvis_height", "PinnedLegs", "pin_legs", "rest_floor", "sole_points"]

_J = {n: i for i, n in enumerate(SMPL_JOINT_NAMES)}
#: per leg [left, right]: SMPL hip, knee, ankle, foot (toe base) joints
LEG_JOINTS = tuple(tuple(_J[f"{s}_{p}"] for p in ("hip", "knee", "ankle", "foot")) for s in ("left", "right"))
_UP_JOINTS = ("neck", "spine3", "head", "spine2", "spine1")


@dataclass
class PinnedLegs:
    """:func:`pin_legs`' result: ``world`` new posed rotations (F,3,3) of the thighs and shins, ``drop``
    (F,) how far the hips go down along up (armature units), ``travel_before``/``travel_after`` (L,)
    metres, ``out_of_reach`` (L,) frames."""

    world: dict[int, np.ndarray]
    drop: np.ndarray
    travel_before: np.ndarray
    travel_after: np.ndarray
    out_of_reach: np.ndarray


@dataclass
class GroundInfo:
    """How the retarget grounded the target: ``up`` (3,) unit axis; ``source_level`` the source's planted
    ankle level and ``source_stand`` its standing pelvis height above its ankles (metres, along ``up``);
    ``contacts`` (F,2) [left, right] the flags used; ``detected``: they were detected from the motion;
    ``travel_before``/``travel_after`` (2,) largest target ankle travel inside one contact span (metres)
    before and after pinning; ``out_of_reach`` (2,) frames whose pin the leg could not reach; ``hip_drop``
    (F,) metres the hips were lowered so planted feet stay in reach (eased)."""

    up: np.ndarray
    source_level: float
    source_stand: float
    contacts: np.ndarray
    detected: bool
    travel_before: np.ndarray
    travel_after: np.ndarray
    out_of_reach: np.ndarray
    hip_drop: np.ndarray | None = None


def _snap(v: np.ndarray) -> np.ndarray:
    """The coordinate axis (signed unit vector) nearest to direction ``v``."""
    out = np.zeros(3)
    i = int(np.argmax(np.abs(v)))
    out[i] = np.sign(v[i])
    return out


def body_up(heads: dict[int, np.ndarray]) -> np.ndarray | None:
    """Up (3,) of a body from rest positions {SMPL joint: (3,)}: pelvis → the first of neck/spine3/head/
    spine2/spine1 present, snapped to an axis; None without the pelvis or a spine joint."""
    top = next((_J[n] for n in _UP_JOINTS if _J[n] in heads), None)
    if 0 not in heads or top is None:
        return None
    return _snap(heads[top] - heads[0])


def joint_paths(deltas: np.ndarray, pelvis: np.ndarray, rest_joints: np.ndarray) -> np.ndarray:
    """(F,J,3) joint positions from world deltas (F,J,3,3), the pelvis displacement from rest (F,3) and the rest
    joints (J,3): p_j = p_parent + D_parent · (rest_j − rest_parent). J = 24, or 54 with the finger joints
    (``BODY_HAND_PARENTS``)."""
    out = np.empty((len(deltas), len(rest_joints), 3))
    out[:, 0] = rest_joints[0] + pelvis
    for j in range(1, len(rest_joints)):
        p = BODY_HAND_PARENTS[j]
        out[:, j] = out[:, p] + deltas[:, p] @ (rest_joints[j] - rest_joints[p])
    return out


def source_contacts(paths: np.ndarray, fps: float, up: np.ndarray, settings: FootSettings = FootSettings()
                    ) -> np.ndarray:
    """(F,2) contacts [left, right] detected from the source joint paths (metres): ankle low and slow
    (:func:`..feet.pin.detect_contacts`)."""
    return np.stack([detect_contacts(paths[:, a], paths[:, t], fps, settings, up) for _, _, a, t in LEG_JOINTS],
                    axis=1)


def planted_level(paths: np.ndarray, contacts: np.ndarray, up: np.ndarray, percentile: float = 5.0) -> float:
    """The source's planted ankle height along ``up``: the median ankle height over contact frames (both
    feet); without any contact the ``percentile`` of the lower ankle's heights."""
    h = np.stack([paths[:, a] @ up for _, _, a, _ in LEG_JOINTS], axis=1)          # (F,2)
    if np.asarray(contacts, bool).any():
        return float(np.median(h[np.asarray(contacts, bool)]))
    return float(np.percentile(h.min(axis=1), percentile))


def pelvis_height(pelvis_abs: np.ndarray, level: float, stand: float, up: np.ndarray, size: float) -> np.ndarray:
    """(F,) how far the target's pelvis point sits above its standing height along ``up`` (metres):
    (source pelvis height above its planted level − its standing height) × ``size`` (leg-length ratio)."""
    return (pelvis_abs @ up - level - stand) * size


def pin_legs(heads: dict[int, np.ndarray], world: dict[int, np.ndarray], legs: list[tuple[int, int, int, int]],
             contacts: np.ndarray, tips: dict[int, list[np.ndarray]], rests: list[np.ndarray], up: np.ndarray,
             floor: float, blend_frames: int, max_hip_drop: float, scale: float) -> PinnedLegs:
    """Plant each leg's foot during its contact spans. ``heads``: posed heads (F,3) of the target leg bones
    (armature units); ``world``: posed rotations (F,3,3); ``legs``: per leg (thigh, shin, foot, toe) bone
    indices (toe −1: none); ``contacts`` (F,L); ``tips``: {foot/toe bone: [(3,) points in the bone's rest frame,
    relative to its head]} that make the foot's sole with the ankle and toe heads (tails, the heel); ``floor``: the target's floor height along ``up`` (its rest pose's lowest foot point); the pin
    eases over ``blend_frames``; ``max_hip_drop`` metres; ``scale`` metres per armature unit.

    ``rests`` per leg: the foot's rest direction (3,) (ankle → toe head, or along the foot bone). The foot
    is first turned about its ankle, eased by the pin weight, so that its ankle → toe direction rises as at
    rest (the sole flat on the floor; heading kept; the toe follows the foot).
    Inside a span the ankle's goal is the span's mean position, lifted or lowered so that the foot's lowest
    point (ankle, toe head, the ``tips`` points; the foot keeps its rotation) sits on the floor on average;
    the hips drop (eased) where a goal is out of the leg's reach; frames with zero pin weight keep their
    rotations."""
    goals, paths, new = [], [], {}
    for leg, (th, sh, ft, toe) in enumerate(legs):
        ankle = heads[ft]
        w = pin_weights(np.asarray(contacts[:, leg], bool), blend_frames)
        flat = _flatten(world[ft], heads[toe] - ankle if toe >= 0 else None, rests[leg], up, w)
        for b in (ft, toe):
            if b >= 0:
                new[b] = flat @ world[b]
        toe_at = ankle + np.einsum("fij,fj->fi", flat, heads[toe] - ankle) if toe >= 0 else None
        pts = [toe_at - ankle] if toe >= 0 else []
        pts += [(toe_at if b == toe else ankle) + new[b] @ q - ankle for b, qs in tips.items() if b in (ft, toe)
                for q in qs]
        low = np.min(np.stack([np.zeros(len(ankle))] + [p @ up for p in pts]), axis=0)
        flags = np.asarray(contacts[:, leg], bool)
        onto = ankle + np.outer(np.where(flags, floor - low - ankle @ up, 0.0), up)
        goals.append(pin_targets(ankle, flags, blend_frames, planted=onto))  # the ramps ease the lift in too
        paths.append(ankle)
    drop = hip_drop([(heads[th], heads[sh], heads[ft], g) for (th, sh, ft, _), g in zip(legs, goals)], up,
                    max_hip_drop / scale, blend_frames)
    before, after, miss = [], [], []
    for leg, (th, sh, ft, toe) in enumerate(legs):
        flags = np.asarray(contacts[:, leg], bool)
        before.append(contact_travel(paths[leg], flags) * scale)
        weight = pin_weights(flags, blend_frames)
        on = weight > 0
        if not on.any():
            after.append(before[-1])
            miss.append(0)
            continue
        hip, knee, ankle = (heads[i][on] - np.outer(drop[on], up) for i in (th, sh, ft))
        toe_p = (heads[ft] + np.einsum("fij,fj->fi", new[ft] @ np.swapaxes(world[ft], -1, -2),
                                       (heads[toe] if toe >= 0 else heads[ft] + world[ft][:, :, 1]) - heads[ft])
                 )[on] - np.outer(drop[on], up)                  # the (flattened) toe
        d1, d2, _, reached = two_bone_ik(hip, knee, ankle, goals[leg][on], toe_p, by_toe=True)
        d1, d2 = _partial(d1, weight[on]), _partial(d2, weight[on])     # ease in and out by turning part way
        thigh, shin = world[th].copy(), world[sh].copy()
        thigh[on] = d1 @ thigh[on]
        shin[on] = d2 @ d1 @ shin[on]
        new[th], new[sh] = thigh, shin
        moved = paths[leg] - np.outer(drop, up)
        moved[on] = reached
        after.append(contact_travel(moved, flags) * scale)
        miss.append(int(np.sum(np.linalg.norm(reached - goals[leg][on], axis=-1) * scale > 1e-4)))
    return PinnedLegs(new, drop, np.array(before), np.array(after), np.array(miss))


def rest_floor(heads: np.ndarray, tails: np.ndarray, bones, up: np.ndarray) -> float:
    """The target's floor along ``up``: the lowest rest head or tail of ``bones`` (its feet and toes)."""
    idx = [b for b in bones if b >= 0]
    return float(min((heads[idx] @ up).min(), (tails[idx] @ up).min()))


def sole_points(rest: np.ndarray, heads: np.ndarray, tails: np.ndarray, feet, toes, up: np.ndarray,
                floor: float) -> dict[int, list[np.ndarray]]:
    """{bone: [(3,) points in its rest frame relative to its head]}: each foot and toe bone's tail, and
    the heel — the floor point under the ankle at rest, carried by the foot bone (rigs have no heel joint,
    and at heel strike the heel, not the ankle, touches)."""
    out: dict[int, list[np.ndarray]] = {}
    for b in [*feet, *toes]:
        if b >= 0:
            out[b] = [np.array([0.0, np.linalg.norm(tails[b] - heads[b]), 0.0])]
    for b in feet:
        out[b].append(rest[b].T @ (-up * (heads[b] @ up - floor)))
    return out


def _flatten(foot: np.ndarray, toe_dir: np.ndarray | None, rest_dir: np.ndarray, up: np.ndarray, w: np.ndarray
             ) -> np.ndarray:
    """(F,3,3) rotations about the ankle turning the foot's current direction (``toe_dir`` (F,3), or the
    foot bone's axis from ``foot`` (F,3,3)) to its rest elevation along ``up``, heading kept, × weight
    ``w`` (F,) in angle (0: identity)."""
    v = toe_dir if toe_dir is not None else foot[:, :, 1]
    n = np.linalg.norm(v, axis=-1, keepdims=True)
    v = v / np.maximum(n, 1e-12)
    rd = rest_dir / np.linalg.norm(rest_dir)
    rise = float(rd @ up)
    h = v - np.outer(v @ up, up)
    hn = np.linalg.norm(h, axis=-1, keepdims=True)
    want = np.where(hn > 1e-6, h / np.maximum(hn, 1e-12) * np.sqrt(max(1 - rise ** 2, 0.0)) + rise * up, v)
    axis = np.cross(v, want)
    sin = np.linalg.norm(axis, axis=-1)
    angle = np.arctan2(sin, np.sum(v * want, -1)) * w
    aa = axis / np.maximum(sin, 1e-12)[:, None] * angle[:, None]
    return rm.axis_angle_to_matrix(aa)


def _partial(r: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Rotations (K,3,3) turned only the fraction ``w`` (K,) of their angle (1: as they are)."""
    q = rm.matrix_to_quaternion(r)
    return rm.quaternion_to_matrix(rm.slerp(np.tile([1.0, 0, 0, 0], (len(q), 1)), q, w))
