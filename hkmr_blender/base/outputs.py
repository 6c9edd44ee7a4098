"""Output path safety, shared by every command and the add-on (stdlib only; docs/inference.md, "Output paths").

Checked before any work, by name:

* :func:`check_output_file` — a file the run replaces as a whole (``hkmr infer -o``, ``hkmr convert``, an
  overlay video): never an input, never inside an input folder, never an existing folder.
* :func:`check_new_folder` — a folder the run creates as a whole (the PNG overlay): never an input, never
  holding an input or the run's other outputs, never inside an input folder; an existing folder is accepted
  only when it is empty or a previous output of the same kind (``is_ours``), so nothing of the user's is lost.
* :func:`check_into_folder` — a folder the run adds named files to (``hkmr export -o``, the add-on's export
  folder, a batch ``hkmr infer -o``): never an input, never inside an input folder. It may hold inputs (the
  demo exports beside its motion file): files are only added, never removed, and :func:`colliding_outputs`
  refuses two inputs that would write the same name.

"Input" means every path the run reads; a glob (``frames/*.png``) covers the names it matches.
"""
from __future__ import annotations

import fnmatch
import os
from pathlib import Path
from typing import Callable, Iterable

from .inputs import replace_problem

__all__ = ["check_output_file", "check_new_folder", "check_into_folder", "colliding_outputs", "real"]

_GLOB = set("*?[")


def real(path: str | os.PathLike) -> Path:
    """``path`` absolute, ``~``, ``..`` and links resolved (for paths that do not exist yet, too)."""
    return Path(os.path.realpath(os.path.expanduser(os.fspath(path))))


def _inputs(inputs: Iterable) -> list[tuple[str, Path, bool, bool]]:
    """(as given, resolved, is a folder, is a glob pattern) for each input."""
    out = []
    for item in inputs:
        if item is None or item == "":
            continue
        text = os.fspath(item)
        glob = bool(_GLOB & set(text)) and not os.path.exists(text)
        if glob:  # resolve the folder part only; the pattern stays a pattern
            out.append((text, real(os.path.dirname(text) or ".") / os.path.basename(text), False, True))
            continue
        out.append((text, real(text), os.path.isdir(text), False))
    return out


def _given(output, option: str, what: str) -> str:
    """``output`` as text; refuses an empty name and one below an existing file (``notes.txt/m.npz``)."""
    text = os.fspath(output)
    if not text.strip():
        raise ValueError(f"{option}: no name given (an empty path); give {what}")
    if text.startswith("~"):  # quoted: the shell left it; writing would make a folder named '~' here
        raise ValueError(f"{option} {text}: '~' was not expanded (a quoted path?); give the full path, e.g. "
                         f"{os.path.expanduser('~')}{text[1:] if text.startswith('~/') else '/…'}")
    for parent in real(text).parents:
        if parent.exists():
            if not parent.is_dir():
                raise ValueError(f"{option} {text}: {parent} is a file, not a folder; give {what} in a folder")
            break
    return text


def _same(a: Path, b: Path) -> bool:
    """One file or folder: equal resolved names, or (both existing) one inode — a name that differs only in case
    on a case-insensitive file system (macOS, Windows), or a hard link."""
    try:
        return a == b or os.path.samefile(a, b)
    except OSError:
        return False


def _inside(child: Path, parent: Path) -> bool:
    return not _same(child, parent) and any(_same(p, parent) for p in child.parents)


def _refuse_inputs(out: Path, shown: str, inputs, option: str, *, may_hold: bool, searched=()) -> None:
    for given, item, _, _ in _inputs(searched):  # model folders: searched for named files, never the output
        if _same(out, item):
            raise ValueError(f"{option} {shown}: this is also an input ({given}); choose another output name")
    for given, item, is_dir, glob in _inputs(inputs):
        if glob:
            if any(fnmatch.fnmatchcase(str(p), str(item)) for p in (out, *out.parents)):
                raise ValueError(f"{option} {shown}: the input pattern {given} matches this name; writing it would "
                                 f"mix an output into the input. Choose a name the pattern does not match")
            continue
        if _same(out, item):
            raise ValueError(f"{option} {shown}: this is also an input ({given}); writing it would destroy the "
                             f"input. Choose another output name")
        if is_dir and _inside(out, item):
            raise ValueError(f"{option} {shown}: this lies inside the input folder {given}; writing there would "
                             f"mix outputs into an input. Choose an output outside it")
        if not may_hold and _inside(item, out):
            raise ValueError(f"{option} {shown}: this folder holds {given}, which this run reads or writes; it "
                             f"would be replaced. Choose a new folder name that holds nothing")


def check_output_file(output: str | os.PathLike, inputs: Iterable, option: str,
                      suffixes: tuple[str, ...] = (), searched: Iterable = ()) -> Path:
    """Refuse a file ``output`` that is an input, lies inside an input folder, is an existing folder or (when
    ``suffixes`` are given) lacks one of them; ``option`` names the argument. ``searched``: inputs that are
    only searched for named files (an SMPL model folder): the output may lie inside them. Returns it as a Path."""
    out = Path(_given(output, option, "a file name"))
    _refuse_inputs(real(out), os.fspath(output), inputs, option, may_hold=True, searched=searched)
    if suffixes and not out.name.lower().endswith(tuple(s.lower() for s in suffixes)):
        raise ValueError(f"{option} {out}: the name must end with {' or '.join(suffixes)}")
    if out.name.lower() in {s.lower() for s in suffixes}:
        raise ValueError(f"{option} {out}: the name is only the suffix (a hidden file); give a name such as "
                         f"motion{suffixes[0]}")
    hint = f"a file name ending with {' or '.join(suffixes)}" if suffixes else "a file name"
    if out.is_dir() or not out.name:
        raise ValueError(f"{option} {out}: this is a folder; give {hint}")
    problem = replace_problem(out)
    if problem is not None:  # a named pipe or a device: never replaced by the output
        raise ValueError(f"{option} {out}: {problem}; it is left alone: give {hint}")
    return out


def check_new_folder(output: str | os.PathLike, inputs: Iterable, option: str,
                     is_ours: Callable[[Path], bool] = lambda p: False) -> Path:
    """Refuse a folder ``output`` that the run would create (and rename into place) when it is an input,
    holds an input, lies inside an input folder, is a file, or exists holding anything that ``is_ours``
    does not recognise as a previous output of the same kind. Returns it resolved."""
    shown = _given(output, option, "a new folder name")
    out = real(output)
    _refuse_inputs(out, shown, inputs, option, may_hold=False)
    if out.is_file():
        raise ValueError(f"{option} {shown}: this is a file; give a new folder name")
    if out.is_dir() and any(out.iterdir()) and not is_ours(out):
        found = sorted((p.name for p in out.iterdir()),  # names a person gave first, numbered frames last
                       key=lambda n: (n.startswith("."), n[:1].isdigit(), n))
        listed = ", ".join(found[:3]) + (f" and {len(found) - 3} more" if len(found) > 3 else "")
        raise ValueError(f"{option} {shown}: this folder exists and holds files that are not a previous output of "
                         f"this kind ({listed}); it is never emptied. Give a new folder name (or an empty folder)")
    if out == real(out.anchor) or out == real(Path.home()):
        raise ValueError(f"{option} {shown}: refusing to write a whole folder here; give a new folder name")
    return out


def check_into_folder(output: str | os.PathLike, inputs: Iterable, option: str) -> Path:
    """Refuse a folder ``output`` that the run adds files to when it is an input, lies inside an input
    folder, or is an existing file. Returns it as a Path (as given)."""
    _refuse_inputs(real(output), _given(output, option, "a folder"), inputs, option, may_hold=True)
    if Path(output).is_file():
        raise ValueError(f"{option} {output}: this is a file; give a folder")
    return Path(output)


def colliding_outputs(pairs: Iterable[tuple[str, str | os.PathLike]]) -> dict[str, list[str]]:
    """{output name: [inputs]} for every output written by more than one input (names compared case-folded,
    as on Windows and macOS file systems); ``pairs`` are (input, output path)."""
    seen: dict[str, list[str]] = {}
    shown: dict[str, str] = {}
    for src, dest in pairs:
        key = os.path.normcase(os.fspath(real(dest))).casefold()
        shown.setdefault(key, os.fspath(dest))
        seen.setdefault(key, []).append(os.fspath(src))
    return {shown[k]: v for k, v in seen.items() if len(v) > 1}
