"""Batch export: motion files → one FBX/GLB/BVH per clip, headless or from Blender.

    python -m hkmr_blender.export.batch IN... -o OUTDIR [--preset unity|unreal|generic] [--format fbx|glb|bvh] [--blend]
        [--pin-feet] [--root world|in_place|root_motion] [--ground] [--rest-frame]

``IN`` are motion files (.npz motion file v1 / AMASS, .smpl) or folders of them. Runs on the ``bpy``
module (no Blender binary). Each clip is imported into the current scene, exported, and its objects
and data removed again, so the function can also run inside an interactive session. ``--blend`` also
saves ``OUTDIR/<name>.blend`` holding the imported clip (armature, mesh, action, scene frame range and
rate) before it is removed. ``<name>`` is the clip's name (``walk.motion.npz`` → ``walk.fbx``). The output
folder may not be or lie inside an input, and two inputs that would write the same name (``walk.npz`` and
``walk.motion.npz``; ``walk.npz`` in two folders) are refused before any work (:func:`check_export_outputs`). A failing clip is reported and the batch goes on; outputs are written to a
temporary name and renamed. Ctrl-C stops the batch after the current clip (twice: at once) and prints
what was written and what was not started (exit code 130).
``add_export_parser`` plugs the same command into ``hkmr export`` (entry point); bpy is imported only
when a batch runs.
"""
from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..base.atomic import atomic_path
from ..base.formats import MOTION_SUFFIXES
from ..importing.names import clip_name
from ..base.options import frame_rate
from ..base.outputs import check_into_folder, check_output_file, colliding_outputs
from .files import FORMATS, PRESETS
from ..root.settings import ROOT_MODES

__all__ = ["BatchReport", "StopRequest", "collect_inputs", "save_blend", "check_export_outputs", "export_batch", "add_export_parser", "run_export", "main"]



@dataclass
class BatchReport:
    """``done``: (input, output, seconds) per exported clip; ``failed``: (input, error message);
    ``warnings``: (input, message); ``notes``: (input, how its samples became frames — resampling);
    ``not_started``: inputs left when the batch was interrupted."""

    done: list[tuple[str, str, float]] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)
    not_started: list[str] = field(default_factory=list)
    interrupted: bool = False

    @property
    def ok(self) -> bool:
        return not self.failed


def collect_inputs(inputs) -> list[Path]:
    """Files as given, folders expanded to their motion files (sorted, not recursive)."""
    out: list[Path] = []
    for item in inputs:
        p = Path(item)
        if p.is_dir():
            out += sorted(q for q in p.iterdir() if q.suffix.lower() in MOTION_SUFFIXES and not q.name.startswith("."))
        else:
            out.append(p)
    return out


def _progress(items, enabled: bool):
    if not enabled:
        return items
    try:
        from tqdm import tqdm
    except ImportError:
        return _SimpleProgress(items)
    return tqdm(items, unit="clip", file=sys.stderr)


class _SimpleProgress:
    def __init__(self, items):
        self.items = list(items)

    def __iter__(self):
        for i, item in enumerate(self.items, 1):
            print(f"[{i}/{len(self.items)}] {Path(item).name}", file=sys.stderr, flush=True)
            yield item


def _remove_clip(result) -> None:
    """Delete what one import created (objects, their data, the action)."""
    import bpy

    from ..importing.importer import remove_objects
    remove_objects([result.mesh, result.armature])
    if result.action is not None and result.action.users == 0:
        bpy.data.actions.remove(result.action)


def save_blend(path: str | Path) -> Path:
    """Save the current Blender file as a copy at ``path`` (atomically; the session keeps its own
    file name)."""
    import bpy

    with atomic_path(path) as tmp:
        tmp.unlink()  # Blender would keep the empty placeholder as a ".blend1" backup
        result = bpy.ops.wm.save_as_mainfile(filepath=str(tmp), copy=True, check_existing=False)
        if "FINISHED" not in result or not tmp.is_file() or tmp.stat().st_size == 0:
            raise RuntimeError(f"Blender did not save {path} ({result})")
    return Path(path)


class StopRequest:
    """Ctrl-C during a headless batch: the first SIGINT asks the batch to stop after the current clip
    (raising KeyboardInterrupt inside a Blender operator can leave Blender's data half-built — one run
    crashed); a second SIGINT abandons the current clip at once. Outputs are atomic either way."""

    def __init__(self):
        self.requested = False
        self._old = None

    def __enter__(self) -> "StopRequest":
        if threading.current_thread() is threading.main_thread():
            self._old = signal.signal(signal.SIGINT, self._handle)
        return self

    def __exit__(self, *exc) -> None:
        if self._old is not None:
            signal.signal(signal.SIGINT, self._old)

    def _handle(self, signum, frame) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True
        print("\ninterrupt: stopping after the current clip (Ctrl-C again to abandon it)", file=sys.stderr, flush=True)


def export_batch(inputs, out_dir, preset: str = "generic", fmt: str = "fbx", settings=None,
                 progress: bool = True, context=None, blend: bool = False, stop: StopRequest | None = None
                 ) -> BatchReport:
    """Export every motion file in ``inputs`` (files or folders) to ``out_dir/<name>.<fmt>``
    (and ``out_dir/<name>.blend`` with ``blend``), ``<name>`` the clip's name (``walk.motion.npz`` → ``walk``).

    ``settings`` default: new armature with mesh (when a body is available), the clip's own frame
    rate (no resampling); an :class:`..importing.settings.ImportSettings`. Scene frame rate and range are restored
    afterwards. ``stop``: checked between clips (see :class:`StopRequest`). Returns a :class:`BatchReport`;
    never raises for a bad clip or an interrupt."""
    import bpy

    from .files import export_clip
    from .game_rig import freed_names
    from ..importing.importer import HKMRImportError, ImportSettings, import_motion_file
    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}; choose from {', '.join(PRESETS)}")
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    context = context or bpy.context
    settings = settings or ImportSettings(target="new", rate="set_scene")
    paths = collect_inputs(inputs)
    out_dir = check_export_outputs(out_dir, [*inputs, bpy.data.filepath], _output_names(paths, fmt, blend))
    created = [d for d in (out_dir, *out_dir.parents) if not d.exists()]  # removed again if nothing is exported
    out_dir.mkdir(parents=True, exist_ok=True)
    scene = context.scene
    saved = (scene.render.fps, scene.render.fps_base, scene.frame_start, scene.frame_end)
    report = BatchReport()
    try:
        for k, path in enumerate(_progress(paths, progress)):
            if stop is not None and stop.requested:
                report.interrupted, report.not_started = True, [str(p) for p in paths[k:]]
                break
            t0 = time.perf_counter()
            result = None
            try:
                clip = clip_name(path)      # the names the import takes, exactly (the export names its parts so)
                with freed_names([clip, f"{clip}_body", f"{clip}_camera"]), freed_names([clip], bpy.data.actions):
                    try:
                        result = import_motion_file(context, str(path), settings)
                        report.warnings += [(str(path), w) for w in result.warnings]
                        if result.timing and settings.rate == "resample":
                            report.notes.append((str(path), result.timing))
                        out = export_clip(context, result.armature, result.mesh, out_dir / f"{clip}.{fmt}",
                                          fmt, preset)
                        if blend:
                            save_blend(out_dir / f"{clip}.blend")
                        report.done.append((str(path), str(out), time.perf_counter() - t0))
                    finally:
                        if result is not None:
                            _remove_clip(result)
            except (HKMRImportError, RuntimeError, OSError, ValueError) as exc:
                report.failed.append((str(path), str(exc)))
            except KeyboardInterrupt:  # the second Ctrl-C: this clip is abandoned (nothing under its name)
                report.interrupted, report.not_started = True, [str(p) for p in paths[k:]]
                break
    finally:
        scene.render.fps, scene.render.fps_base, scene.frame_start, scene.frame_end = saved
        for d in created if not report.done else ():  # a failed export leaves no empty folder behind
            try:
                d.rmdir()
            except OSError:  # not empty (something else was put there meanwhile): left alone
                break
    return report


def _output_names(paths: list[Path], fmt: str, blend: bool) -> list[tuple[Path, list[str]]]:
    """(input, its output file names) per clip: named after the clip (``walk.motion.npz`` → ``walk.fbx``, see
    :func:`..importing.names.clip_name`), so ``walk.npz`` and ``walk.motion.npz`` collide and are refused."""
    return [(p, [f"{clip_name(p)}.{fmt}"] + ([f"{clip_name(p)}.blend"] if blend else [])) for p in paths]


def check_export_outputs(out_dir, reads, named) -> Path:
    """Refuse (ValueError, before any work) an export folder that is or lies inside an input, an output file
    that is an input or a folder, and inputs that would write the same file (named, with the inputs).
    ``reads``: every path the export reads; ``named``: (source, [output file names]) per clip."""
    out_dir = check_into_folder(out_dir, reads, "output folder")
    pairs = [(str(src), out_dir / name) for src, names in named for name in names]
    clash = colliding_outputs(pairs)
    if clash:
        said = "; ".join(f"{', '.join(srcs)} → {dest}" for dest, srcs in clash.items())
        raise ValueError(f"several inputs would write the same file ({said}); rename one of them or export them "
                         f"to separate folders — nothing was exported")
    for _src, dest in pairs:
        check_output_file(dest, reads, "output")
    return out_dir


def _add_arguments(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("inputs", nargs="+", help="motion files (.npz, .smpl) or folders of them")
    ap.add_argument("-o", "--out", required=True, help="output folder (created if missing)")
    ap.add_argument("--preset", choices=tuple(PRESETS), default="generic")
    ap.add_argument("--format", choices=FORMATS, default="fbx")
    ap.add_argument("--model", default="", help="SMPL model file (.pkl/.npz) for files without rest joints "
                                                "(default: the shipped open body)")
    ap.add_argument("--no-mesh", action="store_true", help="export the skeleton only")
    ap.add_argument("--fps", type=frame_rate, default=None, help="resample to this rate (default: keep the clip's)")
    ap.add_argument("--blend", action="store_true", help="also save OUTDIR/<name>.blend with the imported clip")
    ap.add_argument("--pin-feet", action="store_true",
                    help="pin planted feet (the file's contacts, else detected from the motion)")
    ap.add_argument("--root", choices=ROOT_MODES, default="world",
                    help="root motion: world (as estimated), in_place, root_motion (a 'root' bone carries travel)")
    ap.add_argument("--ground", action="store_true", help="move each clip so its lowest foot point is at z=0")
    ap.add_argument("--rest-frame", action="store_true", help="add a rest-pose key one frame before each clip")


def run_export(args: argparse.Namespace) -> int:
    """Run a batch from parsed arguments in a fresh empty Blender file; print a summary. Exit code 1
    if any clip failed."""
    blend = getattr(args, "blend", False)
    check_export_outputs(args.out, args.inputs, _output_names(collect_inputs(args.inputs), args.format, blend))
    import bpy

    from ..feet.settings import FootSettings
    from ..importing.settings import ImportSettings
    from ..root.settings import RootSettings

    bpy.ops.wm.read_factory_settings(use_empty=True)
    settings = ImportSettings(target="new", create_mesh=not args.no_mesh, model_path=args.model,
                              rate="resample" if args.fps else "set_scene",
                              feet=FootSettings(pin_feet=args.pin_feet),
                              root=RootSettings(root_mode=args.root, ground=args.ground, rest_frame=args.rest_frame))
    if args.fps:
        whole = max(1, round(args.fps))
        bpy.context.scene.render.fps, bpy.context.scene.render.fps_base = whole, whole / args.fps
    with StopRequest() as stop:
        report = export_batch(args.inputs, args.out, args.preset, args.format, settings, blend=blend, stop=stop)
    for src, out, secs in report.done:
        extra = f" + {Path(out).with_suffix('.blend')}" if blend else ""
        print(f"ok    {src} -> {out}{extra} ({secs:.2f} s)")
    for src, msg in report.notes:
        print(f"note: {src}: {msg}", file=sys.stderr)
    for src, msg in report.warnings:
        print(f"warning: {src}: {msg}", file=sys.stderr)
    for src, err in report.failed:
        print(f"FAIL  {src}: {err}", file=sys.stderr)
    summary = f"{len(report.done)} exported, {len(report.failed)} failed"
    if report.interrupted:
        print(f"{summary}, {len(report.not_started)} not started (interrupted)")
        return 130
    print(summary)
    return 1 if report.failed else 0


def add_export_parser(subparsers) -> None:
    """``hkmr export`` (entry point of the ``hkmr.commands`` group)."""
    ap = subparsers.add_parser("export", help="batch-export motion files to FBX/GLB/BVH (needs bpy)",
                               description=__doc__.split("\n\n")[0])
    _add_arguments(ap)
    ap.set_defaults(func=run_export)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m hkmr_blender.export.batch", description=__doc__.split("\n\n")[0])
    _add_arguments(ap)
    return run_export(ap.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
