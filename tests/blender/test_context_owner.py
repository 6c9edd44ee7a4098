"""Blender 4.2's freed context scene (hkmr_blender/rig/compat.py, ``repoint_context_owner``).

On 4.2, reading ``bpy.context.layer_collection`` (Rigify's Generate Rig does) makes that scene the owner of the
global ``bpy.context``; ``bpy.context.window`` inherits it. After File › New the scene is freed, and the glTF
exporter's first step (``bpy.context.window.scene = …``) tagged the freed scene: the version matrix's 4.2.23 row
segfaulted in one run of two in the first GLB export after a Rigify test. Run on every bpy of .ci/bpy-versions;
on 4.5+ ``bpy.context.window`` is owned by the window manager and both tests hold without the step."""
from __future__ import annotations

import numpy as np
import pytest

from tests.blender.conftest import glb_key_counts, make_motion

pytestmark = pytest.mark.blender


def _owner_is_live(bpy) -> bool:
    """Whether ``bpy.context.window``'s owner ID is none, the window manager or the file's scene (the pointers
    compared: a freed scene's wrapper equals neither; reading a freed one may itself segfault, which fails the
    row just as well)."""
    owner = bpy.context.window.id_data
    return owner is None or owner == bpy.context.window_manager or owner == bpy.context.scene


def _free_the_context_scene(bpy, load) -> None:
    """What a Rigify user does before exporting: Generate Rig (it reads ``bpy.context.layer_collection``), then
    File › New (``load``), which frees that scene."""
    bpy.context.layer_collection  # noqa: B018 - the read is what Rigify does
    load(use_empty=True)


def test_glb_export_after_the_context_scene_is_freed(empty_scene, tmp_path):
    """A clip imported into a new file after the old one's scene was left as the context's owner exports to a
    GLB an engine reads (the clip's 6 keys on every channel), and the owner is the live scene afterwards."""
    import bpy

    from hkmr_blender.export.files import export_clip
    from hkmr_blender.importing.importer import ImportSettings, import_motion
    _free_the_context_scene(bpy, bpy.ops.wm.read_factory_settings)
    motion, _ = make_motion(np.random.default_rng(5), frames=6)
    arm = import_motion(bpy.context, motion, ImportSettings(rate="set_scene", create_mesh=False)).armature
    out = export_clip(bpy.context, arm, None, tmp_path / "walk.glb", "glb")
    assert out.read_bytes()[:4] == b"glTF"
    assert glb_key_counts(out) == {6}
    assert _owner_is_live(bpy)


def test_the_add_on_repoints_the_owner_when_a_file_loads(installed):
    """Enabled, the add-on's load_post handler leaves no freed scene behind a file load: Blender's own glTF
    export (File › Export) after File › New is safe too, not only the add-on's."""
    import bpy
    _free_the_context_scene(bpy, bpy.ops.wm.read_homefile)     # read_homefile keeps the add-on enabled
    assert _owner_is_live(bpy)
