"""Picture of the hands on real footage: the detected 21 points and the fitted SMPL-H hand reprojected.

Runs the body detector, the hand detector (crops at the body's wrists) and the finger fit on a clip or a picture,
then writes a PNG: for a few frames with a hand, the hand's crop enlarged, detected points in green, the fitted
hand's bones (weak perspective, see ``HandFit.points2d``) in red (left) / blue (right) with an inset of the fitted
3D hand seen from the side (the curl in depth), and prints the numbers
(hands found per side, median reprojection error in px and in % of the detected palm length).

    python bench/figure_hands.py core/assets/walk.mp4 --out docs/img/hands_walk.jpg [--frames 100]
"""
from __future__ import annotations

import argparse
import json
import time

import cv2
import numpy as np

from core.body.model import load_body_model
from core.detect.blazepose import detect_frames
from core.detect.hands import detect_hands
from core.fitting.hands import HAND_BONES, fit_hands
from core.inference.sources import open_source
from core.pipeline.hands import body_hand_skeleton

TILE = 240


def _tile(img: np.ndarray, box: np.ndarray, det: np.ndarray, fitted: np.ndarray, color, label: str) -> np.ndarray:
    x0, y0, x1, y1 = box
    s = TILE / (x1 - x0)
    m = np.array([[s, 0, -x0 * s], [0, s, -y0 * s]])
    tile = cv2.warpAffine(img, m, (TILE, TILE), flags=cv2.INTER_CUBIC, borderValue=(0, 0, 0))
    to = lambda p: (int(round((p[0] - x0) * s)), int(round((p[1] - y0) * s)))  # noqa: E731
    for a, b in HAND_BONES:
        cv2.line(tile, to(fitted[a]), to(fitted[b]), color, 2, cv2.LINE_AA)
    for p in det:
        cv2.circle(tile, to(p), 3, (0, 230, 0), -1, cv2.LINE_AA)
    cv2.putText(tile, label, (5, 18), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (255, 255, 255), 1, cv2.LINE_AA)
    return tile


def _side_view(tile: np.ndarray, points: np.ndarray, color) -> None:
    """Inset (bottom right) of the fitted hand's 3D points (21,3, camera axes) seen from the camera's side (depth z
    to the right, image y down): the finger curl the front view cannot show."""
    box = TILE // 3
    x0, y0 = TILE - box - 4, TILE - box - 4
    cv2.rectangle(tile, (x0, y0), (x0 + box, y0 + box), (20, 20, 20), -1)
    uv = points[:, [2, 1]] - points[:, [2, 1]].mean(0)
    s = 0.8 * box / max(float(np.ptp(uv, axis=0).max()), 1e-9)
    to = lambda p: (int(round(x0 + box / 2 + p[0] * s)), int(round(y0 + box / 2 + p[1] * s)))  # noqa: E731
    for a, b in HAND_BONES:
        cv2.line(tile, to(uv[a]), to(uv[b]), color, 1, cv2.LINE_AA)
    cv2.putText(tile, "side", (x0 + 3, y0 + 11), cv2.FONT_HERSHEY_SIMPLEX, 0.35, (255, 255, 255), 1, cv2.LINE_AA)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("input")
    ap.add_argument("--out", required=True)
    ap.add_argument("--frames", type=int, default=100)
    ap.add_argument("--tiles", type=int, default=8)
    args = ap.parse_args(argv)
    src = open_source(args.input)
    frames = [f for f in src.frames(0) if f[0] < args.frames]
    t0 = time.perf_counter()
    body = detect_frames(iter(frames), fps=src.info.fps)
    t1 = time.perf_counter()
    hands = detect_hands(iter(frames), body)
    t2 = time.perf_counter()
    fit = fit_hands(body_hand_skeleton(load_body_model(None), np.zeros(10)), hands)
    t3 = time.perf_counter()
    palm = np.linalg.norm(hands.points2d[..., 9, :] - hands.points2d[..., 0, :], axis=-1)
    rel = fit.reprojection_px / np.where(palm > 0, palm, np.nan)
    stats = {"frames": len(frames), "body_found": int(body.found.sum()),
             "hands_found_left_right": hands.found.sum(0).tolist(),
             "reprojection_px_median": float(np.nanmedian(fit.reprojection_px)) if hands.found.any() else None,
             "reprojection_palm_median": float(np.nanmedian(rel)) if hands.found.any() else None,
             "palm_px_median": float(np.median(palm[hands.found])) if hands.found.any() else None,
             "seconds": {"body": round(t1 - t0, 1), "hands": round(t2 - t1, 1), "fit": round(t3 - t2, 1)}}
    print(json.dumps(stats, indent=1))
    rows = [(i, s) for i in range(len(frames)) for s in (0, 1) if hands.found[i, s]]
    pick = [rows[k] for k in np.linspace(0, len(rows) - 1, min(args.tiles, len(rows))).astype(int)] if rows else []
    tiles = []
    for i, s in pick:
        img = frames[i][1]
        color = (230, 40, 40) if s == 0 else (40, 80, 255)
        tiles.append(_tile(img, hands.crops[i, s], hands.points2d[i, s], fit.points2d[i, s], color,
                           f"frame {int(hands.frame_index[i])} {('left', 'right')[s]}"))
        _side_view(tiles[-1], fit.points[i, s], color)
    if not tiles:  # no hand found: show the searched crops so the picture says why
        for i in range(min(len(frames), 2)):
            for s in (0, 1):
                if hands.crops[i, s].any():
                    tiles.append(_tile(frames[i][1], hands.crops[i, s], np.zeros((0, 2)), np.zeros((21, 2)) +
                                       hands.crops[i, s][:2], (0, 0, 0), f"frame {i} {('left', 'right')[s]}: none"))
    if tiles:
        while len(tiles) % 4 and len(tiles) > 4:
            tiles.append(np.zeros_like(tiles[0]))
        rows_img = [np.concatenate(tiles[k:k + 4], axis=1) for k in range(0, len(tiles), 4)]
        cv2.imwrite(args.out, cv2.cvtColor(np.concatenate(rows_img, axis=0), cv2.COLOR_RGB2BGR))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
