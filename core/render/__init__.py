"""CPU renderer (numpy): z-buffered rasterizer, Lambert shading, part labels, overlays.

One implementation serves synthetic training images, overlays of predictions and evaluation
masks; see :mod:`core.render.renderer`. Camera frame everywhere: x right, y down, z forward.
"""
from .parts import JOINT_TO_PART, PART_FLIP, PART_NAMES, face_joint_labels, face_part_labels, part_image
from .rasterizer import Fragments, PinholeCamera, project, rasterize
from .renderer import RenderResult, crop_camera, overlay, render_mesh
from .shading import Light, composite, face_normals, shade, vertex_normals

__all__ = ["JOINT_TO_PART", "PART_FLIP", "PART_NAMES", "face_joint_labels", "face_part_labels", "part_image",
           "Fragments", "PinholeCamera", "project", "rasterize", "RenderResult", "crop_camera", "overlay",
           "render_mesh", "Light", "composite", "face_normals", "shade", "vertex_normals"]
