"""Render preview PNGs of the open body (main environment: numpy, OpenCV, smplx; no anny).

    python -m core.body.open_body.preview --model hkmr_blender/assets/hkmr_open_body.npz --out docs/img

Rendered with the project's CPU renderer (:mod:`core.render`) from a distant camera (nearly
orthographic); dots drawn with OpenCV. Front view looks along −Z at the body (its left, +X, on the image's right); side
view looks from the body's left (+X) so the body faces image-left. Joints are drawn blue,
extra surface keypoints red.
"""
from __future__ import annotations

import argparse
import os

import cv2
import numpy as np
import smplx
import torch

from hkmr_blender.base.skeleton import NUM_JOINTS

from core.render import PinholeCamera, project, render_mesh

__all__ = ["load_open_body", "pose_body", "render", "SAMPLE_POSE"]

#: A stepping pose, SMPL joint index → axis-angle (radians, joint-local, SMPL axes).
SAMPLE_POSE: dict[int, tuple[float, float, float]] = {
    16: (0.0, 0.0, -1.0),   # left shoulder: arm down ~57°
    17: (0.0, 0.0, 0.6),    # right shoulder: arm down ~34°
    18: (0.0, -1.5, 0.0),   # left elbow: forearm forward
    19: (0.0, 0.9, 0.0),    # right elbow
    2: (-0.8, 0.0, 0.0),    # right hip: thigh forward
    5: (1.1, 0.0, 0.0),     # right knee: shin back
    1: (0.3, 0.0, 0.0),     # left hip: thigh back
    12: (0.0, 0.35, 0.0),   # neck: look to the left
    3: (0.15, 0.0, 0.0),    # spine1: lean forward
}


def load_open_body(path: str) -> tuple[smplx.SMPL, dict[str, np.ndarray]]:
    """smplx.SMPL over the npz (zero pose correctives expanded) and the raw arrays."""
    with np.load(path, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    struct = dict(arrays)
    if struct["posedirs"].size == 0:
        struct["posedirs"] = np.zeros((len(arrays["v_template"]) * 3, 207), np.float32)
    ids = dict(zip(arrays["extra_vertex_names"].tolist(), arrays["extra_vertex_ids"].tolist()))
    model = smplx.SMPL(model_path=None, data_struct=smplx.utils.Struct(**struct), vertex_ids=ids,
                       num_betas=arrays["shapedirs"].shape[-1])
    return model, arrays


def pose_body(model: smplx.SMPL, pose: dict[int, tuple[float, float, float]] | None = None,
              betas: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(V,3) vertices, (24,3) joints, (21,3) extra keypoints for one pose (axis-angle per joint)."""
    aa = torch.zeros(1, NUM_JOINTS, 3)
    for j, v in (pose or {}).items():
        aa[0, j] = torch.tensor(v)
    b = torch.zeros(1, model.num_betas) if betas is None else torch.as_tensor(betas, dtype=torch.float32)[None]
    with torch.no_grad():
        out = model(global_orient=aa[:, 0], body_pose=aa[:, 1:].reshape(1, -1), betas=b)
    j = out.joints[0].numpy()
    return out.vertices[0].numpy(), j[:24], j[24:]


def _to_camera(points: np.ndarray, view: str, distance: float, centre: tuple[float, float]) -> np.ndarray:
    """(N,3) SMPL-axes points → camera frame (x right, y down, z forward) of a camera
    ``distance`` m away looking at ``centre`` (x, y) from the front (+Z) or the body's left (+X)."""
    x, y, z = points[:, 0] - centre[0], points[:, 1] - centre[1], points[:, 2]
    if view == "front":
        return np.stack([x, -y, distance - z], axis=1)
    if view == "side":
        return np.stack([-z, -y, distance - x], axis=1)
    raise ValueError(f"view must be 'front' or 'side', got {view!r}")


def render(vertices: np.ndarray, faces: np.ndarray, view: str, joints: np.ndarray | None = None,
           keypoints: np.ndarray | None = None, size: tuple[int, int] = (480, 640),
           extent: float = 2.2, centre: tuple[float, float] = (0.0, -0.1), label: str | None = None
           ) -> np.ndarray:
    """(H,W,3) uint8 BGR image of a mesh (SMPL axes, metres) seen from ``view`` with the project's
    CPU renderer (:mod:`core.render`); a distant narrow camera, so nearly orthographic; ``extent``
    metres fit the image height."""
    w, h = size
    distance = 10.0
    f = 0.95 * h * distance / extent
    cam = PinholeCamera(f, f, (w - 1) / 2, (h - 1) / 2, w, h)
    res = render_mesh(_to_camera(vertices, view, distance, centre), faces, cam, (0.72, 0.74, 0.78))
    rgb = np.where(res.mask[..., None], res.rgb, 1.0)
    img = np.ascontiguousarray((np.clip(rgb, 0, 1) * 255).astype(np.uint8)[..., ::-1])
    floor = project(_to_camera(vertices[[vertices[:, 1].argmin()]], view, distance, centre), cam)[0][0, 1]
    cv2.line(img, (0, int(floor)), (w, int(floor)), (190, 190, 190), 1)
    for pts3, colour in ((joints, (200, 60, 0)), (keypoints, (0, 0, 220))):
        if pts3 is not None:
            for u, v in project(_to_camera(pts3, view, distance, centre), cam)[0]:
                cv2.circle(img, (int(round(u)), int(round(v))), 3, colour, -1, cv2.LINE_AA)
    if label is None:
        label = "front (+X right, +Y up, facing viewer +Z)" if view == "front" else "side (from +X; facing left = +Z)"
    cv2.putText(img, label, (8, 18), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (0, 0, 0), 1, cv2.LINE_AA)
    return img


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Render open-body preview PNGs.")
    ap.add_argument("--model", default="hkmr_blender/assets/hkmr_open_body.npz")
    ap.add_argument("--out", default="docs/img")
    args = ap.parse_args(argv)
    model, arrays = load_open_body(args.model)
    faces = arrays["f"].astype(np.int64)
    os.makedirs(args.out, exist_ok=True)
    for tag, pose in (("", None), ("_pose", SAMPLE_POSE)):
        v, j, k = pose_body(model, pose)
        for view in ("front", "side"):
            path = os.path.join(args.out, f"open_body{tag}_{view}.png")
            cv2.imwrite(path, render(v, faces, view, j, k))
            print(path)
    strip = [render(pose_body(model, None, np.eye(model.num_betas)[i] * s)[0], faces, "front", size=(240, 360),
                    label=f"beta{i} = {s:+.0f}")
             for i in (0, 1) for s in (-2.0, 2.0)]
    path = os.path.join(args.out, "open_body_betas.png")
    cv2.imwrite(path, np.hstack(strip))
    print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
