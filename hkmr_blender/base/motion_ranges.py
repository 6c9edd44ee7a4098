"""Range checks of a motion file beside :mod:`.motion`'s shape checks (numpy only): values a body model or Blender
cannot use although they are finite numbers of the right shape. Each bound is documented in docs/motion-format.md
("Validation"); every refusal is a :class:`.motion.MotionFileError` naming the file, the field and the fix."""
from __future__ import annotations

import numpy as np

__all__ = ["MAX_BETA", "MAX_BETAS", "MAX_TRANS", "check_betas", "check_trans", "check_frame_index",
           "check_some_valid", "check_version_fields", "dropped_betas"]

#: largest |beta| accepted. Betas are PCA coefficients in units of the shape space's standard deviation: real fits
#: stay within about ±5 (``--height`` is held to 0.5–2.5 m, and beta0 = ±2 already spans 1.2–2.5 m on the open
#: body), AMASS's MoSh++ fits within about ±5 too; 20 leaves 4× margin, and a body at 20 standard deviations is no
#: human shape any body model was built from (a value like 1e6 is a broken writer, not a person).
MAX_BETA = 20.0
#: most shape coefficients accepted: the largest shape space of the SMPL family (SMPL 1.1 and SMPL-X 2020 ship 300
#: directions; smplx's ``SHAPE_SPACE_DIM``). AMASS stores 16 (SMPL-H), HKMR 10; a reader uses as many as its body
#: has and drops the rest (smplx and human_body_prior slice ``betas[:num_betas]``; see :func:`dropped_betas`).
MAX_BETAS = 300
#: largest |trans| accepted, metres (10 km). Blender keys locations as float32, whose spacing at 10⁴ m is 1 mm
#: (2⁻¹⁰ m): beyond it a foot's key jitters by millimetres and more, and no capture volume or filmed walk
#: reaches it; 10¹² m is a unit or writer error.
MAX_TRANS = 1e4


def _fail(path: str, problem: str, fix: str):
    from .motion import fail  # motion imports this module: import at call time
    return fail(path, problem, fix)


def check_betas(path: str, betas: np.ndarray) -> None:
    """At most :data:`MAX_BETAS` coefficients, each within ±:data:`MAX_BETA` (NaN/inf are refused with the other
    fields' finiteness check)."""
    if len(betas) > MAX_BETAS:
        raise _fail(path, f"field 'betas' has {len(betas)} shape coefficients, more than any SMPL-family body model "
                    f"has ({MAX_BETAS})", f"Store the body's own coefficients (10 for HKMR, 16 for AMASS, at most "
                    f"{MAX_BETAS})")
    big = np.flatnonzero(np.isfinite(betas) & (np.abs(betas) > MAX_BETA))
    if big.size:
        k = int(big[0])
        raise _fail(path, f"field 'betas': beta {k} is {float(betas[k]):.4g}, beyond ±{MAX_BETA:g} (shape "
                    "coefficients are in standard deviations; no body model produces this)", "Store the body's "
                    "shape coefficients as the fit wrote them (real bodies lie within about ±5), or zeros for the "
                    "template body")


def check_trans(path: str, trans: np.ndarray) -> None:
    """Every root translation within ±:data:`MAX_TRANS` metres on each axis."""
    big = np.flatnonzero(np.isfinite(trans).all(1) & (np.abs(trans) > MAX_TRANS).any(1))
    if big.size:
        k = int(big[0])
        far = float(np.abs(trans[k]).max())
        raise _fail(path, f"field 'trans': frame {k} lies {far:.4g} m out along an axis, beyond ±{MAX_TRANS:g} m "
                    "(Blender's float32 keys lose millimetres there)", "Store the root translation in metres near the "
                    "origin (centimetres or a writer error?)")


def check_frame_index(path: str, frame_index: np.ndarray) -> None:
    """Source frame numbers count from 0 (a video's first frame): a negative one names no frame."""
    if len(frame_index) and int(frame_index[0]) < 0:
        raise _fail(path, f"field 'frame_index' starts at {int(frame_index[0])}: source frame numbers count from 0",
                    "Store the source video's frame numbers (0 = its first frame), e.g. frame_index - "
                    "frame_index[0]")


def check_some_valid(path: str, valid: np.ndarray) -> None:
    """At least one frame holds an estimate: a file whose every frame is a placeholder has no motion (AMASS and
    .smpl have no ``valid`` field, so a conversion would make the placeholders look real)."""
    if len(valid) and not np.asarray(valid, bool).any():
        raise _fail(path, f"field 'valid' is False on all {len(valid)} frames: the person was never found, every "
                    "pose is a placeholder", "Run `hkmr infer` again on footage where the whole person is in view "
                    "(or --person x0,y0,x1,y1 to choose them)")


def check_version_fields(path: str, keys, version: int) -> None:
    """A field that only a newer version defines (``OPTIONAL_FIELDS``) in a file claiming an older one: its meaning
    is not fixed there, and reading past it would drop it silently."""
    from .motion import OPTIONAL_FIELDS, VIEW_KEYS
    for name, since in OPTIONAL_FIELDS.items():
        found = [k for k in (VIEW_KEYS if name == "view" else (name,)) if k in keys]
        if found and version < since:
            raise _fail(path, f"field '{found[0]}' is defined from motion format version {since}, but the file says "
                        f"version {version}", f"If the field is HKMR's (docs/motion-format.md), set format_version to "
                        f"{since} or later; otherwise remove it")


def dropped_betas(betas: np.ndarray, used: int, what: str = "the file") -> str | None:
    """A warning when a body with ``used`` shape directions drops non-zero coefficients of ``betas`` (as smplx and
    AMASS's readers do); None when nothing is lost (e.g. AMASS's 16, zero-padded from 10)."""
    lost = np.asarray(betas, np.float64)[used:]
    if not np.any(lost != 0):
        return None
    return (f"{what} has {len(betas)} shape coefficients; the body model uses {used}, so the other {len(lost)} "
            f"(largest |{float(np.abs(lost).max()):.3g}|) are dropped and the body shape is approximate. Give the "
            "body model they belong to (add-on preferences / --body)")
