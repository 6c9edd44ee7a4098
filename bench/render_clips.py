"""Pictures for docs/blender-addon.md, rendered headless with Blender's Workbench engine:

- ``feet_pinning.png``: the tests' sliding walk (tests/blender/gait.py) on the SMPL armature with the open body;
  the left ankle's path before (red) and after (green) pinning, seen from the side and from above.
- ``root_motion.png``: a turning walk in ``root_motion`` mode (path smoothing 0.5 s), from above: the root
  bone's path on the floor (blue, with its heading every 10 frames) and the hips' path (orange) swaying
  about it, the body (see-through) every 37 frames.

    .venv/bin/python bench/render_clips.py --out docs/img
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("BLENDER_USER_RESOURCES", tempfile.mkdtemp(prefix="hkmr_render_"))

import bpy  # noqa: E402
import cv2  # noqa: E402

from hkmr_blender.rig.armature import world_heads  # noqa: E402
from hkmr_blender.importing.body import load_body_arrays, rest_joints_for  # noqa: E402
from hkmr_blender.feet.pin import FootSettings  # noqa: E402
from hkmr_blender.feet.apply import pin_feet_on_action  # noqa: E402
from hkmr_blender.importing.importer import ImportSettings, import_motion  # noqa: E402
from hkmr_blender.root.plan import RootSettings  # noqa: E402
from tests.blender.gait import walk  # noqa: E402

RED, GREEN, BLUE, ORANGE, GREY = (0.85, 0.15, 0.1), (0.1, 0.7, 0.2), (0.15, 0.35, 0.9), (0.95, 0.55, 0.1), (0.8,) * 3


def _scene():
    bpy.ops.wm.read_factory_settings(use_empty=True)
    sc = bpy.context.scene
    sc.render.engine = "BLENDER_WORKBENCH"
    sc.display.shading.light, sc.display.shading.color_type = "STUDIO", "OBJECT"
    sc.render.resolution_x, sc.render.resolution_y = 640, 400
    sc.render.film_transparent = False
    world = bpy.data.worlds.new("w")
    sc.world = world
    return sc


def _import(motion, name, **kw):
    return import_motion(bpy.context, motion, ImportSettings(rate="set_scene", create_mesh=True, **kw), name=name)


def _path(points: np.ndarray, name: str, color, radius: float = 0.006):
    curve = bpy.data.curves.new(name, "CURVE")
    curve.dimensions, curve.bevel_depth = "3D", radius
    spline = curve.splines.new("POLY")
    spline.points.add(len(points) - 1)
    spline.points.foreach_set("co", np.c_[points, np.ones(len(points))].ravel())
    ob = bpy.data.objects.new(name, curve)
    ob.color = (*color, 1.0)
    bpy.context.scene.collection.objects.link(ob)
    return ob


def _dot(p: np.ndarray, name: str, color, radius: float = 0.0025):
    me = bpy.data.meshes.new(name)
    import bmesh
    bm = bmesh.new()
    bmesh.ops.create_uvsphere(bm, u_segments=12, v_segments=8, radius=radius)
    bm.to_mesh(me)
    bm.free()
    ob = bpy.data.objects.new(name, me)
    ob.location, ob.color = p, (*color, 1.0)
    bpy.context.scene.collection.objects.link(ob)
    return ob


def _track(obj, bone: str, frames) -> np.ndarray:
    out = []
    for f in frames:
        bpy.context.scene.frame_set(f)
        out.append(world_heads(obj, [bone])[0])
    return np.array(out)


def _shoot(sc, loc, rot, scale: float, path: Path) -> np.ndarray:
    cam = sc.camera or bpy.data.objects.new("cam", bpy.data.cameras.new("cam"))
    if sc.camera is None:
        sc.collection.objects.link(cam)
        sc.camera = cam
    cam.data.type, cam.data.ortho_scale = "ORTHO", scale
    cam.location, cam.rotation_euler = loc, rot
    sc.render.filepath = str(path)
    bpy.ops.render.render(write_still=True)
    return cv2.imread(str(path))


def _label(img: np.ndarray, text: str) -> np.ndarray:
    cv2.putText(img, text, (12, 28), cv2.FONT_HERSHEY_SIMPLEX, 0.7, (235, 235, 235), 2, cv2.LINE_AA)
    return img


def _show_only(objects, frame: int) -> None:
    """Render only these body meshes (curves and dots always)."""
    for ob in bpy.context.scene.objects:
        body = ob.type == "ARMATURE" or (ob.type == "MESH" and not ob.name.startswith("dot"))
        ob.hide_render = body and ob not in objects
    bpy.context.scene.frame_set(frame)


def feet_picture(rest, out: Path, tmp: Path) -> Path:
    sc = _scene()
    motion, stance = walk(rest, frames=75, slip=0.04, seed=3)
    before, after = _import(motion, "before"), _import(motion, "after")
    pin_feet_on_action(after.armature, FootSettings(pin_feet=True), contacts=stance)
    frames = range(1, 76)
    p0, p1 = _track(before.armature, "left_ankle", frames), _track(after.armature, "left_ankle", frames)
    curves = [_path(p0, "before", RED), _path(p1, "after", GREEN)]
    for ob in (before.mesh, after.mesh):
        ob.color = (*GREY, 1.0)
    s0, s1 = next((s, e) for s, e in _spans(stance[:, 0]) if s > 0)
    _show_only([after.mesh], (s0 + s1) // 2 + 1)
    centre = (p1.max(0) + p1.min(0)) / 2
    span = float(np.ptp(p1[:, 1])) + 0.6
    side = _shoot(sc, (3.0, centre[1], 0.0), (np.pi / 2, 0, np.pi / 2), span, tmp / "side.png")
    for c in curves:
        c.data.bevel_depth = 0.001
    for pts, color in ((p0, RED), (p1, GREEN)):       # a dot per frame of the contact span
        for k, p in enumerate(pts[s0:s1 + 1]):
            _dot(p, f"dot{k}", color)
    _show_only([], (s0 + s1) // 2 + 1)
    foot = p1[s0:s1 + 1].mean(0)
    zoom = 0.2
    close = _shoot(sc, (3.0, foot[1], foot[2] + 0.05), (np.pi / 2, 0, np.pi / 2), zoom, tmp / "close.png")
    top = _shoot(sc, (foot[0], foot[1], 5.0), (0, 0, np.pi / 2), zoom, tmp / "top.png")
    h = side.shape[0] // 2
    small = [cv2.resize(im, (side.shape[1] // 2, h), interpolation=cv2.INTER_AREA)[:, :] for im in (close, top)]
    _label(side, "left ankle before (red) / after pinning (green)")
    cv2.putText(side, "close-ups: one dot per frame of a contact", (12, 56), cv2.FONT_HERSHEY_SIMPLEX, 0.6,
                (235, 235, 235), 1, cv2.LINE_AA)
    img = np.vstack([side,
                     np.hstack([_label(small[0], "side, 20 cm wide"), _label(small[1], "top, 20 cm wide")])])
    path = out / "feet_pinning.png"
    cv2.imwrite(str(path), img, [cv2.IMWRITE_PNG_COMPRESSION, 9])
    return path


def _spans(flags):
    from hkmr_blender.feet.pin import contact_spans
    return contact_spans(flags)


def root_picture(rest, out: Path, tmp: Path) -> Path:
    sc = _scene()
    motion, _ = walk(rest, frames=150, slip=0.0, turn=0.6, seed=1)
    res = _import(motion, "walk", root=RootSettings(root_mode="root_motion", root_smooth=0.5))
    frames = range(1, 151)
    root, hips = _track(res.armature, "root", frames), _track(res.armature, "pelvis", frames)
    _path(root, "root", BLUE, 0.012)
    _path(hips * [1, 1, 0] + [0, 0, 0.02], "hips", ORANGE)
    bones = res.armature.pose.bones
    for f in range(1, 151, 10):                                # heading: the root bone's +Y axis
        sc.frame_set(f)
        m = np.array(res.armature.matrix_world) @ np.array(bones["root"].matrix)
        _path(np.array([m[:3, 3], m[:3, 3] - 0.35 * m[:3, 1]]) + [0, 0, 0.03], f"heading{f}", BLUE, 0.01)
    meshes = []
    for f in range(1, 151, 37):                                # onion skin: a copy of the posed body
        sc.frame_set(f)
        dg = bpy.context.evaluated_depsgraph_get()
        me = bpy.data.meshes.new_from_object(res.mesh.evaluated_get(dg))
        ob = bpy.data.objects.new(f"body{f}", me)
        ob.matrix_world = res.mesh.matrix_world
        ob.color = (*GREY, 1.0)
        sc.collection.objects.link(ob)
        meshes.append(ob)
    _show_only(meshes, 1)
    sc.display.shading.show_xray, sc.display.shading.xray_alpha = True, 0.35
    lo, hi = root.min(0), root.max(0)
    span = float(max(hi[0] - lo[0], (hi[1] - lo[1]) * 1.6)) + 2.0
    top = _shoot(sc, ((lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2, 6.0), (0, 0, 0), span, tmp / "root.png")
    path = out / "root_motion.png"
    cv2.imwrite(str(path), _label(top, "root_motion: root bone (blue, heading) / hips (orange)"),
                [cv2.IMWRITE_PNG_COMPRESSION, 9])
    return path


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default="docs/img")
    args = ap.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rest = rest_joints_for(load_body_arrays(), np.zeros(10))
    with tempfile.TemporaryDirectory() as tmp:
        for path in (feet_picture(rest, out, Path(tmp)), root_picture(rest, out, Path(tmp))):
            print(f"wrote {path} ({path.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
