"""Core's own light subcommands: ``hkmr body`` (which body model is used, and a posed sanity check),
``hkmr convert`` and the parser of ``hkmr demo``.

Building the parser imports nothing heavy: torch, OpenCV and the demo load only inside the
command that needs them, so ``hkmr --help`` and ``hkmr convert`` start fast.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from hkmr_blender.base.options import check_output, nonnegative_int, positive_int
from hkmr_blender.base.outputs import check_output_file
from hkmr_blender.base.skeleton import NUM_JOINTS

__all__ = ["add_body_parser", "add_convert_parser", "add_demo_parser", "body_report"]


def add_body_parser(sub) -> None:
    p = sub.add_parser("body", help="show which SMPL body model is found and check it",
                       description="Resolve the body model (explicit path > $HKMR_SMPL_PATH > "
                                   "~/.config/hkmr/smpl > the open default body) and pose it once.")
    p.add_argument("--model", help="SMPL .pkl/.npz file or folder")
    p.add_argument("--gender", default="neutral", choices=("neutral", "male", "female"))
    p.add_argument("--write-motion", metavar="OUT.npz",
                   help="also write a 2-second procedural test motion (motion file v1)")
    p.set_defaults(func=_body_command)


def body_report(model: str | None = None, gender: str = "neutral") -> dict:
    """Load the body model and measure a few anatomical facts (metres, SMPL Y-up)."""
    import torch

    from .body.model import load_body_model

    body = load_body_model(model, gender)
    with torch.no_grad():
        out = body(torch.eye(3).expand(1, NUM_JOINTS, 3, 3), torch.zeros(1, body.num_betas))
    verts, joints = out.vertices[0], out.joints[0]
    idx = {n: i for i, n in enumerate(body.joint_names)}
    return {
        "source": body.source, "identity": body.identity, "vertices": body.num_vertices,
        "faces": len(body.faces), "height_m": float(verts[:, 1].max() - verts[:, 1].min()),
        "head_above_pelvis_m": float(joints[idx["head"], 1] - joints[idx["pelvis"], 1]),
        "chains": {c.name: [body.joint_names[j] for j in c.joints] for c in body.chains},
    }


def _procedural_motion(body, seconds: float = 2.0, fps: float = 30.0):
    """A walk-like swing of arms and legs with forward root motion (for smoke tests)."""
    import math

    import torch

    from .geometry.rotations import axis_angle_to_matrix
    from .motion import motion_from_smpl

    n = int(seconds * fps)
    t = torch.arange(n, dtype=torch.float32) / fps
    aa = torch.zeros(n, NUM_JOINTS, 3)
    idx = {name: i for i, name in enumerate(body.joint_names)}
    swing = 0.5 * torch.sin(2 * math.pi * t)
    aa[:, idx["left_hip"], 0], aa[:, idx["right_hip"], 0] = swing, -swing
    aa[:, idx["left_knee"], 0] = aa[:, idx["right_knee"], 0] = 0.4 * (1 - torch.cos(2 * math.pi * t))
    aa[:, idx["left_shoulder"], 2], aa[:, idx["right_shoulder"], 2] = -1.2, 1.2
    aa[:, idx["left_shoulder"], 0], aa[:, idx["right_shoulder"], 0] = -swing, swing
    aa[:, 0, 1] = 0.3 * t  # slow turn
    trans = torch.stack([torch.zeros(n), torch.zeros(n), 1.2 * t], dim=1)
    return motion_from_smpl(body, axis_angle_to_matrix(aa), torch.zeros(body.num_betas), trans, fps)


def _body_command(args: argparse.Namespace) -> int:
    if args.write_motion:
        from hkmr_blender.base.formats import MOTION_SUFFIXES

        check_output_file(args.write_motion, [], "--write-motion", MOTION_SUFFIXES, searched=[args.model])
    report = body_report(args.model, args.gender)
    for key in ("source", "identity", "vertices", "faces"):
        print(f"{key:>18}: {report[key]}")
    print(f"{'height':>18}: {report['height_m']:.3f} m (T-pose, mean shape)")
    print(f"{'head above pelvis':>18}: {report['head_above_pelvis_m']:.3f} m")
    for name, joints in report["chains"].items():
        print(f"{'chain ' + name:>18}: {' → '.join(joints)}")
    if args.write_motion:
        from .body.model import load_body_model
        from .motion import write_motion

        path = write_motion(args.write_motion, _procedural_motion(load_body_model(args.model, args.gender)))
        print(f"{'motion file':>18}: {path}")
    return 0


def add_convert_parser(sub) -> None:
    p = sub.add_parser("convert", help="convert between motion formats (.npz v1, AMASS .npz, .smpl)")
    p.add_argument("input", type=Path)
    p.add_argument("output", type=Path, help="*.npz (HKMR v1), *.amass.npz (AMASS, SMPL-H layout, Z-up) or *.smpl")
    p.add_argument("--body", help="SMPL model file/folder for a file without rest joints whose up axis must change "
                                  "(.smpl → AMASS, AMASS → .smpl; default: discovered SMPL or the open body)")
    p.set_defaults(func=_convert_command)


def _with_rest_joints(motion, body_path: str | None, label: str):
    """``motion`` with rest joints from the body model (to turn its up axis); warns on stderr when that body
    is not the one the file's shape coefficients belong to."""
    import sys
    from dataclasses import replace

    import torch

    from hkmr_blender.base.skeleton import GENDERS
    from hkmr_blender.base.motion_ranges import dropped_betas
    from hkmr_blender.base.smpl_file import shape_mismatch

    from .body.model import load_body_model

    body = load_body_model(body_path, motion.gender if motion.gender in GENDERS else "neutral")
    betas = torch.zeros(1, body.num_betas, dtype=body.j_template.dtype)
    n = min(body.num_betas, len(motion.betas))
    betas[0, :n] = torch.as_tensor(motion.betas[:n])
    for warning in (shape_mismatch(motion.body_model, body.identity, label),
                    dropped_betas(motion.betas, body.num_betas, label)):
        if warning:
            print(f"warning: {warning}", file=sys.stderr)
    return replace(motion, rest_joints=body.rest_joints(betas)[0].double().numpy())


def _convert_command(args: argparse.Namespace) -> int:
    from hkmr_blender.base import read_motion, write_motion
    from hkmr_blender.base.formats import format_for_name

    from hkmr_blender.base.formats import MOTION_SUFFIXES

    check_output(args.output, [args.input], "output", MOTION_SUFFIXES)
    motion = read_motion(args.input)
    up = {"amass": "z", "smpl": "y"}.get(format_for_name(args.output).name, motion.up_axis)
    if up != motion.up_axis and motion.rest_joints is None:
        motion = _with_rest_joints(motion, args.body, str(args.input))
    if motion.timestamps is not None and format_for_name(args.output).name != "hkmr":
        import sys

        print(f"warning: {args.input} has per-frame timestamps (a variable-frame-rate source); "
              f"{args.output}'s format has no field for them: its samples are evenly spaced at {motion.fps:g} fps. "
              f"Keep an HKMR .npz to keep the true times", file=sys.stderr)
    write_motion(args.output, motion)
    print(f"wrote {args.output} ({motion.num_frames} frames, {motion.fps:g} fps)")
    return 0


def add_demo_parser(sub) -> None:
    p = sub.add_parser("demo", help="real clip → motion file → FBX/.blend, with times and fit scores "
                                    "(--synthetic: a rendered clip, MPJPE vs ground truth)",
                       description="The whole product on a short real clip (see docs/demo.md); --synthetic runs "
                                   "a rendered clip whose ground truth is known instead.")
    p.add_argument("--out", default="hkmr-demo", help="output folder (default: ./hkmr-demo)")
    p.add_argument("--clip", help="real video to run instead of the vendored core/assets/walk.mp4")
    p.add_argument("--person", help="auto | x0,y0,x1,y1: whom to follow (see hkmr infer --person)")
    p.add_argument("--no-blender", action="store_true", help="skip the FBX/.blend export (no bpy needed)")
    syn = p.add_argument_group("synthetic clip (--synthetic)")
    syn.add_argument("--synthetic", action="store_true", help="render a clip with known motion, run the image "
                     "model on it and score MPJPE against the ground truth")
    syn.add_argument("--frames", type=positive_int, default=48, help="clip length in frames (default 48)")
    syn.add_argument("--checkpoint", default=None, help="model checkpoint (default: $HKMR_CHECKPOINT, else the "
                                                        "shipped core/model/assets/hkmr_demo.pt)")
    syn.add_argument("--seed", type=nonnegative_int, default=0, help="seed of the clip's motion, shape and looks")
    syn.add_argument("--track", action="store_true", help="tracking crops instead of the full frame")
    p.set_defaults(func=_demo_command)


def _demo_command(args: argparse.Namespace) -> int:
    if args.synthetic:
        if args.clip or args.person:
            raise ValueError("--clip and --person are for the real-footage demo; drop them or --synthetic")
        from .demo import run_demo

        run_demo(args.out, args.frames, args.checkpoint, args.seed, blender=not args.no_blender, track=args.track)
        return 0
    if args.checkpoint or args.track or args.frames != 48 or args.seed != 0:
        raise ValueError("--frames, --seed, --checkpoint and --track belong to the synthetic demo: add --synthetic")
    from .demo_real import run_real_demo

    run_real_demo(args.out, args.clip, args.person, blender=not args.no_blender)
    return 0
