"""Operators of video support (bpy layer): Set up (modal, Esc cancels), Verify, Remove.

With a window, the check that follows pip (a subprocess importing the runtime, 10–30 s) runs on a thread while the
modal operator keeps Blender responsive; headless, it runs in line.

The runtime goes into the extension's user folder (``bpy.utils.extension_path_user``; from a checkout, Blender's
user data folder) as ``runtime-cpXY`` for *this* Blender's Python, installed by Blender's own Python
(``sys.executable -m pip install --target``). The logic is bpy-free (:mod:`.job`, :mod:`.plan`, :mod:`.verify`).
"""
from __future__ import annotations

import os
import sys
import threading

import bpy
from bpy.props import StringProperty

from .job import RuntimeFolderError, SetupJob, remove_runtime
from .locate import core_folder, runtime_folder_name
from .pins import pins_for, python_tag, python_version
from .pip_output import classify
from .plan import plan_download
from .verify import verify_runtime

__all__ = ["ADDON_PACKAGE", "runtime_dir", "core_dir", "CLASSES"]

ADDON_PACKAGE = __package__.rpartition(".")[0]  # "bl_ext.<repo>.hkmr_mocap" as an extension, "hkmr_blender" from a checkout
PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def runtime_dir() -> str:
    """This Blender's runtime folder (not created here: the set-up creates it and knows it did)."""
    name = runtime_folder_name(python_tag())
    try:
        return bpy.utils.extension_path_user(ADDON_PACKAGE, path=name, create=False)
    except ValueError:  # the add-on runs from a checkout, not as an extension
        return os.path.join(bpy.utils.user_resource("DATAFILES", path="hkmr_mocap"), name)


def core_dir() -> str:
    found = core_folder(PACKAGE_DIR)
    return str(found) if found else ""


def _wheel_dir(context) -> str:
    from ..ui.preferences import preference_path
    return preference_path(context, "runtime_wheel_dir")


def _verify(job_or_dir) -> tuple[bool, str, dict]:
    pins = pins_for(python_tag())
    result = verify_runtime(sys.executable, job_or_dir, core_dir(), pins)
    return result.ok, result.summary, result.versions


class HKMR_OT_setup_video_support(bpy.types.Operator):
    """Install (or repair) the packages video needs for this Blender's Python into the add-on's own folder"""

    bl_idname = "hkmr.setup_video_support"
    bl_label = "Set up video support"
    bl_options = {"REGISTER", "INTERNAL"}

    size_text: StringProperty(options={"HIDDEN", "SKIP_SAVE"})
    _job: SetupJob | None = None
    _timer = None
    _check: threading.Thread | None = None
    _checked: tuple | None = None

    def invoke(self, context, event):
        try:
            pins = pins_for(python_tag())
            plan = plan_download(pins, sys.executable, sys.platform, _wheel_dir(context))
        except ValueError as exc:
            self.report({"ERROR"}, str(exc))
            return {"CANCELLED"}
        except RuntimeError as exc:
            self.report({"ERROR"}, "Set up video support: " + classify(str(exc), python_version(python_tag())).message)
            return {"CANCELLED"}
        self.size_text = plan.describe()
        return context.window_manager.invoke_confirm(
            self, event, title="Set up video support", confirm_text="Install",
            message=f"{self.size_text} (about 4× that on disk) into {runtime_dir()}")

    def execute(self, context):
        if not core_dir():
            self.report({"ERROR"}, f"{PACKAGE_DIR} has no core_runtime folder: install the zip made by build.py")
            return {"CANCELLED"}
        try:
            self._job = SetupJob(pins_for(python_tag()), sys.executable, runtime_dir(), _wheel_dir(context)).start()
        except (ValueError, RuntimeFolderError, OSError) as exc:
            self.report({"ERROR"}, str(exc))
            return {"CANCELLED"}
        if bpy.app.background or context.window is None:
            self._job.wait()
            return self._finish(context)
        wm = context.window_manager
        self._timer = wm.event_timer_add(0.5, window=context.window)
        wm.progress_begin(0, self._job.status.steps + 1)
        wm.modal_handler_add(self)
        return {"RUNNING_MODAL"}

    def modal(self, context, event):
        if self._check is not None:  # pip is done; the import check runs on its thread (not cancellable: seconds)
            if event.type != "TIMER":
                return {"PASS_THROUGH"}
            return {"RUNNING_MODAL"} if self._check.is_alive() else self._finish(context)
        if event.type == "ESC":
            self._job.cancel()
            return self._finish(context)
        if event.type != "TIMER":
            return {"PASS_THROUGH"}
        st = self._job.poll()
        context.window_manager.progress_update(st.step)
        if st.finished and not st.error:
            context.workspace.status_text_set("HKMR video support: checking the installed packages and model files")
            self._check = threading.Thread(target=self._run_check, daemon=True)
            self._check.start()
            return {"RUNNING_MODAL"}
        context.workspace.status_text_set(f"HKMR video support, step {st.step}/{st.steps}: {st.text} — Esc to cancel")
        return self._finish(context) if st.finished else {"RUNNING_MODAL"}

    def _run_check(self) -> None:
        self._checked = _verify(self._job.target)

    def _finish(self, context):
        if self._timer is not None:
            context.window_manager.event_timer_remove(self._timer)
            context.window_manager.progress_end()
            context.workspace.status_text_set(None)
            self._timer = None
        st = self._job.status
        if st.kind == "cancelled":
            left = "nothing was left behind" if self._job.created else "the earlier runtime stays; run again to repair"
            self.report({"WARNING"}, f"Set up video support cancelled: {left}")
            return {"CANCELLED"}
        if st.error:
            self.report({"ERROR"}, f"Set up video support failed: {st.error}")
            return {"CANCELLED"}
        ok, summary, versions = self._checked or _verify(self._job.target)
        if not ok:
            self.report({"ERROR"}, f"Video support installed but not usable: {summary}")
            return {"CANCELLED"}
        self._job.finish(versions)
        self.report({"INFO"}, f"Video support {summary}")
        return {"FINISHED"}


class HKMR_OT_verify_video_support(bpy.types.Operator):
    """Check that video support imports and its model files are intact"""

    bl_idname = "hkmr.verify_video_support"
    bl_label = "Verify"
    bl_options = {"REGISTER", "INTERNAL"}

    def execute(self, context):
        ok, summary, _ = _verify(runtime_dir())
        self.report({"INFO"} if ok else {"ERROR"}, f"Video support {summary}" if ok else summary)
        return {"FINISHED"} if ok else {"CANCELLED"}


class HKMR_OT_remove_video_support(bpy.types.Operator):
    """Delete the video runtime folder the set-up made (nothing else)"""

    bl_idname = "hkmr.remove_video_support"
    bl_label = "Remove"
    bl_options = {"REGISTER", "INTERNAL"}

    def execute(self, context):
        try:
            remove_runtime(runtime_dir())
        except (RuntimeFolderError, OSError) as exc:
            self.report({"ERROR"}, str(exc))
            return {"CANCELLED"}
        self.report({"INFO"}, f"Removed {runtime_dir()}")
        return {"FINISHED"}


CLASSES = (HKMR_OT_setup_video_support, HKMR_OT_verify_video_support, HKMR_OT_remove_video_support)
