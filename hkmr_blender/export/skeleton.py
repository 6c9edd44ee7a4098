"""The engine skeleton of a rig (no bpy): which bones an engine gets, their parents, and their local keys.

Game engines (Unreal, Unity, Godot) want the deforming bones only, as one hierarchy under one root. A
production rig (Rigify: DEF/ORG/MCH bones and controls, 10 roots) has control and mechanism bones between
and around its deform bones. :func:`game_skeleton` picks:

- every deform bone, plus the rig's own ``root`` bone (any case) when it is a root of the rig and an
  ancestor of a deform bone (Rigify, UE mannequin: root motion lives there);
- each kept bone's parent is its nearest kept ancestor in the rig; a bone without one follows the rig's
  *twin* convention: ``DEF-x`` takes the nearest kept ancestor of ``ORG-x`` (Rigify parents ORG bones as
  the metarig was, ``ORG-y`` standing for ``DEF-y``);
- bones still without a parent hang below the kept root (``root`` if kept, else the first root found
  that has the most descendants): exactly one root.

:func:`local_keys` turns evaluated armature-space bone matrices into Blender pose-bone
location/rotation/scale keys of the new hierarchy (Blender's pose FK, ``P = P_parent·(R_parent⁻¹·R)·L``).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..base.rotations import matrix_to_quaternion

__all__ = ["GameSkeleton", "game_skeleton", "local_keys", "TWIN_PREFIXES"]

TWIN_PREFIXES = ("DEF-", "ORG-")  # Rigify: DEF-x deforms, ORG-x carries the metarig's hierarchy


@dataclass
class GameSkeleton:
    """``names`` of the kept bones, parents first; ``parents`` (index into ``names``, -1 for the root);
    ``source_parents``: each kept bone's parent in the rig (None for roots), to tell what was re-linked."""

    names: list[str]
    parents: list[int]
    source_parents: list[str | None]

    @property
    def roots(self) -> list[str]:
        return [n for n, p in zip(self.names, self.parents) if p < 0]

    @property
    def relinked(self) -> list[str]:
        """Bones whose parent differs from the rig's."""
        return [n for n, p, s in zip(self.names, self.parents, self.source_parents)
                if (self.names[p] if p >= 0 else None) != s]


def _ancestors(name: str, parent_of: dict[str, str | None]):
    p = parent_of.get(name)
    while p is not None:
        yield p
        p = parent_of.get(p)


def game_skeleton(names: list[str], parent_of: dict[str, str | None], deform: dict[str, bool]) -> GameSkeleton:
    """The engine skeleton (module docstring) of a rig with bones ``names``, ``parent_of[bone]`` (None for
    roots) and ``deform[bone]`` (Blender's use_deform). Raises ValueError when the rig deforms nothing."""
    kept = {n for n in names if deform.get(n)}
    if not kept:
        raise ValueError("the armature has no deform bones to export (Bone properties › Deform)")
    root = next((n for n in names if n.lower() == "root" and parent_of.get(n) is None), None)
    if root is not None and any(root in _ancestors(n, parent_of) for n in kept):
        kept.add(root)
    else:
        root = None
    parent: dict[str, str | None] = {}
    for n in names:
        if n not in kept:
            continue
        parent[n] = next((a for a in _ancestors(n, parent_of) if a in kept and a != root), None)
        if parent[n] is None and n.startswith(TWIN_PREFIXES[0]):
            twin = TWIN_PREFIXES[1] + n[len(TWIN_PREFIXES[0]):]
            if twin in parent_of:
                for a in _ancestors(twin, parent_of):
                    hit = a if a in kept or not a.startswith(TWIN_PREFIXES[1]) else \
                        TWIN_PREFIXES[0] + a[len(TWIN_PREFIXES[1]):]
                    if hit in kept and hit != n and hit != root:
                        parent[n] = hit
                        break
        if parent[n] is None and n != root and root is not None and root in _ancestors(n, parent_of):
            parent[n] = root
    # cycles cannot arise from ancestor walks, but a twin link can point into a bone's own subtree
    for n in list(parent):
        seen, p = {n}, parent[n]
        while p is not None:
            if p in seen:
                parent[n] = None
                break
            seen.add(p)
            p = parent[p]
    roots = [n for n in names if n in kept and parent[n] is None]
    if len(roots) > 1:
        size = {r: sum(1 for n in parent if r in _ancestors(n, parent)) for r in roots}
        top = root if root in roots else max(roots, key=lambda r: size[r])
        for r in roots:
            if r != top:
                parent[r] = top
    order: list[str] = []
    done: set[str] = set()

    def visit(n: str) -> None:
        if n in done:
            return
        if parent[n] is not None:
            visit(parent[n])
        done.add(n)
        order.append(n)
    for n in names:
        if n in kept:
            visit(n)
    index = {n: i for i, n in enumerate(order)}
    return GameSkeleton(order, [index[parent[n]] if parent[n] is not None else -1 for n in order],
                        [parent_of.get(n) for n in order])


def local_keys(pose: np.ndarray, rest: np.ndarray, parents: list[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Evaluated armature-space bone matrices ``pose`` (F,K,4,4) and rest ``rest`` (K,4,4)
    (``bone.matrix_local``) of a hierarchy ``parents`` → pose-bone keys: location (F,K,3), rotation
    quaternion WXYZ (F,K,4, sign-continuous over frames), scale (F,K,3). Shear is not representable
    and is dropped (the scale is each axis' length)."""
    pose = np.asarray(pose, np.float64)
    rest = np.asarray(rest, np.float64)
    rel = rest.copy()
    par = np.asarray(parents)
    has = par >= 0
    rel[has] = np.linalg.inv(rest[par[has]]) @ rest[has]          # rest relative to the parent's rest
    parent_pose = np.where(has[None, :, None, None], pose[:, np.maximum(par, 0)], np.eye(4))
    basis = np.linalg.inv(rel)[None] @ np.linalg.inv(parent_pose) @ pose
    loc = basis[..., :3, 3]
    m3 = basis[..., :3, :3]
    scale = np.linalg.norm(m3, axis=-2)
    quat = matrix_to_quaternion(m3 / scale[..., None, :])
    dots = np.sum(quat[1:] * quat[:-1], axis=-1)
    quat[1:] *= np.cumprod(np.where(dots < 0, -1.0, 1.0), axis=0)[..., None]
    return loc, quat, scale
