"""``hkmr demo``: the product on real footage — a vendored clip of a real person → motion file → FBX/.blend.

    hkmr demo [--out DIR] [--clip VIDEO] [--person auto|x0,y0,x1,y1] [--no-blender]

1. detect + fit + motion file — :func:`core.pipeline.run.run_real` (BlazePose landmarks, HKMR_MF clip
   fit, static-camera world, foot contacts) → ``motion.npz``; per-stage times;
2. overlay — the fitted mesh over four frames (input above, mesh below) → ``overlay.png``;
3. export — the add-on's headless batch exporter in a subprocess → ``motion.fbx``, ``motion.blend``;
4. scores — no ground truth on real footage, so: the fit's 2D reprojection error (% of torso length),
   jitter of the fitted limbs vs BlazePose's raw landmarks, foot skate while planted
   (:mod:`core.pipeline.scores`), printed and saved to ``scores.json``.

The default clip is ``core/assets/walk.mp4`` (3.3 s, sports2d's demo video, BSD-3-Clause). ``hkmr demo
--synthetic`` runs the rendered clip with known motion instead (:mod:`core.demo`, MPJPE vs ground truth).
"""
from __future__ import annotations

import json
import os
import time
from dataclasses import asdict
from pathlib import Path

import cv2
import numpy as np

__all__ = ["run_real_demo"]


def _crop(img: np.ndarray, box: np.ndarray, height: int) -> np.ndarray:
    """A 3:4 window centred on the person ``box`` (x0, y0, x1, y1 px), 1.3× its height, scaled to ``height``."""
    h = 1.3 * max(box[3] - box[1], box[2] - box[0], 16.0)
    w = 0.75 * h
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    m = np.array([[height / h, 0, height / h * (w / 2 - cx)], [0, height / h, height / h * (h / 2 - cy)]])
    return cv2.warpAffine(img, m, (round(0.75 * height), height), flags=cv2.INTER_AREA,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=(0, 0, 0))


def _picture(frames: dict[int, tuple[np.ndarray, np.ndarray]], boxes: np.ndarray, path: Path,
             height: int = 320) -> None:
    """Per frame, a window around the person: input above, fitted mesh below → PNG."""
    from hkmr_blender.base.atomic import atomic_path

    keys = sorted(frames)
    rows = [np.concatenate([_crop(frames[i][k], boxes[i], height) for i in keys], 1) for k in (0, 1)]
    grid = np.concatenate(rows, 0)
    ok, buf = cv2.imencode(".png", cv2.cvtColor(grid, cv2.COLOR_RGB2BGR))
    if not ok:
        raise OSError(f"could not encode {path}")
    with atomic_path(path) as tmp:
        tmp.write_bytes(buf.tobytes())


def run_real_demo(out: str | os.PathLike = "hkmr-demo", clip: str | os.PathLike | None = None,
                  person: str | None = None, blender: bool = True, log=print) -> dict:
    """Run the four stages (module docstring) into ``out``; returns what ``scores.json`` holds."""
    from core.assets import REAL_DEMO_CLIP
    from core.body.model import load_body_model
    from core.demo import export_stage
    from core.detect.blazepose import DetectorOptions, parse_person
    from core.inference.overlay import overlay_frames
    from core.inference.sources import open_source
    from core.pipeline.run import RealOptions, run_real
    from core.pipeline.scores import GOALS, score_fit
    from hkmr_blender.base.atomic import atomic_write

    clip = Path(clip or REAL_DEMO_CLIP)
    opts = RealOptions(detector=DetectorOptions(person=parse_person(person)))
    src = open_source(str(clip))  # a bad clip fails here, before anything is written
    info = src.info
    t = time.perf_counter()
    body = load_body_model(None)
    times = {"load": time.perf_counter() - t}
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    log(f"hkmr demo: {clip.name}, {info.num_frames} frames {info.width}×{info.height} at {info.fps:g} fps "
        f"(real footage) → {out}/")
    log(f"  body        {body.identity}")
    res = run_real(str(clip), str(out / "motion.npz"), body, opts)
    times.update(res.seconds)
    n = res.frames
    log(f"  detect      {res.seconds['detect']:6.1f} s  BlazePose (decode included): person in "
        f"{int(res.landmarks.found.sum())}/{n} frames, {n / res.seconds['detect']:.1f} frames/s")
    if "start" in res.seconds:
        log(f"  start       {res.seconds['start']:6.1f} s  keypoint model (HKMR on landmarks) → the fit's start")
    log(f"  fit         {res.seconds['fit']:6.1f} s  HKMR_MF clip fit, {n / res.seconds['fit']:.1f} frames/s")
    log(f"  write       {res.seconds['write']:6.1f} s  {res.output} ({res.valid_frames}/{n} valid frames)")

    t = time.perf_counter()
    valid = np.asarray(res.motion.motion.valid, bool)
    ok = np.flatnonzero(valid)
    picks = sorted({int(ok[round(x)]) for x in np.linspace(0, len(ok) - 1, min(4, len(ok)))})
    frames = overlay_frames(src, body, res.motion.world, res.fit.betas, valid, res.fit.camera.focal, picks)
    _picture(frames, res.landmarks.boxes, out / "overlay.png")
    times["overlay"] = time.perf_counter() - t
    log(f"  overlay     {times['overlay']:6.1f} s  {out / 'overlay.png'} (frames {', '.join(map(str, picks))})")

    exported = export_stage(out / "motion.npz", out, blender, times, log)
    total = sum(times.values())
    log(f"  total       {total:6.1f} s  (body load {times['load']:.1f} s; {n / (total - times['load']):.1f} "
        f"frames/s end to end)")
    s = score_fit(body, res.fit, res.landmarks, valid)
    met = lambda ok: "met" if ok else "NOT met"  # noqa: E731
    log(f"scores of the fit ({s.scored_frames} valid frames; no ground truth on real footage):")
    log(f"  2D reprojection  {s.reprojection_pct:6.1f} % of torso length (median; goal ≤ "
        f"{GOALS['reprojection_pct']:g} %: {met(s.reprojection_pct <= GOALS['reprojection_pct'])})")
    log(f"  jitter           {s.jitter_fit:6.2f} m/s² limbs vs hips (BlazePose's own landmarks: "
        f"{s.jitter_landmarks:.2f}; goal not above: {met(s.jitter_fit <= s.jitter_landmarks)})")
    skate = "no planted foot" if not np.isfinite(s.foot_skate_mm) else \
        f"{s.foot_skate_mm:6.2f} mm/frame over {s.contact_frames} frames with a planted foot (goal ≤ " \
        f"{GOALS['foot_skate_mm']:g}: {met(s.foot_skate_mm <= GOALS['foot_skate_mm'])})"
    log(f"  foot skate       {skate}")
    report = {"clip": str(clip), "frames": n, "valid_frames": res.valid_frames, **asdict(s), "goals": GOALS,
              "seconds": times, "files": [str(p) for p in [out / "motion.npz", out / "overlay.png", *exported]]}
    atomic_write(out / "scores.json", lambda fh: fh.write(json.dumps(report, indent=1).encode()))
    return report
