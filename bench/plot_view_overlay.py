"""The motion file's filming camera at work: the file's body drawn through its own per-frame camera (``view_*``)
over four frames of the footage (issue 22). If the camera is right, the mesh covers the person.

    .venv/bin/python bench/plot_view_overlay.py VIDEO.mp4 MOTION.npz OUT.png
"""
import sys

import cv2
import numpy as np
import os
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_moving import _rotmats
from core.body.model import load_body_model
from core.body.discovery import OPEN_BODY_PATH
from core.motion import read_motion
from core.inference.world import WorldTrajectory
from core.inference.overlay import overlay_frames
from core.inference.sources import open_source
body = load_body_model(OPEN_BODY_PATH)
m = read_motion(sys.argv[2])
w = WorldTrajectory(_rotmats(m), m.trans, m.view.R[0], m.view.t[0], m.view.R, m.view.t)
src = open_source(sys.argv[1])
n = m.num_frames
picks = [0, n // 3, 2 * n // 3, n - 1]
fr = overlay_frames(src, body, w, m.betas, m.valid, float(m.view.K[0, 0]), picks)
im = np.vstack([np.hstack([fr[picks[0]][1], fr[picks[1]][1]]), np.hstack([fr[picks[2]][1], fr[picks[3]][1]])])
cv2.imwrite(sys.argv[3], cv2.resize(im[..., ::-1], None, fx=0.5, fy=0.5))
