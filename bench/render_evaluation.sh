#!/bin/bash
# Issue 20's evaluation renders (docs/experiments.md): real motion of the evaluation subjects — CMU 131 (its two
# BVH clips, /work/shared/data/cmu_131) and CMU subject 2 (held out of every training split) — on the open body,
# static cameras, with their truth. Nothing is chosen on them: a candidate chosen on the choosing renders
# (bench/render_choosing.sh) is scored here once, by a rule written down before the run.
#   rs/     the set scored since session 2 (five clips; 131_02 side, 131_03 front, 002_05, 002_06 side, 002_07 high)
#   eval2/  a second set rendered in session 8 and not scored then: other clips and views of the same subjects, for
#           the next decisions once rs/ has been looked at for a question
#   eval3/  a third set (session 10), other stretches and views of the same subjects, rendered for the next
#           decision once eval2 had been scored twice
#   eval5/  a fifth set (session 13), for the next decision once eval4 had been scored twice: subject 2's walk and run
#           (002_02, 002_03: no set had them) and new stretches and cameras of 002, 131 and 001
#   eval6/  a sixth set (session 14), for the next decision once eval5 had been scored twice: new stretches and
#           cameras of the same subjects (002's walks and run from new sides, later stretches of 002_06–002_10)
#   eval7/  a seventh set (session 14), for the decision after eval6's two: stretches of 002 no set had (002_05 from
#           frame 350, 002_06 150–250, 002_07 150–250, 002_09 from 150, 002_10 210–360) and new cameras
#   eval8/  an eighth set (session 15), for a decision once eval7 had become development data: subject 2's jumps
#           (002_04) from two new cameras, new stretches and cameras of 002, 131 and 001
#   eval4/  a fourth set (session 11): a person no decision has seen, CMU subject 1 (reserved for evaluation:
#           converted for these renders only by bench/eval_clips.py, never by the training builder), 001_01
#           "playground - forward jumps, turn around", five stretches, five cameras
# Usage: bash bench/render_evaluation.sh CLIPS OUT [RESERVED]   (CLIPS: a converted set's clips/ holding subject 2;
#   RESERVED: bench/eval_clips.py's folder holding iclone-cmu_001_01.npz, for eval4 — left out without it).
set -euo pipefail
C=${1:?converted mocap clips folder}; O=${2:?output folder}; E=${3:-}
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
r() { local out=$1; shift; mkdir -p "$(dirname "$O/$out")"
      [ -e "$O/$out.mp4" ] || nice -n 10 "$PY" bench/render_moving.py --camera static --size 960x540 "$@" \
          --out "$O/$out.mp4"; }
s2() { local out=$1 clip=$2; shift 2; r "$out" --motion mocap --mocap-clip "$C/iclone-cmu_$clip.npz" "$@"; }
r  rs/131_02_side    --motion cmu --clip 131_02 --frames 150
r  rs/131_03_front   --motion cmu --clip 131_03 --frames 150 --azimuth 90
s2 rs/002_05_front   002_05 --frames 150 --azimuth 60
s2 rs/002_06_side    002_06 --frames 150 --azimuth 0
s2 rs/002_07_high    002_07 --frames 150 --azimuth 30 --height 2.6
r  eval2/131_02_front  --motion cmu --clip 131_02 --frames 150 --azimuth 120
r  eval2/131_03_high   --motion cmu --clip 131_03 --frames 150 --azimuth 30 --height 2.6
s2 eval2/002_04_side   002_04 --frames 120 --azimuth 0
s2 eval2/002_08_back   002_08 --frames 150 --azimuth 240
s2 eval2/002_10_diag   002_10 --start 60 --frames 150 --azimuth 45
s2 eval2/002_09_low    002_09 --frames 150 --azimuth 150 --height 0.8
r  eval3/131_02_back     --motion cmu --clip 131_02 --start 150 --frames 150 --azimuth 250
r  eval3/131_03_low      --motion cmu --clip 131_03 --start 150 --frames 120 --azimuth 160 --height 0.8
s2 eval3/002_05_back   002_05 --start 200 --frames 150 --azimuth 220
s2 eval3/002_06_front  002_06 --start 250 --frames 150 --azimuth 100
s2 eval3/002_07_low    002_07 --start 250 --frames 150 --azimuth 300 --height 0.8
s2 eval3/002_01_diag   002_01 --azimuth 135
s2 eval5/002_02_a70    002_02 --azimuth 70
s2 eval5/002_02_high   002_02 --azimuth 200 --height 2.2
s2 eval5/002_03_a330   002_03 --azimuth 330
s2 eval5/002_01_low    002_01 --azimuth 270 --height 0.9
s2 eval5/002_04_high   002_04 --frames 120 --azimuth 120 --height 2.2
s2 eval5/002_10_a200   002_10 --frames 150 --azimuth 200
r  eval5/131_02_a300   --motion cmu --clip 131_02 --start 75 --frames 150 --azimuth 300 --height 2.0
r  eval5/131_03_a200   --motion cmu --clip 131_03 --start 100 --frames 150 --azimuth 200
s2 eval6/002_01_a20    002_01 --azimuth 20 --height 1.2
s2 eval6/002_02_far    002_02 --azimuth 160 --distance 6.5
s2 eval6/002_03_low    002_03 --azimuth 120 --height 0.9
s2 eval6/002_06_a250   002_06 --start 405 --frames 150 --azimuth 250
s2 eval6/002_07_a150   002_07 --start 400 --frames 150 --azimuth 150 --height 1.8
s2 eval6/002_08_a100   002_08 --start 200 --frames 150 --azimuth 100
s2 eval6/002_10_a300   002_10 --start 450 --frames 150 --azimuth 300
r  eval6/131_02_a210   --motion cmu --clip 131_02 --frames 150 --azimuth 210 --height 1.0
r  eval6/131_03_far    --motion cmu --clip 131_03 --frames 150 --azimuth 330 --distance 7
s2 eval7/002_01_a200   002_01 --azimuth 200 --height 2.0
s2 eval7/002_02_low    002_02 --azimuth 250 --height 0.9
s2 eval7/002_03_near   002_03 --azimuth 30 --distance 4
s2 eval7/002_04_a300   002_04 --azimuth 300 --height 1.5
s2 eval7/002_05_a90    002_05 --start 350 --frames 113 --azimuth 90
s2 eval7/002_06_a20    002_06 --start 150 --frames 100 --azimuth 20
s2 eval7/002_07_a60    002_07 --start 150 --frames 100 --azimuth 60
s2 eval7/002_09_a270   002_09 --start 150 --frames 108 --azimuth 270
s2 eval7/002_10_a120   002_10 --start 210 --frames 150 --azimuth 120
r  eval7/131_02_high   --motion cmu --clip 131_02 --start 160 --frames 150 --azimuth 150 --height 2.4
r  eval7/131_03_a260   --motion cmu --clip 131_03 --start 125 --frames 150 --azimuth 260 --height 1.2
s2 eval8/002_04_a60    002_04 --azimuth 60 --height 1.2
s2 eval8/002_04_far    002_04 --azimuth 200 --distance 6
s2 eval8/002_01_a300   002_01 --azimuth 300 --height 1.5
s2 eval8/002_05_a160   002_05 --start 100 --frames 150 --azimuth 160
s2 eval8/002_08_a20    002_08 --start 50 --frames 150 --azimuth 20 --height 1.4
s2 eval8/002_09_a80    002_09 --start 60 --frames 150 --azimuth 80 --height 1.5
s2 eval8/002_10_a30    002_10 --start 500 --frames 150 --azimuth 30 --height 1.6
r  eval8/131_02_a60    --motion cmu --clip 131_02 --start 100 --frames 150 --azimuth 60 --height 1.6
r  eval8/131_03_a120   --motion cmu --clip 131_03 --start 50 --frames 150 --azimuth 120 --height 1.5
if [ -n "$E" ]; then
  s1() { local out=$1; shift; r "$out" --motion mocap --mocap-clip "$E/iclone-cmu_001_01.npz" "$@"; }
  s1 eval4/001_01_a0               --frames 150 --azimuth 0
  s1 eval4/001_01_a90   --start 150 --frames 150 --azimuth 90
  s1 eval4/001_01_high  --start 300 --frames 150 --azimuth 200 --height 2.6
  s1 eval4/001_01_low   --start 450 --frames 150 --azimuth 300 --height 0.8
  s1 eval4/001_01_far   --start 538 --frames 150 --azimuth 135 --distance 8
  s1 eval5/001_01_a45   --start 75 --frames 150 --azimuth 45 --height 1.2
  s1 eval5/001_01_a240  --start 375 --frames 150 --azimuth 240 --distance 7
  s1 eval6/001_01_a160  --start 225 --frames 150 --azimuth 160 --height 1.8
  s1 eval6/001_01_a20   --start 520 --frames 150 --azimuth 20 --height 1.1
  s1 eval7/001_01_far6  --start 100 --frames 150 --azimuth 100 --distance 6
  s1 eval8/001_01_a300  --start 250 --frames 150 --azimuth 300 --height 1.4
  s1 eval8/001_01_a200  --start 420 --frames 150 --azimuth 200 --height 1.0
fi
