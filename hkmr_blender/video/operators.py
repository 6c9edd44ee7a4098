"""Operator "Motion from Video": runs ``hkmr infer`` in a subprocess, then imports the result.

Inference runs as a subprocess of Blender's own Python with the video runtime (installed by "Set up video
support" in the preferences, :mod:`..runtime`) and the extension's core folder on its path; if the runtime is
not set up the operator says so and points to that button. Advanced: an external interpreter set in the
preferences (``python_path``; optional ``hkmr_source_dir`` for an HKMR checkout not installed in it) is used instead. Interactive: a modal operator polls the job on a timer, shows progress in the
window's progress indicator and the status bar, and Esc cancels (the finished chunks stay; running
again resumes). Headless (``bpy.app.background``): it blocks until the job ends. When it finishes,
``bpy.ops.hkmr.import_motion(filepath=...)`` imports the motion; a missing interpreter or a failed
run is reported with the subprocess's own error text.
"""
from __future__ import annotations

import os
import sys

import bpy
from bpy.props import BoolProperty, EnumProperty, FloatProperty, StringProperty
from bpy_extras.io_utils import ImportHelper

from ..base.options import height_problem
from ..importing.importer import selected_rig_problem
from ..ui.preferences import preference_path
from ..ui.properties import BLEND_RELATIVE
from .job import VIDEO_FILTER, VideoJob, VideoJobConfig, VideoJobError, default_output, video_problem

__all__ = ["HKMR_OT_motion_from_video", "CLASSES"]



def _interpreter(context, override: str = "") -> dict:
    """``python``/``pythonpath``/``isolated`` of the job: an external interpreter when one is set (operator
    override or preferences), else Blender's own Python with the video runtime (VideoJobError when not set up)."""
    external = override or preference_path(context, "python_path")
    if external:
        return {"python": external, "pythonpath": preference_path(context, "hkmr_source_dir")}
    from ..runtime.operators import core_dir, runtime_dir
    from ..runtime.pins import pins_for, python_tag
    from ..runtime.state import runtime_state
    try:
        state = runtime_state(runtime_dir(), pins_for(python_tag()))
    except ValueError as exc:
        raise VideoJobError(f"{exc}; or set an External Python under Advanced in the HKMR add-on preferences") from None
    if state.kind == "missing":
        raise VideoJobError("video support is not set up yet: Edit > Preferences > Add-ons > HKMR Mocap > Set up video "
                            "support (or set an External Python under Advanced there)")
    if not state.ready:
        raise VideoJobError(f"video support: {state.text} (Edit > Preferences > Add-ons > HKMR Mocap)")
    if not core_dir():
        raise VideoJobError("this add-on has no core_runtime folder: install the zip made by build.py")
    return {"python": sys.executable, "pythonpath": os.pathsep.join([core_dir(), runtime_dir()]), "isolated": True}


def _metres_per_unit(context) -> float:
    """Metres per Blender unit: a LENGTH property shows (and takes) the scene's units; its value is in Blender units,
    ``unit_settings.scale_length`` metres each (0.01 in a centimetre scene)."""
    scene = getattr(context, "scene", None)
    return float(scene.unit_settings.scale_length) if scene is not None else 1.0


def _height_refusal(context, metres: float) -> str | None:
    """Why ``metres`` (the typed *Person's height*) is refused, naming it as typed in the scene's units as well (65
    typed into a feet scene is 65' = 19.8 m) and how to type one (with its unit); None when it is a person's
    height or 0 (unknown)."""
    problem = height_problem(metres, "Person's height") if metres else None
    if problem is None:
        return None
    units = getattr(getattr(context, "scene", None), "unit_settings", None)
    system = getattr(units, "system", "NONE")
    if system == "NONE":
        return f"{problem}, or 0 if unknown"
    typed = bpy.utils.units.to_string(system, "LENGTH", metres, precision=3, split_unit=units.use_separate)
    return (f"{problem}: you typed {typed} (the scene's units are {system.lower()}); type it with its unit, e.g. "
            f"1.75 m, 175 cm or 5' 9\", or 0 if unknown")


class HKMR_OT_motion_from_video(bpy.types.Operator, ImportHelper):
    """Estimate SMPL motion from a video with HKMR (runs outside Blender) and import it"""

    bl_idname = "hkmr.motion_from_video"
    bl_label = "Motion from Video"
    bl_options = {"REGISTER"}

    filename_ext = ""
    filter_glob: StringProperty(default=VIDEO_FILTER, options={"HIDDEN"})
    output: StringProperty(name="Motion file", subtype="FILE_PATH", default="", options=BLEND_RELATIVE,
                           description="Where to write the motion .npz (empty: <video>.motion.npz next to it)")
    method: EnumProperty(name="Method", default="fit", items=[
        ("fit", "Detector + fit", "BlazePose landmarks (trained on real images) and the HKMR_MF clip fit: "
                                  "hkmr infer's default, for real footage"),
        ("network", "Network only", "The image model per frame (hkmr infer --no-fit); a checkpoint trained only "
                                    "on synthetic renders is unreliable on real footage")])
    person_box: StringProperty(name="Person box", default="",
                               description="Detector + fit: whom to follow when several people are in view, as "
                                           "x0,y0,x1,y1 pixels (the person must stay inside); empty: automatic")
    height: FloatProperty(name="Person's height", default=0.0, min=0.0, step=1, precision=2,
                          subtype="DISTANCE", unit="LENGTH",
                          description="Detector + fit: the person's height (hkmr infer --height). It sets the world's "
                                      "scale — how far they travel and how far from the camera they are; 0: unknown "
                                      "(one adult size from the detector)")
    mirror: BoolProperty(name="Two looks per frame", default=True,
                         description="Detector + fit: run BlazePose on each frame and on its mirror image and average "
                                     "the two — closer 3D, about 1.5× the detection time (off: hkmr infer --no-mirror)")
    checkpoint: StringProperty(name="Checkpoint", subtype="FILE_PATH", default="", options=BLEND_RELATIVE,
                               description="Network only: HKMR or SPIN checkpoint (empty: the default checkpoint)")
    person: EnumProperty(name="Crops", default="full", description="Network only: how the person is cropped",
                         items=[
        ("full", "Full frame", "The whole frame, letterboxed"),
        ("track", "Track", "Follow the person from frame to frame"),
        ("boxes", "Boxes file", "Person boxes/keypoints from a COCO or OpenPose JSON file")])
    boxes: StringProperty(name="Boxes file", subtype="FILE_PATH", default="", options=BLEND_RELATIVE)
    smooth: BoolProperty(name="Smooth", default=True, description="One-Euro smoothing of rotations and root")
    import_result: BoolProperty(name="Import", default=True, description="Import the motion when done")
    python_path: StringProperty(name="Python", default="", options={"HIDDEN", "SKIP_SAVE"},
                                description="Override of the preferences' interpreter (scripts, tests)")

    _job: VideoJob | None = None
    _timer = None

    def draw(self, _context):
        col = self.layout.column()
        col.prop(self, "output")
        col.prop(self, "method")
        props = ("person_box", "height", "mirror") if self.method == "fit" else ("checkpoint", "person", "boxes",
                                                                                 "smooth")
        for prop in (*props, "import_result"):
            col.prop(self, prop)

    def invoke(self, context, event):
        try:  # say "set up video support first" before the file browser, not after
            _interpreter(context, self.python_path)
        except VideoJobError as exc:
            self.report({"ERROR"}, str(exc))
            return {"CANCELLED"}
        return ImportHelper.invoke(self, context, event)

    def _config(self, context) -> VideoJobConfig:
        video = bpy.path.abspath(self.filepath) if self.filepath else ""
        problem = video_problem(video) or (_height_refusal(context, self.height * _metres_per_unit(context))
                                             if self.method == "fit" else None)
        if not problem and self.import_result and context.scene.hkmr.target == "selected":
            problem = selected_rig_problem(context.active_object)   # before the minutes of inference, not after
        if problem:
            raise VideoJobError(problem)
        return VideoJobConfig(
            **_interpreter(context, self.python_path), input=video,
            output=bpy.path.abspath(self.output) if self.output else default_output(video),
            method=self.method, person_box=self.person_box.strip(), height=self.height * _metres_per_unit(context),
            mirror=self.mirror,
            checkpoint=bpy.path.abspath(self.checkpoint) if self.checkpoint else "",
            person=self.person, boxes=bpy.path.abspath(self.boxes) if self.boxes else "", smooth=self.smooth,
        )

    def execute(self, context):
        try:
            self._job = VideoJob(self._config(context)).start()
        except VideoJobError as exc:
            self.report({"ERROR"}, str(exc))
            return {"CANCELLED"}
        if bpy.app.background or context.window is None:
            return self._finish(context, self._job.wait())
        wm = context.window_manager
        self._timer = wm.event_timer_add(0.25, window=context.window)
        wm.progress_begin(0, 100)
        wm.modal_handler_add(self)
        return {"RUNNING_MODAL"}

    def modal(self, context, event):
        if event.type == "ESC":
            self._job.cancel()
            return self._finish(context, self._job.poll())
        if event.type != "TIMER":
            return {"PASS_THROUGH"}
        st = self._job.poll()
        context.window_manager.progress_update(int(100 * st.fraction))
        context.workspace.status_text_set(
            f"HKMR: checking the Python interpreter {self._job.cfg.python} — Esc to cancel" if st.stage == "check" else
            f"HKMR: fitting the motion, {100 * st.fraction:.0f} % — Esc to cancel" if st.stage == "fit" else
            f"HKMR: finding the hands, {100 * st.fraction:.0f} % — Esc to cancel" if st.stage == "hands" else
            f"HKMR: {st.done}/{st.total or '?'} frames, {st.fps:.1f} frames/s — Esc to cancel")
        return self._finish(context, st) if st.finished else {"RUNNING_MODAL"}

    def _finish(self, context, st):
        if self._timer is not None:
            context.window_manager.event_timer_remove(self._timer)
            context.window_manager.progress_end()
            context.workspace.status_text_set(None)
            self._timer = None
        for message in st.warnings:  # e.g. a synthetic-only checkpoint on real footage (hkmr infer --no-fit)
            self.report({"WARNING"}, message)
        if self._job.cancelled:
            self.report({"WARNING"}, "Motion from video cancelled; run it again to resume")
            return {"CANCELLED"}
        if st.returncode != 0 or st.error:
            self.report({"ERROR"}, f"hkmr infer failed: {st.error}")
            return {"CANCELLED"}
        out = st.output or self._job.cfg.output
        self.report({"INFO"}, f"Motion written to {out}")
        if self.import_result:
            return bpy.ops.hkmr.import_motion(filepath=out)
        return {"FINISHED"}


CLASSES = (HKMR_OT_motion_from_video,)
