"""Must-show, end to end with real mocap that travels far and hops: an excerpt of CMU 131_03 (credit:
mocap.cs.cmu.edu, the database was created with funding from NSF EIA-0196217; subject 131 is reserved for
evaluation, used here as a test only) fitted to the open body (bench/bvh_truth.py, the same fit as the docs
figure) → import → Pin Feet → retarget onto a Mixamo rig (Y-up cm, its own proportions). On Blender's
evaluated target rig: feet on the floor at contact frames, planted ankles travel < 2 mm, the hips travel as
the source's × the leg-length ratio, and the hop stays a hop (the target leaves the floor with the source).

The clip lives outside the repository (``HKMR_CMU_DIR``, else ``shared/data/cmu_131`` beside the checkout):
skipped where it is absent."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from hkmr_blender.base.skeleton import SMPL_JOINT_NAMES
from tests.blender.conftest import heads_over_frames
from tests.blender.test_e2e_real_motion import _family_rig, _on_floor_and_planted

pytestmark = pytest.mark.blender
_ROOT = Path(__file__).resolve().parents[2]
_DIRS = [os.environ["HKMR_CMU_DIR"]] if "HKMR_CMU_DIR" in os.environ else \
    [_ROOT.parent / "shared" / "data" / "cmu_131", "/work/shared/data/cmu_131"]  # shared/ lies beside the checkout
CLIP = next((Path(d) / "131_03.bvh" for d in _DIRS if (Path(d) / "131_03.bvh").is_file()), Path(_DIRS[0]) / "131_03.bvh")
START_S, SECONDS = 5.6, 2.4          # a turn, a hop (both feet off the floor near 6.8 s) and 1.8 m of travel
SIZE = 0.85                          # the Mixamo character is shorter than the performer: legs × 0.85


@pytest.fixture(scope="module")
def cmu(bpy_module):
    if not CLIP.is_file():
        pytest.skip(f"CMU clip {CLIP} not here (set HKMR_CMU_DIR to the folder holding 131_03.bvh)")
    pytest.importorskip("torch", reason="the BVH → SMPL fit needs torch (the main venv; the bpy matrix has none)")
    from bench.bvh_truth import bvh_motion
    from hkmr_blender.feet.apply import pin_feet_on_action
    from hkmr_blender.feet.settings import FootSettings
    from hkmr_blender.importing.importer import ImportSettings, import_motion
    from hkmr_blender.retarget.apply import retarget
    bpy_module.ops.wm.read_factory_settings(use_empty=True)
    context = bpy_module.context
    motion = bvh_motion(str(CLIP), START_S, SECONDS)
    src = import_motion(context, motion, ImportSettings(rate="set_scene", create_mesh=False), name="cmu").armature
    pin_feet_on_action(src, FootSettings(pin_feet=True, contacts="detect"))
    joints = np.array([tuple(src.data.bones[n].head_local) for n in SMPL_JOINT_NAMES])
    target = _family_rig(context, "mixamo", joints * SIZE)
    context.view_layer.update()
    result = retarget(context, src, target)
    frames = np.arange(context.scene.frame_start, context.scene.frame_end + 1)
    return context, motion, src, target, result, frames


def test_cmu_hop_retargets_onto_mixamo_on_the_floor_with_planted_feet(cmu):
    context, motion, src, target, result, frames = cmu
    assert len(frames) == motion.num_frames == round(SECONDS * 30)
    contacts = result.keys.ground.contacts
    assert (~contacts.any(axis=1)).sum() >= 3                       # the hop: frames with both feet off the floor
    _on_floor_and_planted(context, target, result, frames, "cmu 131_03")

    m = result.mapping
    mid = heads_over_frames(context, target, [m.bone_for("left_hip"), m.bone_for("right_hip")], frames).mean(1)
    smid = heads_over_frames(context, src, ["left_hip", "right_hip"], frames).mean(1)
    assert np.linalg.norm(smid[-1, :2] - smid[0, :2]) > 1.5        # large travel
    assert result.keys.translation_scale == pytest.approx(SIZE, abs=0.02)     # the leg-length ratio
    want = (smid - smid[0])[:, :2] * result.keys.translation_scale
    np.testing.assert_allclose((mid - mid[0])[:, :2], want, atol=5e-3)
    air = ~contacts.any(axis=1)                                     # the target hops with the source
    up = lambda z: z - np.median(z[~air])                           # noqa: E731
    assert up(mid[:, 2])[air].max() > 0.5 * up(smid[:, 2])[air].max() * result.keys.translation_scale > 0.02
