"""The docs figure of retargeting (not a benchmark): frames of a real mocap clip on the SMPL body and on
the retargeted test rigs (Mixamo as Blender imports its FBX, UE5 mannequin names, Unity names with an
A-pose rest, the real generated Rigify rig showing its DEF bones), standing on a floor, rendered headless
with Workbench (shadows on: a floating foot shows as a gap between foot and shadow).

    .venv/bin/python bench/figure_retarget.py                       # CMU 131_02 → docs/img/retarget_rigs.jpg
    .venv/bin/python bench/figure_retarget.py --frames 20 45 --start 2.0 --seconds 3
    .venv/bin/python bench/figure_retarget.py --clip synthetic      # the stylised walk (no data needed)

The real clip: CMU subject 131 (``--bvh``, default /work/shared/data/cmu_131/131_02.bvh; credit
mocap.cs.cmu.edu, the database was created with funding from NSF EIA-0196217), ``--seconds`` from ``--start``
at 30 fps, turned into SMPL motion on the open body by bench/bvh_truth.py's joint-position fit. It is imported
as a user would (set scene rate, feet on the floor, planted feet pinned), and each rig is retargeted from
that SMPL armature with the defaults. For each rendered frame every character is turned about the vertical and
slid along the floor (object transform only: height and pose untouched) so they stand in a row facing the
camera. Each rig gets thin cylinders parented to its bones (bone display does not render), from each mapped
bone's head to the next mapped bone (Rigify: every DEF bone head → tail), so what moves is the rig's own bones.
The script prints, per rig and frame, the lowest bone point above the floor (m): re-run it after a retarget
change and look at both.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("BLENDER_USER_RESOURCES", tempfile.mkdtemp(prefix="hkmr_figure_"))

import bpy  # noqa: E402
from mathutils import Matrix, Vector  # noqa: E402

from hkmr_blender.base import Motion  # noqa: E402
from hkmr_blender.base.skeleton import SMPL_JOINT_NAMES  # noqa: E402
from hkmr_blender.importing.body import load_body_arrays, rest_joints_for  # noqa: E402
from hkmr_blender.feet.settings import FootSettings  # noqa: E402
from hkmr_blender.importing.importer import ImportSettings, import_motion  # noqa: E402
from hkmr_blender.root.settings import RootSettings  # noqa: E402
from hkmr_blender.retarget.apply import retarget  # noqa: E402
from hkmr_blender.retarget.solve import SMPL_MAIN_CHILD  # noqa: E402
from hkmr_blender.rig.transforms import C_Y_TO_Z  # noqa: E402
from tests.blender.retarget_rigs import a_pose, build_armature, rigify_rig  # noqa: E402

J = {n: i for i, n in enumerate(SMPL_JOINT_NAMES)}


def walk(frames: int, rest: np.ndarray) -> Motion:
    """A stylised walk in SMPL's frame (Y-up, facing +Z): legs and arms swing in opposition, knees and
    elbows bend, the pelvis travels forward."""
    ph = 2 * np.pi * np.arange(frames) / frames
    aa = np.zeros((frames, 24, 3))
    swing = 0.45 * np.sin(ph)
    aa[:, J["left_hip"], 0], aa[:, J["right_hip"], 0] = -swing, swing
    aa[:, J["left_knee"], 0] = 0.6 * np.clip(np.sin(ph + 1.2), 0, None)
    aa[:, J["right_knee"], 0] = 0.6 * np.clip(-np.sin(ph + 1.2), 0, None)
    aa[:, J["left_shoulder"], 2], aa[:, J["right_shoulder"], 2] = -1.2, 1.2
    aa[:, J["left_shoulder"], 0], aa[:, J["right_shoulder"], 0] = 0.5 * swing, -0.5 * swing
    aa[:, J["left_elbow"], 1], aa[:, J["right_elbow"], 1] = -0.6, 0.6
    aa[:, J["spine2"], 1] = 0.15 * np.sin(ph)
    aa[:, J["head"], 0] = 0.1
    trans = np.stack([np.zeros(frames), 0.02 * np.cos(2 * ph), np.linspace(0, 0.6, frames)], 1)
    return Motion(poses=aa.reshape(frames, 72), trans=trans, betas=np.zeros(10), fps=30.0, rest_joints=rest)


def stick(name: str, a, b, radius: float, mat) -> object:
    """A cylinder from world point a to b."""
    a, b = Vector(a), Vector(b)
    d = b - a
    bpy.ops.mesh.primitive_cylinder_add(vertices=12, radius=radius, depth=max(d.length, 1e-3))
    ob = bpy.context.object
    ob.name = name
    ob.matrix_world = Matrix.Translation((a + b) / 2) @ d.to_track_quat("Z", "Y").to_matrix().to_4x4()
    ob.data.materials.append(mat)
    return ob


def attach_sticks(arm, segments, mat, radius=0.022) -> None:
    """Cylinders for (bone, start, end) segments in rest world space, parented to the bones."""
    arm.data.pose_position = "REST"
    bpy.context.view_layer.update()
    mw = arm.matrix_world
    for bone, a, b in segments:
        ob = stick(f"{arm.name}_{bone}", mw @ Vector(a), mw @ Vector(b), radius, mat)
        m = ob.matrix_world.copy()
        ob.parent, ob.parent_type, ob.parent_bone = arm, "BONE", bone
        bpy.context.view_layer.update()
        ob.matrix_world = m
    arm.data.pose_position = "POSE"


def mapped_segments(arm, mapping) -> list:
    bone_of = {e.joint: e.bone for e in mapping.entries}
    bones = arm.data.bones
    out = []
    for e in mapping.entries:
        c = SMPL_MAIN_CHILD[J[e.joint]]
        child = bone_of.get(SMPL_JOINT_NAMES[c]) if c >= 0 else None
        end = bones[child].head_local if child else bones[e.bone].tail_local
        if child is None and e.joint in ("left_hand", "right_hand"):
            continue
        if (Vector(end) - bones[e.bone].head_local).length > 1e-3 and e.bone != "torso":
            out.append((e.bone, bones[e.bone].head_local, end))
    return out


def material(name, rgb):
    m = bpy.data.materials.new(name)
    m.diffuse_color = (*rgb, 1.0)
    return m


def label(text: str, x: float) -> None:
    bpy.ops.object.text_add(location=(x, -1.3, 0.01), rotation=(np.pi / 2, 0, 0))
    ob = bpy.context.object
    ob.data.body, ob.data.align_x, ob.data.size = text, "CENTER", 0.11
    ob.data.materials.append(material("label", (0.1, 0.1, 0.1)))


def world_points(arm, bones) -> np.ndarray:
    """World heads and tails of ``bones`` on the evaluated armature, (2·N, 3)."""
    mw = np.array(arm.matrix_world)
    pts = [p for b in bones for p in (arm.pose.bones[b].head, arm.pose.bones[b].tail)]
    return (np.c_[np.array(pts), np.ones(len(pts))] @ mw.T)[:, :3]


def line_up(arm, hips: tuple[str, str], pelvis: str, x: float) -> None:
    """Turn ``arm`` (its children follow) about the vertical through its pelvis and slide it along the floor
    so that, at the current frame, its pelvis is above (x, 0) and it faces the camera (3/4 view)."""
    left, right, mid = (world_points(arm, [b])[0] for b in (*hips, pelvis))
    lr = left - right
    facing = np.arctan2(-lr[0], lr[1])              # cross(lr, z) points where the body faces
    want = np.arctan2(-1.0, -0.45)                  # towards the camera, a little turned
    move = Matrix.Translation((x, 0, 0)) @ Matrix.Rotation(want - facing, 4, "Z") @ \
        Matrix.Translation((-mid[0], -mid[1], 0))
    arm.matrix_world = move @ arm.matrix_world
    bpy.context.view_layer.update()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "docs" / "img" / "retarget_rigs.jpg"))
    ap.add_argument("--clip", choices=("cmu", "synthetic"), default="cmu")
    ap.add_argument("--bvh", default="/work/shared/data/cmu_131/131_02.bvh")
    ap.add_argument("--start", type=float, default=2.0, help="seconds into the BVH clip")
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--frames", type=int, nargs="+", default=[30], help="scene frames to render (one image each; "
                    "with several, OUT gets a _<frame> suffix)")
    args = ap.parse_args()
    bpy.ops.wm.read_factory_settings(use_empty=True)
    ctx = bpy.context
    ctx.scene.render.fps = 30
    rest = rest_joints_for(load_body_arrays(), np.zeros(10))
    if args.clip == "cmu":
        sys.path.insert(0, str(ROOT / "bench"))
        from bvh_truth import bvh_motion
        motion = bvh_motion(args.bvh, args.start, args.seconds)
    else:
        motion = walk(30, rest)
    settings = ImportSettings(rate="set_scene", create_mesh=True, set_frame_range=True,
                              feet=FootSettings(pin_feet=True), root=RootSettings(ground=True))
    res = import_motion(ctx, motion, settings)
    res.mesh.data.materials.append(material("body", (0.75, 0.62, 0.52)))
    rest_z = np.asarray(motion.rest_joints) @ C_Y_TO_Z.T
    rest_z = rest_z - [0, 0, rest_z[:, 2].min() - 0.03]         # a standing body's joints in Blender
    rigs = [("SMPL (imported)", "smpl", None), ("Mixamo (Y-up cm FBX)", "mixamo", (0.2, 0.45, 0.85)),
            ("Unreal UE5 names", "unreal", (0.85, 0.35, 0.2)), ("Unity names, A-pose rest", "unity", (0.25, 0.65, 0.3)),
            ("Rigify (DEF bones)", "rigify", (0.55, 0.3, 0.7))]
    placed = []                                      # (title, armature, hips, pelvis, lowest bones)
    smpl_legs = ["left_ankle", "left_foot", "right_ankle", "right_foot"]
    placed.append(("SMPL (imported)", res.armature, ("left_hip", "right_hip"), "pelvis", smpl_legs))
    for title, fam, rgb in rigs[1:]:
        if fam == "rigify":
            arm = rigify_rig(ctx)
        elif fam == "mixamo":
            arm = build_armature(ctx, fam, rest_z @ C_Y_TO_Z * 100, seed=1, name=fam)
            arm.matrix_world = Matrix.Rotation(np.pi / 2, 4, "X") @ Matrix.Scale(0.01, 4)
        else:
            arm = build_armature(ctx, fam, a_pose(rest_z) if fam == "unity" else rest_z, seed=3, name=fam)
        ctx.view_layer.update()
        result = retarget(ctx, res.armature, arm)
        mat = material(fam, rgb)
        bone = result.mapping.bone_for
        if fam == "rigify":
            body = ("DEF-spine", "DEF-thigh", "DEF-shin", "DEF-foot", "DEF-toe", "DEF-shoulder", "DEF-upper_arm",
                    "DEF-forearm", "DEF-hand")
            segs = [(b.name, b.head_local, b.tail_local) for b in arm.data.bones if b.name.startswith(body)]
            attach_sticks(arm, segs, mat, radius=0.018)
            hips, pelvis = ("DEF-thigh.L", "DEF-thigh.R"), "DEF-spine"
            low = ["DEF-foot.L", "DEF-toe.L", "DEF-foot.R", "DEF-toe.R"]
        else:
            attach_sticks(arm, mapped_segments(arm, result.mapping), mat)
            hips, pelvis = (bone("left_hip"), bone("right_hip")), bone("pelvis")
            low = [bone(j) for j in smpl_legs]
        placed.append((title, arm, hips, pelvis, low))
    floor_mat = material("floor", (1.0, 1.0, 1.0))
    bpy.ops.mesh.primitive_plane_add(size=40, location=(0, 0, 0))
    ctx.object.data.materials.append(floor_mat)
    spacing = 1.3
    for k, (title, *_rest) in enumerate(placed):
        label(title, k * spacing)
    cam = bpy.data.objects.new("cam", bpy.data.cameras.new("cam"))
    ctx.scene.collection.objects.link(cam)
    cam.data.type, cam.data.ortho_scale = "ORTHO", 7.4
    look_at, eye = Vector((2.6, 0, 1.05)), Vector((2.6 - 3.0, -9.0, 1.6))
    cam.matrix_world = Matrix.Translation(eye) @ (look_at - eye).to_track_quat("-Z", "Y").to_matrix().to_4x4()
    ctx.scene.camera = cam
    r = ctx.scene.render
    r.engine = "BLENDER_WORKBENCH"
    r.resolution_x, r.resolution_y, r.resolution_percentage = 1500, 640, 100
    if Path(args.out).suffix.lower() == ".png":
        r.image_settings.file_format = "PNG"
    else:
        r.image_settings.file_format, r.image_settings.quality = "JPEG", 88
    shading = ctx.scene.display.shading
    shading.light, shading.color_type, shading.show_shadows = "STUDIO", "MATERIAL", True
    shading.shadow_intensity = 0.6
    ctx.scene.display.light_direction = (0.35, -0.45, 0.82)
    ctx.scene.display.shadow_shift = 0.0
    ctx.scene.world = bpy.data.worlds.new("w")
    ctx.scene.world.color = (1, 1, 1)
    saved = {arm.name: arm.matrix_world.copy() for _, arm, _, _, _ in placed}
    for frame in args.frames:
        ctx.scene.frame_set(frame)
        for name, m in saved.items():
            bpy.data.objects[name].matrix_world = m
        ctx.view_layer.update()
        for k, (title, arm, hips, pelvis, low) in enumerate(placed):
            line_up(arm, hips, pelvis, k * spacing)
            lowest = float(world_points(arm, low)[:, 2].min())
            print(f"frame {frame}: {title}: lowest foot bone point {lowest:+.3f} m above the floor")
        out = args.out if len(args.frames) == 1 else str(Path(args.out).with_name(
            f"{Path(args.out).stem}_{frame}{Path(args.out).suffix}"))
        r.filepath = out
        bpy.ops.render.render(write_still=True)
        print("wrote", out, os.path.getsize(out), "bytes")


if __name__ == "__main__":
    main()
