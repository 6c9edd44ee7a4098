"""Where the body model comes from: explicit path > $HKMR_SMPL_PATH > user config dir > open body.

A path may name a model file (``.pkl``/``.npz``) or a folder holding the usual SMPL file
names for the requested gender. With no licensed file anywhere, the shipped open default
body (neutral, CC0; see docs/open-body.md) is used, so every command runs out of the box.
"""
from __future__ import annotations

import logging
import os
from pathlib import Path

from hkmr_blender.base.inputs import file_problem
from hkmr_blender.base.skeleton import GENDERS
from hkmr_blender.base.smpl_file import OPEN_BODY_PATH, SMPL_DOWNLOAD_HINT, SmplFileError

__all__ = ["GENDERS", "ENV_VAR", "OPEN_BODY_PATH", "user_model_dir", "find_body_model"]

log = logging.getLogger(__name__)

ENV_VAR = "HKMR_SMPL_PATH"

# File names used by the official SMPL downloads and by smplx's folder convention.
_CANDIDATES = {
    "neutral": ("SMPL_NEUTRAL", "basicModel_neutral_lbs_10_207_0_v1.0.0", "basicmodel_neutral_lbs_10_207_0_v1.1.0"),
    "male": ("SMPL_MALE", "basicmodel_m_lbs_10_207_0_v1.0.0", "basicModel_m_lbs_10_207_0_v1.0.0",
             "basicmodel_m_lbs_10_207_0_v1.1.0"),
    "female": ("SMPL_FEMALE", "basicModel_f_lbs_10_207_0_v1.0.0", "basicmodel_f_lbs_10_207_0_v1.1.0"),
}


def user_model_dir() -> Path:
    """``$XDG_CONFIG_HOME/hkmr/smpl`` (default ``~/.config/hkmr/smpl``)."""
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "hkmr" / "smpl"


def _in_folder(folder: Path, gender: str) -> Path | None:
    names = {p.name.lower(): p for p in folder.iterdir() if p.is_file()} if folder.is_dir() else {}
    for dirname in ("", "smpl"):
        sub = folder / dirname if dirname else folder
        if dirname and sub.is_dir():
            names.update({f"{dirname}/{p.name.lower()}": p for p in sub.iterdir() if p.is_file()})
    for stem in _CANDIDATES[gender]:
        for ext in (".pkl", ".npz"):
            for prefix in ("", "smpl/"):
                hit = names.get(f"{prefix}{stem}{ext}".lower())
                if hit is not None:
                    return hit
    return None


def _resolve(path: Path, gender: str, origin: str) -> Path:
    if path.is_file():
        return path
    if path.is_dir():
        hit = _in_folder(path, gender)
        if hit is None:
            raise SmplFileError(f"{path} ({origin}): no {gender} SMPL model in this folder (looked for "
                                f"{', '.join(s + '.pkl' for s in _CANDIDATES[gender][:2])}). {SMPL_DOWNLOAD_HINT}.")
        return hit
    problem = file_problem(path)
    if problem != "file not found":  # a FIFO or a device: not "not found"
        raise SmplFileError(f"{path} ({origin}): {problem}; give the SMPL model file (.pkl or .npz) or its folder, "
                            f"or unset it to use the open default body.")
    raise SmplFileError(f"{path} ({origin}): SMPL model file not found. {SMPL_DOWNLOAD_HINT}, "
                        f"or unset it to use the open default body.")


def find_body_model(path: str | os.PathLike | None = None, gender: str = "neutral") -> Path:
    """Resolve the model file to load. Raises SmplFileError for a bad gender or a named path
    that does not exist (an explicit choice never silently falls back)."""
    if gender not in GENDERS:
        raise SmplFileError(f"gender '{gender}' is not one of {', '.join(GENDERS)}")
    if path is not None:
        return _resolve(Path(path).expanduser(), gender, "given path")
    env = os.environ.get(ENV_VAR)
    if env:
        return _resolve(Path(env).expanduser(), gender, f"${ENV_VAR}")
    user = _in_folder(user_model_dir(), gender)
    if user is not None:
        return user
    if gender != "neutral":
        log.warning("no licensed %s SMPL model found; using the open default body (neutral). %s.",
                    gender, SMPL_DOWNLOAD_HINT)
    if not OPEN_BODY_PATH.is_file():
        raise SmplFileError(f"{OPEN_BODY_PATH}: the shipped open default body is missing; reinstall HKMR "
                            "or regenerate it with `python -m core.body.open_body.generate`")
    return OPEN_BODY_PATH
