"""Retarget math, numpy only: SMPL joint world deltas → pose-bone keys of any humanoid armature.

Frames: everything is in the *target armature's* space (Blender Z-up, the object's rotation removed,
units of the armature). Rotations act on column vectors, batches lead: (F, J, 3, 3).

The rule (the standard one for rigs of other proportions and rest orientations): each mapped target
bone copies its source joint's *world rotation delta from rest* D = P·B⁻¹ (P posed, B rest rotation in
armature space), expressed through the target's own rest B_t: the target bone's posed rotation is
W = D·O·B_t, where O (rest alignment) turns the target bone's rest direction onto the source's (identity
when both rigs rest alike, e.g. a T-posed rig under SMPL's T-pose). The pose-bone rotation follows from
Blender's P = P_parent·B_parent⁻¹·B·R_basis. Unmapped target bones keep their rest relative to their
parent (identity basis); SMPL joints without a target bone fold into their nearest mapped ancestor
(e.g. spine1-3 on a 2-bone spine: the lower bone takes spine1·spine2, the upper spine3).
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..rig import transforms as rm
from ..base.skeleton import BODY_HAND_PARENTS, SMPL_JOINT_NAMES, SMPL_PARENTS
from .align import SMPL_MAIN_CHILD, align_rotations, body_turn, folded_joints, is_ancestor as _is_ancestor
from .ground import (LEG_JOINTS, GroundInfo, body_up, joint_paths, pelvis_height, pin_legs, planted_level,
                     rest_floor, sole_points, source_contacts)

__all__ = ["SMPL_MAIN_CHILD", "TargetRig", "SourceMotion", "RetargetOptions", "RetargetKeys",
           "world_deltas", "basis_from_world", "folded_joints", "align_rotations", "body_turn", "leg_length",
           "solve_retarget", "source_from_motion"]

NJ = len(SMPL_JOINT_NAMES)


_LEG = [(SMPL_JOINT_NAMES.index(f"{s}_hip"), SMPL_JOINT_NAMES.index(f"{s}_knee"),
         SMPL_JOINT_NAMES.index(f"{s}_ankle")) for s in ("left", "right")]


@dataclass
class TargetRig:
    """A target armature in its armature space: ``names`` (N,), ``parents`` (N,) index or -1, parents
    before children; ``rest`` (N,3,3) ``bone.matrix_local`` rotations; ``heads``/``tails`` (N,3) rest
    head/tail (armature units); ``scale``: the object's uniform scale (world metres per unit)."""

    names: list[str]
    parents: np.ndarray
    rest: np.ndarray
    heads: np.ndarray
    tails: np.ndarray
    scale: float = 1.0
    copies: np.ndarray | None = None
    copies_location: np.ndarray | None = None

    def __post_init__(self):
        """``copies`` (N,): the bone whose armature-space rotation this bone takes over entirely (a
        full-influence Copy Transforms/Rotation constraint in world space, e.g. Rigify's ORG bones
        following their controls), or -1; ``copies_location`` (N,) True where the location is copied too
        (Copy Transforms). Bones must come after their parents and copy sources."""
        if self.copies is None:
            self.copies = np.full(len(self.names), -1, np.int64)
        if self.copies_location is None:
            self.copies_location = np.zeros(len(self.names), bool)


@dataclass
class SourceMotion:
    """SMPL motion in the target armature's axes (world metres): ``deltas`` (F,J,3,3) world rotation
    deltas from rest, ``pelvis`` (F,3) pelvis displacement from its rest position, ``rest_joints``
    (J,3) rest joint positions (T-pose), ``frames`` (F,) scene frames of the keys. J = 24, or 54 with the
    finger joints (``BODY_HAND_NAMES`` order) when the motion has hands."""

    deltas: np.ndarray
    pelvis: np.ndarray
    rest_joints: np.ndarray
    frames: np.ndarray
    contacts: np.ndarray | None = None
    fps: float = 30.0


@dataclass
class RetargetOptions:
    """``align_rest``: turn each target bone's rest direction onto SMPL's (A-posed rigs move like the
    T-posed source); ``align_body``: play the motion in the target body's own frame (up: pelvis → neck,
    left: right hip → left hip, from the rest pose, to the nearest quarter turn), so a rig lying along
    another axis (an FBX Y-up armature) or facing elsewhere moves as its body; ``scale_translation``:
    pelvis travel × leg-length ratio (False: world units); ``translation``: key the pelvis-mapped
    bone's location at all (the pelvis height is always mapped by leg length onto the target's own floor,
    see :mod:`.ground`); ``keep_contacts``: hold the target's planted ankles still by leg IK inside contact
    spans, easing over ``blend_frames`` frames outside them, lowering the hips by up to ``max_hip_drop`` metres
    where a planted foot is out of the leg's reach."""

    align_rest: bool = True
    align_body: bool = True
    scale_translation: bool = True
    translation: bool = True
    keep_contacts: bool = True
    blend_frames: int = 4
    max_hip_drop: float = 0.1


@dataclass
class RetargetKeys:
    """Keys for the target: ``bones`` (K,) keyed bone names, ``quats`` (F,K,4) WXYZ pose-bone rotations
    (sign-continuous), ``location_bone`` (name or None) and ``location`` (F,3) its pose-bone location,
    ``frames`` (F,), ``translation_scale`` the factor applied to the pelvis path."""

    bones: list[str]
    quats: np.ndarray
    location_bone: str | None
    location: np.ndarray | None
    frames: np.ndarray
    translation_scale: float
    ground: GroundInfo | None = None


def world_deltas(parents, rest: np.ndarray, basis: np.ndarray) -> np.ndarray:
    """Forward kinematics of rotations: pose-bone rotations ``basis`` (F,N,3,3) on rests (N,3,3) →
    world deltas D (F,N,3,3) with D = D_parent·B·R_basis·B⁻¹ (Blender's rule, object frame)."""
    out = np.empty_like(basis)
    local = rest @ basis @ np.swapaxes(rest, -1, -2)
    for i, p in enumerate(parents):
        out[:, i] = local[:, i] if p < 0 else out[:, p] @ local[:, i]
    return out


def basis_from_world(parents, rest: np.ndarray, world: np.ndarray) -> np.ndarray:
    """Posed armature-space rotations ``world`` (F,N,3,3) → pose-bone rotations R with
    P = P_parent·B_parent⁻¹·B·R, i.e. R = B⁻¹·B_parent·P_parent⁻¹·P (root: B⁻¹·P)."""
    out = np.empty_like(world)
    for i, p in enumerate(parents):
        out[:, i] = _basis(rest, i, p, world[:, i], None if p < 0 else world[:, p])
    return out


def _basis(rest: np.ndarray, b: int, p: int, wb: np.ndarray, wp: np.ndarray | None) -> np.ndarray:
    """Pose-bone rotation of bone ``b`` (parent ``p``, -1: none) posed at ``wb`` under a parent posed at ``wp``."""
    rel = wb if p < 0 else rest[p] @ np.swapaxes(wp, -1, -2) @ wb
    return rest[b].T @ rel


def leg_length(points: dict[int, np.ndarray]) -> float | None:
    """Mean hip→knee→ankle length over the legs whose three SMPL joints are in ``points``
    ({joint index: (3,) position}); None if no leg is complete."""
    legs = [np.linalg.norm(points[k] - points[h]) + np.linalg.norm(points[a] - points[k])
            for h, k, a in _LEG if h in points and k in points and a in points]
    return float(np.mean(legs)) if legs else None


def solve_retarget(src: SourceMotion, rig: TargetRig, joint_of_bone, opts: RetargetOptions = RetargetOptions()
                   ) -> RetargetKeys:
    """Pose-bone keys that put ``src`` on ``rig``. ``joint_of_bone`` (N,): SMPL joint index per target
    bone or -1. Keys every mapped bone; unmapped bones get no keys and stay at rest relative to
    their parents. The highest pelvis-mapped bone's location moves the target's pelvis point (between
    its hip bones, see :func:`_pelvis_pivot`): horizontally along the source pelvis path × (target leg
    length / SMPL leg length) when ``scale_translation`` (else metres as they are), vertically onto the
    target's own floor (:mod:`.ground`); planted feet are then pinned (``keep_contacts``)."""
    jb = np.asarray(joint_of_bone, np.int64)
    jb = np.where(jb < src.deltas.shape[1], jb, -1)  # finger bones of the target stay at rest without hands
    if len(jb) != len(rig.names):
        raise ValueError(f"mapping has {len(jb)} entries for {len(rig.names)} bones")
    if not (jb >= 0).any():
        raise ValueError("the bone mapping is empty: map at least the hips/pelvis bone")
    if src.contacts is not None and np.shape(src.contacts) != (len(src.deltas), 2):
        raise ValueError(f"source contacts have shape {np.shape(src.contacts)}, expected ({len(src.deltas)}, 2)")
    if opts.align_body:
        turn = body_turn(src.rest_joints, rig, jb)
        src = replace(src, deltas=turn @ src.deltas @ turn.T, pelvis=src.pelvis @ turn.T,
                      rest_joints=src.rest_joints @ turn.T)
    eff = folded_joints(jb)
    align = align_rotations(rig, jb, src.rest_joints) if opts.align_rest else np.tile(np.eye(3), (len(jb), 1, 1))
    keyed = np.flatnonzero(jb >= 0)
    keyed_world = {int(b): src.deltas[:, eff[b]] @ (align[b] @ rig.rest[b]) for b in keyed}
    world = _fill_world(rig, keyed, keyed_world)
    loc_bone, loc, ratio, ground = None, None, 1.0, None
    pelvis_bones = np.flatnonzero(jb == 0)
    if opts.translation and len(pelvis_bones):
        b = int(pelvis_bones[0])                     # the highest pelvis bone (parents come first)
        tgt = leg_length({int(j): rig.heads[i] * rig.scale for i, j in enumerate(jb) if j >= 0})
        ref = leg_length(dict(enumerate(src.rest_joints)))
        size = tgt / ref if tgt and ref else 1.0
        ratio = size if opts.scale_translation else 1.0
        pivot = _pelvis_pivot(rig, jb, src.rest_joints, size, b)
        up = body_up({int(j): rig.heads[i] for i, j in reversed(list(enumerate(jb))) if j >= 0})
        up = up if up is not None else body_up(dict(enumerate(src.rest_joints)))
        paths = joint_paths(src.deltas, src.pelvis, src.rest_joints)
        detected = src.contacts is None
        contacts = source_contacts(paths, src.fps, up) if detected else np.asarray(src.contacts, bool)
        level = planted_level(paths, contacts, up)
        stand = float((src.rest_joints[0] - 0.5 * (src.rest_joints[LEG_JOINTS[0][2]]
                                                   + src.rest_joints[LEG_JOINTS[1][2]])) @ up)
        rise = pelvis_height(paths[:, 0], level, stand, up, size)
        horizontal = src.pelvis - np.outer(src.pelvis @ up, up)
        want = pivot + (horizontal * ratio + np.outer(rise, up)) / rig.scale   # the pivot's path
        hips = [int(np.flatnonzero(jb == j)[0]) for j in (1, 2) if (jb == j).any()]
        pos = _posed_heads(rig, world)
        if len(hips) == 2 and all(_is_ancestor(rig.parents, b, h) for h in hips):
            # where the solved rotations alone put the pivot (it hangs from the hip bones, which may hang
            # from a chain that turns elsewhere, e.g. Rigify's hips below its spine pivot); translate the rest
            mid_rest = 0.5 * (rig.heads[hips[0]] + rig.heads[hips[1]])
            now = 0.5 * (pos[hips[0]] + pos[hips[1]]) + src.deltas[:, 0] @ (pivot - mid_rest)
            disp = want - now
        else:          # the bone's head turns about the pivot as SMPL's pelvis turns
            disp = want + src.deltas[:, 0] @ (rig.heads[b] - pivot) - rig.heads[b]
        legs = _leg_bones(jb)
        travel, miss, drop = np.zeros((2, 2)), np.zeros(2, np.int64), np.zeros(len(want))
        if legs is not None and all(i in _moved_by(rig, b, world) for leg in legs for i in leg if i >= 0):
            heads = {i: np.broadcast_to(pos[i], (len(want), 3)) + disp for leg in legs for i in leg if i >= 0}
            if opts.keep_contacts:
                feet = [i for leg in legs for i in leg[2:] if i >= 0]
                floor = rest_floor(rig.heads, rig.tails, feet, up)
                tips = sole_points(rig.rest, rig.heads, rig.tails, [leg[2] for leg in legs], [leg[3] for leg in legs],
                                   up, floor)
                rests = [rig.heads[t] - rig.heads[f] if t >= 0 else rig.tails[f] - rig.heads[f] for *_, f, t in legs]
                pinned = pin_legs(heads, world, legs, contacts, tips, rests, up, floor, opts.blend_frames,
                                  opts.max_hip_drop, rig.scale)
                keyed_world.update(pinned.world)
                world = _fill_world(rig, keyed, keyed_world)
                disp = disp - np.outer(pinned.drop, up)
                travel, miss = np.stack([pinned.travel_before, pinned.travel_after]), pinned.out_of_reach
                drop = pinned.drop
            else:
                from ..feet.pin import contact_travel
                travel[:] = [contact_travel(heads[leg[2]], contacts[:, k]) * rig.scale for k, leg in enumerate(legs)]
        p = rig.parents[b]
        parent_delta = np.broadcast_to(np.eye(3) if p < 0 else world[p] @ rig.rest[p].T, (len(want), 3, 3))
        # a location ℓ moves the head by parent_delta·B·ℓ (parents of this bone assumed not translated)
        loc = np.einsum("ij,fkj,fk->fi", rig.rest[b].T, parent_delta, disp)
        loc_bone = rig.names[b]
        ground = GroundInfo(up, level, stand, contacts, detected, travel[0], travel[1], miss, drop * rig.scale)
    basis = np.empty((len(src.deltas), len(keyed), 3, 3))
    for k, b in enumerate(keyed):
        p = rig.parents[b]
        basis[:, k] = _basis(rig.rest, b, p, world[b], world.get(p))
    quats = rm.quaternion_continuity(rm.matrix_to_quaternion(basis))
    return RetargetKeys([rig.names[i] for i in keyed], quats, loc_bone, loc, np.asarray(src.frames), ratio, ground)


def _fill_world(rig: TargetRig, keyed, keyed_world: dict[int, np.ndarray]) -> dict[int, np.ndarray]:
    """Posed rotations (F,3,3) — or (3,3) while constant — of the keyed bones and everything their poses
    hang on: keyed bones as given, constraint followers as their source, others at rest under their parent."""
    world: dict[int, np.ndarray] = {}
    for b in _needed(rig, keyed):
        p, c = rig.parents[b], rig.copies[b]
        if b in keyed_world:
            world[b] = keyed_world[b]
        elif c >= 0:      # a constraint makes it follow another bone, not its parent
            world[b] = world[c] @ (rig.rest[c].T @ rig.rest[b])
        elif p < 0:
            world[b] = rig.rest[b]
        else:             # at rest relative to its parent
            world[b] = world[p] @ (rig.rest[p].T @ rig.rest[b])
    return world


def _leg_bones(jb: np.ndarray) -> list[tuple[int, int, int, int]] | None:
    """Per leg [left, right] the (thigh, shin, foot, toe) bones (toe −1 when unmapped), or None unless
    both legs' hip, knee and ankle joints are mapped."""
    first = {int(j): int(i) for i, j in reversed(list(enumerate(jb))) if j >= 0}
    if not all(j in first for leg in LEG_JOINTS for j in leg[:3]):
        return None
    return [tuple(first.get(j, -1) for j in leg) for leg in LEG_JOINTS]


def _moved_by(rig: TargetRig, b: int, world: dict[int, np.ndarray]) -> set[int]:
    """Bones in ``world`` that a location on bone ``b`` carries along (its children, and bones copying
    their transforms)."""
    moved = set()
    for i in sorted(world):
        a = rig.copies[i] if rig.copies[i] >= 0 and rig.copies_location[i] else rig.parents[i]
        if i == b or a in moved:
            moved.add(i)
    return moved


def _posed_heads(rig: TargetRig, world: dict[int, np.ndarray]) -> dict[int, np.ndarray]:
    """Posed heads (F,3) or (3,) of the bones in ``world`` with every pose-bone location at zero: a child's
    head = its parent's posed head + the parent's world delta applied to the rest offset (a bone copying
    another's transforms hangs from that one instead)."""
    pos: dict[int, np.ndarray] = {}
    for b in sorted(world):
        a = rig.copies[b] if rig.copies[b] >= 0 and rig.copies_location[b] else rig.parents[b]
        pos[b] = rig.heads[b] if a < 0 else pos[a] + (world[a] @ rig.rest[a].T) @ (rig.heads[b] - rig.heads[a])
    return pos


def _needed(rig: TargetRig, keyed: np.ndarray) -> list[int]:
    """Keyed bones and everything their poses hang on (parents, constraint sources), parents-first."""
    need, stack = set(), [int(b) for b in keyed]
    while stack:
        b = stack.pop()
        if b in need:
            continue
        need.add(b)
        stack += [int(x) for x in (rig.parents[b], rig.copies[b]) if x >= 0]
    return sorted(need)


def _pelvis_pivot(rig: TargetRig, jb: np.ndarray, rest_joints: np.ndarray, size: float, b: int) -> np.ndarray:
    """(3,) the target point standing for SMPL's pelvis joint (armature units): the midpoint of the
    hip bones' heads plus SMPL's pelvis offset from its hips' midpoint × ``size`` (leg-length ratio);
    the pelvis bone's head when the hips are not mapped."""
    hips = [int(np.flatnonzero(jb == j)[0]) for j in (1, 2) if (jb == j).any()]
    if len(hips) < 2:
        return rig.heads[b]
    offset = rest_joints[0] - 0.5 * (rest_joints[1] + rest_joints[2])
    return 0.5 * (rig.heads[hips[0]] + rig.heads[hips[1]]) + offset * size / rig.scale


def source_from_motion(motion, opts, object_rot: np.ndarray | None = None) -> SourceMotion:
    """A Y-up :class:`~hkmr_blender.base.Motion` with rest joints → :class:`SourceMotion` in the axes of
    an armature whose object has world rotation ``object_rot`` (3,3; None: Blender's world, Z-up).
    Timing, bad frames and resampling follow :func:`..importing.plan.plan_keys` with ``opts`` (``KeyOptions``)."""
    from ..importing.hands import finger_rig
    from ..importing.plan import plan_keys
    fingers = finger_rig(motion, None, None) if motion.hand_pose is not None else None
    rest = np.asarray(motion.rest_joints, np.float64)
    if fingers is not None:
        rest = np.concatenate([rest, fingers.joints])
    ident = np.tile(np.eye(3), (len(rest), 1, 1))
    plan = plan_keys(motion, ident[:NJ], opts, object_rot, 1.0,   # identity rests: joint-local rotations
                     None if fingers is None else ident[NJ:])
    a = rm.C_Y_TO_Z if object_rot is None else np.asarray(object_rot).T @ rm.C_Y_TO_Z
    deltas = world_deltas(BODY_HAND_PARENTS[:len(rest)], ident, rm.quaternion_to_matrix(plan.quats))
    from ..importing.finish import contacts_for_keys
    contacts = contacts_for_keys(motion, plan.frames, opts.fps, opts.start_frame)   # the file's flags, or None
    return SourceMotion(deltas, plan.root_loc, rest @ a.T, plan.frames, contacts, float(opts.fps))
