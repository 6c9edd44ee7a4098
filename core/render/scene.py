"""Render one posed body into a synthetic training image with full ground truth.

Frames: the body comes out of the body model already in the **camera frame** (the global
orientation includes SMPL Y-up → camera y-down, as in SPIN's data) and is then shifted by
``transl`` so that it stands in front of a pinhole camera at the origin. Everything a record
stores is in that frame: 3D joints (metres), 2D joints (pixels, integer pixel centres), the
SMPL ``transl`` and the intrinsics ``K``.

2D joint visibility: a joint is visible when it projects inside the image, in front of the
camera, and the surface seen at (or next to, 3×3 pixels) its pixel belongs to the joint's own
skinning neighbourhood (the joint, its parent or a child) or is background. A joint hidden
behind another body part (a hand in front of the face, the far arm behind the torso) is
therefore invisible; a joint seen through its own limb's surface is visible, as annotators
would mark it.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hkmr_blender.base.skeleton import NUM_JOINTS

from .parts import JOINT_TO_PART
from .rasterizer import Fragments, PinholeCamera, rasterize
from .shading import Light, composite, shade

__all__ = ["BodyGeometry", "SceneRender", "place_body", "render_scene", "joint_visibility"]


@dataclass
class BodyGeometry:
    """Per-body-model constants: faces (F, 3); face_joint (F,) dominant joint per face;
    vertex_joint (V,) dominant joint per vertex; parents (24,)."""

    faces: np.ndarray
    face_joint: np.ndarray
    vertex_joint: np.ndarray
    parents: np.ndarray

    @classmethod
    def from_model(cls, model) -> BodyGeometry:
        from .parts import face_joint_labels

        faces = np.asarray(model.faces, np.int64)
        return cls(faces=faces, face_joint=face_joint_labels(model.skin_weights, faces),
                   vertex_joint=np.asarray(model.skin_weights).argmax(1), parents=np.asarray(model.parents))

    def neighbourhood(self) -> np.ndarray:
        """(24, 24) bool: joint j's own skinning neighbourhood (itself, parent, children)."""
        nb = np.eye(NUM_JOINTS, dtype=bool)
        for j, p in enumerate(self.parents):
            if p >= 0:
                nb[j, p] = nb[p, j] = True
        return nb


@dataclass
class SceneRender:
    """image (H, W, 3) uint8 RGB; mask (H, W) uint8 0/1; parts (H, W) uint8 (0 bg, 1–6);
    joints2d (24, 3) pixels + visibility; bbox (4,) x0, y0, x1, y1 of the projected mesh."""

    image: np.ndarray
    mask: np.ndarray
    parts: np.ndarray
    joints2d: np.ndarray
    bbox: np.ndarray


def place_body(vertices: np.ndarray, camera: PinholeCamera, height_frac: float, offset_px: np.ndarray,
               iters: int = 3) -> np.ndarray:
    """Translation (3,) that puts the centre of the body's projected bounding box ``offset_px``
    pixels from the principal point, at the depth where the box's larger side spans
    ``height_frac`` of the image height. Starts from a weak-perspective guess and corrects it
    ``iters`` times with the true projection (near limbs look bigger)."""
    f = np.array([camera.fx, camera.fy])
    target = np.array([camera.cx, camera.cy]) + np.asarray(offset_px, np.float64)
    lo, hi = vertices[:, :2].min(0), vertices[:, :2].max(0)
    zmean = float(vertices[:, 2].mean())
    depth = camera.fy * float((hi - lo).max()) / (height_frac * camera.height)
    t = np.array([*(-(lo + hi) / 2), depth - zmean])
    for _ in range(iters):
        p = vertices + t
        uv = p[:, :2] / p[:, 2:3] * f + [camera.cx, camera.cy]
        ulo, uhi = uv.min(0), uv.max(0)
        depth = (t[2] + zmean) * float((uhi - ulo).max()) / (height_frac * camera.height)
        t[:2] += (target - (ulo + uhi) / 2) * (t[2] + zmean) / f
        t[2] = depth - zmean
    return t


def joint_visibility(joints: np.ndarray, frags: Fragments, geom: BodyGeometry, camera: PinholeCamera) -> np.ndarray:
    """(24, 3) camera-frame joints → (24, 3) pixel coords + visibility (module docstring)."""
    z = joints[:, 2]
    uv = np.stack([camera.fx * joints[:, 0] / z + camera.cx, camera.fy * joints[:, 1] / z + camera.cy], 1)
    H, W = frags.face_id.shape
    vis = np.zeros(24)
    nb = geom.neighbourhood()
    for j in range(NUM_JOINTS):
        u, v = np.round(uv[j]).astype(int)
        if z[j] <= 0 or not (0 <= u < W and 0 <= v < H):
            continue
        win = frags.face_id[max(v - 1, 0):v + 2, max(u - 1, 0):u + 2].ravel()
        bg = win < 0
        own = nb[j, geom.face_joint[np.maximum(win, 0)]]
        vis[j] = float(np.any(bg | own))
    return np.concatenate([uv, vis[:, None]], 1)


def render_scene(vertices: np.ndarray, joints: np.ndarray, geom: BodyGeometry, camera: PinholeCamera,
                 colors: np.ndarray, light: Light, background: np.ndarray, feather: int = 1) -> SceneRender:
    """Rasterize, shade and composite one camera-frame body over ``background`` (H, W, 3) uint8."""
    frags = rasterize(vertices, geom.faces, camera)
    rgb = shade(frags, vertices, geom.faces, colors, light)
    image = composite(background, rgb, frags.mask, feather=feather)
    parts = np.zeros(frags.face_id.shape, np.uint8)
    m = frags.mask
    parts[m] = JOINT_TO_PART[geom.face_joint[frags.face_id[m]]]
    z = vertices[:, 2]
    uv = vertices[:, :2] / z[:, None] * [camera.fx, camera.fy] + [camera.cx, camera.cy]
    bbox = np.r_[uv.min(0), uv.max(0)]
    return SceneRender(image=image, mask=m.astype(np.uint8), parts=parts,
                       joints2d=joint_visibility(joints, frags, geom, camera), bbox=bbox)
