"""The keypoint model's input: detector landmarks → per-frame features → centred windows (numpy only).

One path for training data (simulated detections) and inference (:class:`core.detect.landmarks.Landmarks`):

- :func:`landmark_box` — the person box of a frame: the square around *all* 33 landmarks (BlazePose
  places every landmark, visible or not), side = ``BOX_MARGIN`` × their larger extent;
- :func:`normalise_to_box` — pixels → box coordinates, −1…1 across the box (x right, y down), the
  normalised "crop" frame in which the heads' weak-perspective camera ``[s, tx, ty]`` lives;
- :func:`keypoint_features` — (F, 33, C) with C = :data:`NUM_CHANNELS`: box-normalised x, y, visibility,
  world x, y, z (metres, hip-centred, BlazePose's world frame: x right, y down, z away from the camera);
  frames where no person was found are all zeros;
- :func:`frame_windows` — (F, T, 33, C): the window centred on every frame, zeros beyond the clip.
"""
from __future__ import annotations

import numpy as np

__all__ = ["NUM_CHANNELS", "BOX_MARGIN", "landmark_box", "normalise_to_box", "keypoint_features",
           "features_from_landmarks", "frame_windows"]

NUM_CHANNELS = 6
BOX_MARGIN = 1.2


def landmark_box(points2d: np.ndarray) -> np.ndarray:
    """(..., 33, 2) pixels → (..., 4) square box x0, y0, x1, y1 around all landmarks (× BOX_MARGIN)."""
    lo, hi = points2d.min(-2), points2d.max(-2)
    centre, half = (lo + hi) / 2, np.maximum((hi - lo).max(-1, keepdims=True), 1e-6) * BOX_MARGIN / 2
    return np.concatenate([centre - half, centre + half], -1)


def normalise_to_box(points: np.ndarray, box: np.ndarray) -> np.ndarray:
    """(..., N, 2) pixels and (..., 4) boxes → (..., N, 2) box coordinates (−1…1 across the box)."""
    centre = (box[..., None, :2] + box[..., None, 2:]) / 2
    half = (box[..., None, 2:3] - box[..., None, 0:1]) / 2
    return (points - centre) / half


def keypoint_features(points2d: np.ndarray, visibility: np.ndarray, world: np.ndarray,
                      found: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(F,33,2) pixels, (F,33) visibility, (F,33,3) world metres, (F,) found → features (F,33,C) float32
    and boxes (F,4) pixels (the frame each feature's 2D is normalised to)."""
    box = landmark_box(points2d)
    feat = np.concatenate([normalise_to_box(points2d, box), visibility[..., None], world], -1).astype(np.float32)
    if found is not None:
        feat[~np.asarray(found, bool)] = 0.0
    return feat, box.astype(np.float32)


def features_from_landmarks(landmarks) -> tuple[np.ndarray, np.ndarray]:
    """:class:`core.detect.landmarks.Landmarks` → (features (F,33,C), boxes (F,4))."""
    return keypoint_features(landmarks.points2d, landmarks.visibility, landmarks.world, landmarks.found)


def frame_windows(features: np.ndarray, window: int, start: int = 0, stop: int | None = None,
                  pad: str = "zeros") -> np.ndarray:
    """(F, 33, C) → (stop − start, window, 33, C): the ``window`` frames centred on each frame of
    ``[start, stop)`` (default all F; odd window), zero-filled (= "not found") beyond the clip's ends, or with
    ``pad="edge"`` filled with the clip's first / last frame. A range keeps a long clip's windows (``window`` copies
    of every frame) from being held all at once."""
    if window < 1 or window % 2 == 0:
        raise ValueError(f"window must be odd and ≥ 1, got {window}")
    f, h = len(features), window // 2
    stop = f if stop is None else stop
    lo, hi = max(start - h, 0), min(stop + h, f)
    if pad not in ("zeros", "edge"):
        raise ValueError(f"pad must be 'zeros' or 'edge', got {pad!r}")
    n_lo, n_hi = h - (start - lo), h - (hi - stop)
    if pad == "edge" and f > 0:
        before, after = np.repeat(features[:1], n_lo, 0), np.repeat(features[-1:], n_hi, 0)
    else:
        before, after = (np.zeros((k, *features.shape[1:]), features.dtype) for k in (n_lo, n_hi))
    padded = np.concatenate([before, features[lo:hi], after])
    idx = np.arange(stop - start)[:, None] + np.arange(window)
    return padded[idx]
