"""Rasterizer, shading, parts and overlay: checked against analytic geometry."""
from __future__ import annotations

import numpy as np
import pytest

from core.render import (PART_FLIP, PART_NAMES, Light, PinholeCamera, composite, crop_camera, face_part_labels,
                         overlay, rasterize, render_mesh)


def uv_sphere(n: int = 40, radius: float = 1.0, centre=(0.0, 0.0, 0.0)):
    th, ph = np.linspace(0, np.pi, n), np.linspace(0, 2 * np.pi, 2 * n, endpoint=False)
    t, p = np.meshgrid(th, ph, indexing="ij")
    v = np.stack([np.sin(t) * np.cos(p), np.cos(t), np.sin(t) * np.sin(p)], -1).reshape(-1, 3) * radius
    m = 2 * n
    f = []
    for i in range(n - 1):
        for j in range(m):
            a, b, c, d = i * m + j, i * m + (j + 1) % m, (i + 1) * m + j, (i + 1) * m + (j + 1) % m
            f += [[a, c, b], [b, c, d]]
    return v + np.asarray(centre), np.array(f)


def quad(z: float, half: float = 1.0, x0: float = 0.0):
    v = np.array([[x0 - half, -half, z], [x0 + half, -half, z], [x0 + half, half, z], [x0 - half, half, z]])
    return v, np.array([[0, 1, 2], [0, 2, 3]])


CAM = PinholeCamera.from_fov(50.0, 160, 120)


def test_sphere_silhouette_area_and_depth_match_analytic():
    r, d = 0.5, 3.0
    v, f = uv_sphere(80, r, (0, 0, d))
    frags = rasterize(v, f, CAM)
    # A sphere's silhouette is a circle of angular radius asin(r/d): image radius f·tan(asin(r/d)).
    rad = CAM.fx * np.tan(np.arcsin(r / d))
    assert frags.mask.sum() == pytest.approx(np.pi * rad**2, rel=0.03)
    cy, cx = int(round(CAM.cy)), int(round(CAM.cx))
    assert frags.depth[cy, cx] == pytest.approx(d - r, abs=2e-3)
    assert np.isinf(frags.depth[0, 0]) and frags.face_id[0, 0] == -1


@pytest.mark.parametrize("near_first", [True, False])
def test_zbuffer_keeps_nearest_surface_whatever_the_order(near_first):
    vn, fn = quad(2.0, 0.5)
    vf, ff = quad(4.0, 2.0)
    parts = [(vn, fn), (vf, ff)] if near_first else [(vf, ff), (vn, fn)]
    v = np.concatenate([parts[0][0], parts[1][0]])
    f = np.concatenate([parts[0][1], parts[1][1] + 4])
    frags = rasterize(v, f, CAM)
    near_ids = {0, 1} if near_first else {2, 3}
    cy, cx = int(CAM.cy), int(CAM.cx)
    assert frags.face_id[cy, cx] in near_ids
    assert frags.depth[cy, cx] == pytest.approx(2.0, abs=1e-6)
    assert frags.face_id[cy, 5] not in near_ids and frags.face_id[cy, 5] >= 0  # only the far quad there


def test_perspective_correct_barycentrics_on_a_tilted_plane():
    # Plane z = 3 + 0.8·x, seen obliquely: the interpolated 3D point must lie on each pixel's ray.
    v = np.array([[-1.0, -1.0, 2.2], [1.0, -1.0, 3.8], [1.0, 1.0, 3.8], [-1.0, 1.0, 2.2]])
    f = np.array([[0, 1, 2], [0, 2, 3]])
    frags = rasterize(v, f, CAM)
    ys, xs = np.nonzero(frags.mask)
    pts = (v[f[frags.face_id[ys, xs]]] * frags.bary[ys, xs][..., None]).sum(1)
    np.testing.assert_allclose(frags.bary[ys, xs].sum(1), 1.0, atol=1e-5)
    np.testing.assert_allclose(pts[:, 2], 3 + 0.8 * pts[:, 0], atol=1e-4)
    np.testing.assert_allclose(CAM.fx * pts[:, 0] / pts[:, 2] + CAM.cx, xs, atol=1e-3)
    np.testing.assert_allclose(pts[:, 2], frags.depth[ys, xs], atol=1e-4)


def test_faces_behind_the_camera_are_skipped_and_empty_mesh_is_background():
    v, f = quad(-1.0)
    assert not rasterize(v, f, CAM).mask.any()
    empty = rasterize(np.zeros((0, 3)), np.zeros((0, 3), np.int64), CAM)
    assert empty.face_id.shape == (120, 160) and not empty.mask.any()
    with pytest.raises(ValueError, match="faces must be"):
        rasterize(v, np.zeros((2, 4), np.int64), CAM)


def test_lambert_shading_is_brightest_where_the_surface_faces_the_light():
    v, f = uv_sphere(60, 0.5, (0, 0, 3))
    light = Light(direction=(0.0, 0.0, 1.0), color=(1.0, 1.0, 1.0), ambient=(0.0, 0.0, 0.0))
    res = render_mesh(v, f, CAM, (1.0, 1.0, 1.0), light)
    g = res.rgb[..., 0]
    cy, cx = int(round(CAM.cy)), int(round(CAM.cx))
    ys, xs = np.nonzero(res.mask)
    edge = np.argmax(np.hypot(ys - cy, xs - cx))
    assert g[cy, cx] > 0.98 and g[ys[edge], xs[edge]] < 0.5 * g[cy, cx]
    assert np.all(res.rgb[~res.mask] == 0)


def test_overlay_blends_only_inside_the_mask_and_checks_size():
    img = np.full((120, 160, 3), 40, np.uint8)
    v, f = uv_sphere(30, 0.4, (0, 0, 3))
    out = overlay(img, v, f, CAM, color=(1.0, 0.0, 0.0), alpha=0.5)
    mask = rasterize(v, f, CAM).mask
    assert np.all(out[~mask] == 40) and np.all(out[mask][:, 0] > 40)
    assert np.array_equal(overlay(img, v, f, CAM, alpha=0.0), img)
    with pytest.raises(ValueError, match="build the camera for the image size"):
        overlay(np.zeros((10, 10, 3), np.uint8), v, f, CAM)


def test_overlay_renders_only_the_mesh_window_and_max_size_bounds_it():
    """The windowed overlay equals compositing a full-frame render; ``max_size`` renders the window smaller
    and resizes it up: the same silhouette up to its edge pixels."""
    img = np.random.default_rng(0).integers(0, 255, (120, 160, 3), np.uint8)
    v, f = uv_sphere(30, 0.3, (0.25, -0.1, 3))  # off-centre: the window is not at the origin
    full = render_mesh(v, f, CAM, np.asarray((0.55, 0.7, 0.95), np.float32))
    assert np.array_equal(overlay(img, v, f, CAM), composite(img, full.rgb, full.mask, alpha=0.8))
    small = overlay(img, v, f, CAM, max_size=16)
    drawn = (small != img).any(-1)
    # a 16-px render of a ~40-px disc, upscaled with soft coverage: edges move by up to a source pixel
    iou = (drawn & full.mask).sum() / (drawn | full.mask).sum()
    assert iou > 0.85 and not drawn[:, :60].any()  # nothing drawn far from the sphere
    assert np.array_equal(overlay(img, v + [0, 0, -10], f, CAM), img)  # behind the camera: nothing
    with pytest.raises(ValueError, match="max_size"):
        overlay(img, v, f, CAM, max_size=0)


def test_composite_feather_stays_inside_the_mask():
    bg = np.zeros((20, 20, 3), np.uint8)
    m = np.zeros((20, 20), bool)
    m[5:15, 5:15] = True
    out = composite(bg, np.ones((20, 20, 3), np.float32), m, feather=1)
    assert np.all(out[~m] == 0) and out[10, 10, 0] == 255 and 0 < out[5, 10, 0] < 255


def test_part_labels_follow_dominant_joint_and_flip_swaps_sides():
    w = np.zeros((6, 24))
    w[[0, 1, 2], 15] = 1  # head
    w[[3, 4, 5], 16] = 0.6  # left shoulder dominates
    w[[3, 4, 5], 9] = 0.4
    labels = face_part_labels(w, np.array([[0, 1, 2], [3, 4, 5]]))
    assert [PART_NAMES[i] for i in labels] == ["head", "left_arm"]
    assert np.array_equal(PART_FLIP[PART_FLIP], np.arange(7))
    for i, name in enumerate(PART_NAMES):
        swapped = name.replace("left", "L").replace("right", "left").replace("L", "right")
        assert PART_NAMES[PART_FLIP[i]] == swapped


def test_crop_camera_matches_weak_perspective_convention():
    torch = pytest.importorskip("torch")
    from core.geometry.projection import crop_to_pixels, perspective_project

    pts = np.array([[0.1, -0.2, 0.05], [-0.3, 0.4, -0.1]])
    t = np.array([0.02, -0.05, 40.0])
    cam = crop_camera(224, 5000.0)
    p = pts + t
    uv = cam.fx * p[:, :2] / p[:, 2:] + [cam.cx, cam.cy]
    ref = crop_to_pixels(perspective_project(torch.tensor(pts[None]), torch.tensor(t[None]), 5000.0, 224))[0]
    np.testing.assert_allclose(uv + 0.5, ref.numpy(), atol=1e-6)  # edge-based pixels = centres + 0.5
