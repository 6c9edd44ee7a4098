"""Planted feet, numpy only: detect foot contacts, pin each contact span with two-bone IK on the leg.

Works on any armature through a :class:`LegChain` per foot (upper leg, lower leg, foot, toe bone names:
the bones whose heads are the hip, knee, ankle and toe joints) and a :class:`..rig.track.PoseTrack` of
the action. During a contact span the ankle (the foot bone's head) is held at the span's mean position
in armature space; the foot keeps its animated world orientation, so the toe follows the animated roll.

IK (per frame, vectorised): hip h, knee k, ankle a, target t. The thigh and shin keep their lengths
L1, L2; d = |t − h| is clamped to (|L1 − L2|, L1 + L2) (a target out of reach is counted, and the ankle
ends on the hip→target line at the reachable distance). The new knee lies in the plane through h, t
and the original knee (the leg's bend plane, rotated as little as possible); the thigh's rotation maps
the old leg frame (thigh direction, ankle side, plane normal) onto the new one, so the knee's hinge axis
stays fixed relative to the thigh; the shin then turns about that hinge only. A straight leg has no
bend side: the toe direction stands in (knees bend towards the toes).

Span edges blend over ``blend_frames`` frames outside the span: the animated ankle moved by the span's
correction at its edge frame, times a smoothstep weight, so the foot never jumps and the knee never pops (the
swinging foot is not pulled towards its landing spot early); inside a span the weight is 1.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..base.spans import contact_spans
from ..rig.track import PoseTrack, ancestors, forward, local_rotations, local_transforms, with_bones
from ..rig import transforms as rm
from .settings import CONTACT_SOURCES, FootSettings, RigBones

__all__ = ["LegChain", "SMPL_LEGS", "legs_for", "legs_from_bones", "FootSettings", "PinReport", "detect_contacts", "contact_spans",
           "pin_weights", "pin_targets", "two_bone_ik", "hip_drop", "pin_feet", "contact_travel", "flags_at_times"]


@dataclass(frozen=True)
class LegChain:
    """Bone names of one leg, root to tip: ``upper`` (head at the hip), ``lower`` (head at the knee),
    ``foot`` (head at the ankle), ``toe`` (head at the toe base)."""

    upper: str
    lower: str
    foot: str
    toe: str

    @property
    def bones(self) -> tuple[str, str, str, str]:
        return (self.upper, self.lower, self.foot, self.toe)


SMPL_LEGS = (LegChain("left_hip", "left_knee", "left_ankle", "left_foot"),
             LegChain("right_hip", "right_knee", "right_ankle", "right_foot"))


def legs_for(bone_of_joint) -> tuple[LegChain, LegChain]:
    """Leg chains [left, right] of a rig from its SMPL joint → bone name mapping (a dict, or a function),
    e.g. a retargeting map {"left_hip": "mixamorig:LeftUpLeg", ...}. Raises KeyError naming the joint."""
    get = bone_of_joint if callable(bone_of_joint) else bone_of_joint.__getitem__
    return tuple(LegChain(*(get(j) for j in c.bones)) for c in SMPL_LEGS)


def legs_from_bones(bones: RigBones) -> tuple[LegChain, LegChain] | None:
    """The leg chains named in ``bones``, or None when none is named (SMPL-named bones are then used).
    Raises ValueError naming the empty fields when only some are."""
    sides = [[getattr(bones, f"{side}_{part}") for part in ("upper", "lower", "foot", "toe")]
             for side in ("left", "right")]
    names = sides[0] + sides[1]
    if not any(names):
        return None
    if not all(names):
        empty = [f"{s}_{p}" for s in ("left", "right") for p in ("upper", "lower", "foot", "toe")
                 if not getattr(bones, f"{s}_{p}")]
        raise ValueError(f"set every leg bone or none (empty: {', '.join(empty)})")
    return LegChain(*sides[0]), LegChain(*sides[1])


@dataclass
class PinReport:
    """``contacts`` (K,L) bool per leg; ``travel_before``/``travel_after`` (L,) the largest ankle travel
    inside one contact span (metres, world scale); ``out_of_reach`` (L,) frames whose pin the leg
    could not reach."""

    contacts: np.ndarray
    travel_before: np.ndarray
    travel_after: np.ndarray
    out_of_reach: np.ndarray


def _clean(flags: np.ndarray, min_frames: int, gap_frames: int) -> np.ndarray:
    """Fill False gaps of ≤ ``gap_frames`` between spans, then drop spans shorter than ``min_frames``."""
    out = np.asarray(flags, bool).copy()
    spans = contact_spans(out)
    for (_, e0), (s1, _) in zip(spans[:-1], spans[1:]):
        if s1 - e0 - 1 <= gap_frames:
            out[e0 + 1:s1] = True
    for s, e in contact_spans(out):
        if e - s + 1 < min_frames:
            out[s:e + 1] = False
    return out


def _touching(points: np.ndarray, up: np.ndarray, fps: float, s: FootSettings) -> np.ndarray:
    """(K,3) world points (metres) → (K,) low and slow."""
    h = points @ up
    floor = np.percentile(h, s.floor_percentile)
    speed = np.linalg.norm(np.gradient(points, axis=0), axis=-1) * fps if len(points) > 1 else np.zeros(1)
    return (h - floor < s.height_tol) & (speed < s.speed_tol)


def detect_contacts(ankle: np.ndarray, toe: np.ndarray, fps: float, settings: FootSettings,
                    up: np.ndarray = np.array([0.0, 0.0, 1.0])) -> np.ndarray:
    """Contacts (K,) bool of one foot from its ankle and toe paths (K,3), world metres, ``up`` unit.

    The ankle is what gets pinned, so the flag is the heel's: ankle low and slow. A toe that is low and
    slow too extends nothing (push-off, heel rising, must stay free); it only confirms: frames where the
    ankle is slow but its height is in doubt count when the toe also touches."""
    heel = _touching(ankle, up, fps, settings)
    toe_on = _touching(toe, up, fps, settings)
    lax = replace(settings, height_tol=1.5 * settings.height_tol)
    flags = heel | (toe_on & _touching(ankle, up, fps, lax))
    return _clean(flags, settings.min_frames, settings.gap_frames)


def flags_at_times(sample_times: np.ndarray, flags: np.ndarray, key_times: np.ndarray) -> np.ndarray:
    """Per-sample flags (F,...) → per-key flags at ``key_times`` (K,) seconds (nearest sample)."""
    t = np.asarray(sample_times, np.float64)
    flags = np.asarray(flags, bool)
    if len(t) == 1:
        return np.repeat(flags, len(key_times), axis=0)
    i = np.clip(np.searchsorted(t, key_times), 1, len(t) - 1)
    i -= np.abs(key_times - t[i - 1]) <= np.abs(t[i] - key_times)
    return flags[i]


def pin_weights(flags: np.ndarray, blend_frames: int) -> np.ndarray:
    """(K,) weight of the pin: 1 inside contact spans, smoothstep 0→1 over ``blend_frames`` before each
    span and 1→0 after it (the larger weight where two spans' ramps meet)."""
    flags = np.asarray(flags, bool)
    idx = np.flatnonzero(flags)
    if len(idx) == 0:
        return np.zeros(len(flags))
    if blend_frames <= 0:
        return flags.astype(np.float64)
    # distance (in frames) to the nearest contact frame
    pos = np.searchsorted(idx, np.arange(len(flags)))
    left = np.abs(np.arange(len(flags)) - idx[np.clip(pos - 1, 0, len(idx) - 1)])
    right = np.abs(idx[np.clip(pos, 0, len(idx) - 1)] - np.arange(len(flags)))
    dist = np.minimum(left, right)
    x = np.clip(1.0 - dist / (blend_frames + 1.0), 0.0, 1.0)
    return x * x * (3.0 - 2.0 * x)


def pin_targets(ankle: np.ndarray, flags: np.ndarray, blend_frames: int,
                planted: np.ndarray | None = None) -> np.ndarray:
    """(K,3) ankle targets: each span's mean ankle position inside it; on the ramps at its edges the animated
    path moved by the span's correction at its nearest edge frame (mean − ankle there), eased in by the pin
    weight (a ramp frame belongs to the nearest span). So a foot swinging in keeps its own path and lands where
    it is pinned: it is not pulled towards its landing spot ahead of time, which a few frames before heel strike
    lies out of the leg's reach and would snap the knee straight (a knee pop). ``planted`` (K,3): where the
    ankle should be inside the spans when that is not its path (the retarget's sole set on the floor); the span
    means are taken of it, and the ramps ease in all of that correction, the lift included (eased against the
    path, not against ``planted``, so the goal does not jump by the lift at a span's edge)."""
    spans = contact_spans(flags)
    if not spans:
        return ankle.copy()
    k = np.arange(len(ankle))[:, None]
    starts, ends = np.array(spans).T
    owner = np.maximum(np.maximum(starts[None] - k, k - ends[None]), 0).argmin(axis=1)
    inside = ankle if planted is None else planted
    means = np.array([inside[s:e + 1].mean(axis=0) for s, e in spans])
    edge = np.clip(k[:, 0], starts[owner], ends[owner])                   # the frame itself inside a span
    w = pin_weights(flags, blend_frames)[:, None]
    return ankle + w * (means[owner] - ankle[edge])


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), 1e-12)


def _reject(v: np.ndarray, axis: np.ndarray) -> np.ndarray:
    """Component of v (K,3) perpendicular to the unit ``axis`` (K,3)."""
    return v - np.sum(v * axis, -1, keepdims=True) * axis


def _frame(e1: np.ndarray, side: np.ndarray) -> np.ndarray:
    """(K,3,3) orthonormal columns [e1, e2, e1×e2], e2 the unit part of ``side`` ⊥ e1."""
    e2 = _unit(_reject(side, e1))
    return np.stack([e1, e2, np.cross(e1, e2)], axis=-1)


def two_bone_ik(hip, knee, ankle, target, toe, by_toe: bool = False
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Points (K,3) → (D1 (K,3,3) thigh world rotation about the hip, D2 (K,3,3) extra shin rotation about
    the new knee, new knee (K,3), reached ankle (K,3)). The thigh's new world rotation is D1·G, the
    shin's D2·D1·G. See the module docstring for the bend plane; ``by_toe``: the bend plane holds the
    toe direction instead (the knee bends towards the toes), for legs that are often nearly straight,
    whose own plane turns erratically from frame to frame (no knee pop, no thigh twist)."""
    l1 = np.linalg.norm(knee - hip, axis=-1)
    l2 = np.linalg.norm(ankle - knee, axis=-1)
    to_t = target - hip
    dist = np.linalg.norm(to_t, axis=-1)
    lo, hi = np.abs(l1 - l2) * (1 + 1e-6) + 1e-9, (l1 + l2) * (1 - 1e-6)
    d = np.clip(dist, lo, hi)
    u = _unit(to_t)
    e1 = _unit(knee - hip)
    fallback = _reject(toe - ankle, e1)                    # straight leg: bend towards the toes
    old_side = _reject(ankle - hip, e1)
    straight = np.linalg.norm(old_side, axis=-1) < 1e-4 * l1
    if by_toe:
        straight[:] = True
    old = _frame(e1, np.where(straight[:, None], -fallback, old_side))
    pole = _reject(knee - hip, u)                          # the knee's side of the hip→target line
    flat = np.linalg.norm(pole, axis=-1) < 1e-4 * l1
    pole = np.where((flat | by_toe)[:, None], _reject(toe - ankle, u), pole)
    cos_a = np.clip((l1 ** 2 + d ** 2 - l2 ** 2) / (2 * l1 * d), -1.0, 1.0)
    new_knee = hip + l1[:, None] * (cos_a[:, None] * u + np.sqrt(1 - cos_a ** 2)[:, None] * _unit(pole))
    reached = hip + d[:, None] * u
    new = _frame(_unit(new_knee - hip), -_reject(toe - ankle, _unit(new_knee - hip)) if by_toe else reached - hip)
    d1 = new @ np.swapaxes(old, -1, -2)
    shin_now = np.einsum("kij,kj->ki", d1, ankle - knee)
    d2 = _arc(shin_now, reached - new_knee)
    return d1, d2, new_knee, reached


def _arc(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(K,3,3) smallest rotation taking direction a to direction b (not antiparallel)."""
    a, b = _unit(a), _unit(b)
    axis = np.cross(a, b)
    s = np.linalg.norm(axis, axis=-1)
    c = np.sum(a * b, -1)
    aa = _unit(axis) * np.arctan2(s, c)[:, None]
    return rm.axis_angle_to_matrix(aa)


def contact_travel(points: np.ndarray, flags: np.ndarray) -> float:
    """Largest distance (points' units) a point moves from where it was at the start of its contact span
    (0 without spans)."""
    spans = contact_spans(flags)
    return max((float(np.linalg.norm(points[s:e + 1] - points[s], axis=-1).max()) for s, e in spans),
               default=0.0)


def _world_points(track: PoseTrack, pts: np.ndarray) -> np.ndarray:
    return pts @ track.world[:3, :3].T + track.world[:3, 3]


def pin_feet(track: PoseTrack, chains, settings: FootSettings, contacts: np.ndarray | None = None
             ) -> tuple[PoseTrack, PinReport]:
    """Pin each chain's ankle during its contact spans. ``contacts`` (K,L) bool per key frame and chain
    (None or ``settings.contacts == "detect"``: detected from the animation). Returns the edited track
    (new rotation keys on the upper, lower and foot bones of each chain) and a :class:`PinReport`."""
    if settings.contacts not in CONTACT_SOURCES:
        raise ValueError(f"foot contacts must be one of {CONTACT_SOURCES}, got {settings.contacts!r}")
    pose = forward(track)
    scale = track.world_scale
    ids = [[track.index(b) for b in c.bones] for c in chains]
    if contacts is None or settings.contacts == "detect":
        contacts = np.stack([detect_contacts(_world_points(track, pose[:, i[2], :3, 3]),
                                             _world_points(track, pose[:, i[3], :3, 3]),
                                             track.fps, settings) for i in ids], axis=1)
    contacts = np.asarray(contacts, bool)
    if contacts.shape != (len(track.frames), len(chains)):
        raise ValueError(f"contacts have shape {contacts.shape}, expected ({len(track.frames)}, {len(chains)})")
    goals = [pin_targets(pose[:, i[2], :3, 3], contacts[:, leg], settings.blend_frames)
             for leg, i in enumerate(ids)]
    before = [contact_travel(pose[:, i[2], :3, 3], contacts[:, leg]) * scale for leg, i in enumerate(ids)]
    track = _lower_hips(track, pose, ids, goals, settings)
    pose = forward(track)
    rot = pose[..., :3, :3]
    after, miss, targets = [], [], {}
    for leg, (up, lo, ft, toe) in enumerate(ids):
        flags = contacts[:, leg]
        hip, knee, ankle, toe_p = (pose[:, i, :3, 3] for i in (up, lo, ft, toe))
        if not flags.any():
            after.append(before[leg])
            miss.append(0)
            continue
        d1, d2, _, reached = two_bone_ik(hip, knee, ankle, goals[leg], toe_p)
        targets[up], targets[lo] = d1 @ rot[:, up], d2 @ d1 @ rot[:, lo]
        targets[ft] = rot[:, ft]                             # the foot keeps its world orientation
        after.append(contact_travel(reached, flags) * scale)
        miss.append(int(np.sum(np.linalg.norm(reached - goals[leg], axis=-1) * scale > 1e-6)))
    out = track
    if targets:
        local = local_rotations(track, rot, targets)
        bones = sorted(local)
        out = with_bones(track, bones, rm.matrix_to_quaternion(np.stack([local[b] for b in bones], 1)))
    return out, PinReport(contacts, np.array(before), np.array(after), np.array(miss))


def _common_parent(track: PoseTrack, bones) -> int:
    """Index of the nearest bone that is an ancestor of every bone in ``bones`` (the hips)."""
    shared = set(ancestors(track, bones[0])).intersection(*(set(ancestors(track, b)) for b in bones[1:]))
    if not shared:
        raise ValueError("the leg chains share no parent bone (hips); check the chain bone names")
    return next(i for i in ancestors(track, bones[0]) if i in shared)


def hip_drop(legs, up: np.ndarray, max_drop: float, blend_frames: int) -> np.ndarray:
    """(K,) how far to lower the hips along the unit ``up`` so every leg reaches its goal: ``legs`` is a
    list of (hip, knee, ankle, goal) points (K,3) per leg; at most ``max_drop`` (same units); widened
    and averaged over ``blend_frames`` so it eases in and out (a moving average of a running maximum
    never falls below the need)."""
    need = np.zeros(len(legs[0][0]))
    for hip, knee, ankle, goal in legs:
        reach = (np.linalg.norm(knee - hip, axis=-1) + np.linalg.norm(ankle - knee, axis=-1)) * (1 - 1e-4)
        w = goal - hip
        wu = w @ up
        disc = wu ** 2 - np.sum(w * w, -1) + reach ** 2
        drop = np.where(disc >= 0, -wu - np.sqrt(np.maximum(disc, 0)), -wu)
        need = np.maximum(need, np.where(np.linalg.norm(w, axis=-1) > reach, drop, 0.0))
    need = np.minimum(need, max_drop)
    if not need.any():
        return need
    r = max(blend_frames, 0)
    pad = np.pad(need, r, mode="edge")
    wide = np.max(np.lib.stride_tricks.sliding_window_view(pad, 2 * r + 1), axis=-1)
    return np.convolve(np.pad(wide, r, mode="edge"), np.ones(2 * r + 1) / (2 * r + 1), mode="valid")


def _lower_hips(track: PoseTrack, pose: np.ndarray, ids, goals, settings: FootSettings) -> PoseTrack:
    """Lower the hips (the legs' common parent) along world up where a goal is out of its leg's reach,
    by at most ``max_hip_drop`` metres (:func:`hip_drop`)."""
    if settings.max_hip_drop <= 0:
        return track
    legs = [tuple(pose[:, i, :3, 3] for i in (hip_i, knee_i, ankle_i)) + (goal,)
            for (hip_i, knee_i, ankle_i, _), goal in zip(ids, goals)]
    drop = hip_drop(legs, track.up, settings.max_hip_drop / track.world_scale, settings.blend_frames)
    if not drop.any():
        return track
    up = track.up
    hips = _common_parent(track, [i[0] for i in ids])
    moved = pose.copy()
    moved[:, hips, :3, 3] -= drop[:, None] * up
    _, loc = local_transforms(track, moved, [hips])
    return with_bones(track, [hips], track.quat[:, [hips]], loc)
