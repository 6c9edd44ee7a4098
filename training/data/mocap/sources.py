"""Where the real mocap comes from: fetched repository snapshots (bare git directories), one entry each.

A source names its repository, the files inside it, its skeleton's joint names for the SMPL joints the
retarget fits, its units, its licence and credit. Files are read with ``git show`` from the snapshot's git
directory at its HEAD commit, which the manifest records, so a build is reproducible from the snapshot.
"""
from __future__ import annotations

import csv
import io
import re
import subprocess
from dataclasses import dataclass

from . import RESERVED_SUBJECTS

__all__ = ["Source", "SOURCES", "SourceFile", "list_files", "read_text", "read_bytes", "head_commit", "cmu_subject",
           "activity"]

_CC_BASE = {"pelvis": "CC_Base_Pelvis", "left_hip": "CC_Base_L_Thigh", "right_hip": "CC_Base_R_Thigh",
            "left_knee": "CC_Base_L_Calf", "right_knee": "CC_Base_R_Calf", "left_ankle": "CC_Base_L_Foot",
            "right_ankle": "CC_Base_R_Foot", "left_foot": "CC_Base_L_ToeBase", "right_foot": "CC_Base_R_ToeBase",
            "left_shoulder": "CC_Base_L_Upperarm", "right_shoulder": "CC_Base_R_Upperarm",
            "left_elbow": "CC_Base_L_Forearm", "right_elbow": "CC_Base_R_Forearm", "left_wrist": "CC_Base_L_Hand",
            "right_wrist": "CC_Base_R_Hand", "head": "CC_Base_Head"}

#: the cgspeed/CMU skeleton (LHipJoint, LeftUpLeg, …), ``prefix`` before every name
def _cmu_names(prefix: str = "") -> dict[str, str]:
    return {k: prefix + v for k, v in {
        "pelvis": "Hips", "left_hip": "LeftUpLeg", "right_hip": "RightUpLeg", "left_knee": "LeftLeg",
        "right_knee": "RightLeg", "left_ankle": "LeftFoot", "right_ankle": "RightFoot", "left_foot": "LeftToeBase",
        "right_foot": "RightToeBase", "left_shoulder": "LeftArm", "right_shoulder": "RightArm",
        "left_elbow": "LeftForeArm", "right_elbow": "RightForeArm", "left_wrist": "LeftHand",
        "right_wrist": "RightHand", "head": "Head"}.items()}


CMU_CREDIT = ("The data used in this project was obtained from mocap.cs.cmu.edu. The database was created with "
              "funding from NSF EIA-0196217.")


@dataclass(frozen=True)
class Source:
    repo: str                      # owner/name on GitHub
    pattern: str                   # regex over paths inside the snapshot
    joints: dict[str, str]         # SMPL joint name → the source skeleton's joint name
    unit: float                    # metres per BVH unit
    licence: str
    drop_first: int = 0            # leading frames that are not motion (a prepended T-pose)
    index: str | None = None       # a CSV inside the snapshot with descriptions (Subject, Trial #, Motion Description)
    notes: str = ""
    joints_are_y_up: bool = True
    format: str = "bvh"            # "bvh" (:mod:`.bvh`) or "fbx" (:mod:`.fbx`, through Blender's importer)


SOURCES = {
    "iclone-cmu": Source(
        repo="DragonForgedTheArtist/IClone-CMU-Mocap", pattern=r"^All_BVH/subjects/\d+/\d+_\d+\.bvh$",
        joints=_CC_BASE, unit=0.01, drop_first=1, index="CMU data.csv",
        licence="CMU Graphics Lab Motion Capture Database: free for research and commercial use with credit "
                "(mocap.cs.cmu.edu); the repository (a direct ASF/AMC→BVH conversion on a CC_Base skeleton, "
                "a T-pose prepended to every file) states no licence of its own",
        notes="61 clips of subjects 002–007 outside the reserved ones"),
    "isaacgym-cmu": Source(
        repo="NVIDIA-Omniverse/IsaacGymEnvs", pattern=r"^isaacgymenvs/tasks/amp/poselib/data/\d+_\d+_cmu\.fbx$",
        joints=_cmu_names(), unit=0.056444, format="fbx",
        licence="CMU Graphics Lab Motion Capture Database: free for research and commercial use with credit "
                "(mocap.cs.cmu.edu); the repository is BSD-3-Clause and credits CMU for these files",
        notes="AMP's source clips as FBX on the cgspeed CMU skeleton in CMU's length units (0.056444 m); "
              "01_01 and 55_01 are reserved and dropped"),
    "keijiro-cmu": Source(
        repo="keijiro/CMUMocap", pattern=r"^Animation/\d+_\d+\.fbx$", joints=_cmu_names("Neo_"), unit=1.0,
        format="fbx",
        licence="CMU Graphics Lab Motion Capture Database: free for research and commercial use with credit "
                "(mocap.cs.cmu.edu); the repository's LICENSE: 'basically free to use for commercial and "
                "non-commercial purposes', pointing to CMU's terms",
        notes="6 clips (breakdance 85_*, karate 135_*) retargeted by Unity to the 'Neo' humanoid, 30 fps, metres"),
}


@dataclass(frozen=True)
class SourceFile:
    source: str
    path: str
    subject: int
    trial: int


def _git(git_dir: str, *args: str) -> str:
    return subprocess.run(["git", "--git-dir", git_dir, *args], check=True, capture_output=True, text=True).stdout


def head_commit(git_dir: str) -> str:
    return _git(git_dir, "rev-parse", "HEAD").strip()


def read_text(git_dir: str, path: str) -> str:
    return _git(git_dir, "show", f"HEAD:{path}")


def read_bytes(git_dir: str, path: str) -> bytes:
    return subprocess.run(["git", "--git-dir", git_dir, "show", f"HEAD:{path}"], check=True,
                          capture_output=True).stdout


def cmu_subject(path: str) -> tuple[int, int]:
    """(subject, trial) from a CMU file name such as ``05_02.bvh``, ``005_02.bvh`` or ``05_02_cmu.fbx``."""
    m = re.search(r"(\d+)_(\d+)(?:_cmu)?\.\w+$", path)
    if m is None:
        raise ValueError(f"{path}: not a CMU clip name (SUBJECT_TRIAL.bvh)")
    return int(m.group(1)), int(m.group(2))


def list_files(name: str, git_dir: str, keep_reserved: bool = False) -> list[SourceFile]:
    """The source's clips in the snapshot, reserved CMU subjects (01, 55, 131) left out — unless ``keep_reserved``,
    which only bench/eval_clips.py asks for (evaluation renders; no training recipe reads its folder)."""
    src = SOURCES[name]
    out = []
    for p in sorted(_git(git_dir, "ls-tree", "-r", "--name-only", "HEAD").splitlines()):
        if re.match(src.pattern, p):
            subject, trial = cmu_subject(p)
            if keep_reserved or subject not in RESERVED_SUBJECTS:
                out.append(SourceFile(name, p, subject, trial))
    return out


def descriptions(name: str, git_dir: str) -> dict[tuple[int, int], str]:
    """(subject, trial) → CMU's motion description, from the source's index CSV (empty without one)."""
    src = SOURCES[name]
    if src.index is None:
        return {}
    rows = csv.DictReader(io.StringIO(read_text(git_dir, src.index)))
    return {(int(r["Subject"]), int(r["Trial #"])): r["Motion Description"].strip() for r in rows}


_ACTIVITIES = (("dance", ("dance", "pirouette", "arabesque", "jete", "break", "footwork", "uprightsequence")),
               ("acrobatics", ("cartwheel", "flip", "handstand", "acrobat")),
               ("sports", ("basketball", "dribble", "shoot", "swordplay", "punch", "strike", "kick", "golf", "box",
                           "bassai", "empi", "heian", "karate")), ("run", ("run", "jog")),
               ("jump", ("jump", "hop", "leap")), ("sit/floor", ("sit", "kneel", "crawl", "lie", "floor")),
               ("reach/bend", ("bend", "scoop", "reach", "lift", "pick", "wash")), ("walk", ("walk", "step")))


def activity(description: str) -> str:
    """A coarse activity class from CMU's description (first matching keyword group, else "other")."""
    d = description.lower()
    return next((k for k, words in _ACTIVITIES if any(w in d for w in words)), "other")


