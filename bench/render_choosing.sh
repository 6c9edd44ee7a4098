#!/bin/bash
# The choosing renders of issue 20 (docs/experiments.md): real motion capture on the open body, static cameras,
# rendered with their truth (bench/render_moving.py). Never CMU 01, 55 or 131 (the evaluation subjects), never
# subject 2 (the held-out renders).
#   choose/   subjects 3, 5, 6, 7 (5–7 are in every model's training set; fit-side choices)
#   choose2/  subject 3 (held out of every training run): the evaluation set's views, side, high, back
#   val135/   CMU 135's karate kata: a validation subject for learned 3D trained with train.mocap_exclude=[135]
#   lowc/     subjects 3, 5, 6 with the camera 0.6-2.0 m up (session 10: BlazePose's lean against the camera's
#             height, bench/lean_bias.py; the lean chosen on these with the sets above)
#   probe/    subjects 5 and 7 seen from the front, standing (005_12) and walking towards the camera (007_04): the
#             analogues of eval3's 002_06_front skate (docs/experiments.md, issue 20 session 10, part 8)
# Usage: bash bench/render_choosing.sh CLIPS OUT   (CLIPS: a converted set's clips/, python -m training.data.mocap
# build; OUT: where the three folders go). ~1.5 min a clip on 2 cores.
set -euo pipefail
C=${1:?converted mocap clips folder}; O=${2:?output folder}
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
r() { local out=$1 clip=$2; shift 2; mkdir -p "$(dirname "$O/$out")"
      [ -e "$O/$out.mp4" ] || nice -n 10 "$PY" bench/render_moving.py --motion mocap --mocap-clip "$C/$clip.npz" \
          --camera static --size 960x540 "$@" --out "$O/$out.mp4"; }
r choose/003_01        iclone-cmu_003_01 --frames 150 --azimuth 20
r choose/003_02_diag   iclone-cmu_003_02 --frames 150 --azimuth 45
r choose/005_18_side   iclone-cmu_005_18 --frames 150 --azimuth 90
r choose/006_12_high   iclone-cmu_006_12 --frames 150 --azimuth 210 --height 2.6
r choose/005_04_low    iclone-cmu_005_04 --frames 150 --azimuth 60 --height 0.7
r choose/006_10_far    iclone-cmu_006_10 --frames 150 --azimuth 120 --distance 9
r choose/007_03_back   iclone-cmu_007_03 --frames 150 --azimuth 270
r choose2/003_01_side  iclone-cmu_003_01 --frames 150 --azimuth 0
r choose2/003_02_high  iclone-cmu_003_02 --frames 150 --azimuth 90 --height 2.6
r choose2/003_01_back  iclone-cmu_003_01 --frames 150 --azimuth 200
r val135/135_01_side   keijiro-cmu_135_01 --start 120 --frames 180 --azimuth 0
r val135/135_02_front  keijiro-cmu_135_02 --start 120 --frames 180 --azimuth 90
r val135/135_02_side   keijiro-cmu_135_02 --start 120 --frames 180 --azimuth 180
r lowc/003_01_h06       iclone-cmu_003_01 --frames 150 --azimuth 20 --height 0.6
r lowc/003_01_h09       iclone-cmu_003_01 --frames 150 --azimuth 20 --height 0.9
r lowc/003_01_h12       iclone-cmu_003_01 --frames 150 --azimuth 20 --height 1.2
r lowc/003_01_h20       iclone-cmu_003_01 --frames 150 --azimuth 20 --height 2.0
r lowc/006_12_h07       iclone-cmu_006_12 --frames 150 --azimuth 210 --height 0.7
r lowc/005_18_h08       iclone-cmu_005_18 --frames 150 --azimuth 90 --height 0.8
r lowc/006_10_h08       iclone-cmu_006_10 --frames 150 --azimuth 120 --height 0.8
r lowc/003_02_h09       iclone-cmu_003_02 --frames 150 --azimuth 45 --height 0.9
r lowc/005_04_h12       iclone-cmu_005_04 --frames 150 --azimuth 60 --height 1.2
r lowc/005_04_h20       iclone-cmu_005_04 --frames 150 --azimuth 60 --height 2.0
r probe/005_12_front     iclone-cmu_005_12 --frames 150 --azimuth 90
r probe/007_04_front     iclone-cmu_007_04 --frames 150 --azimuth 90
