"""The keypoint model (HKMR on BlazePose landmarks): training, detector calibration, evaluation, the
HKMR-vs-HMR comparison. ``python -m training.keypoints {train,calibrate,testset,compare}``; see
docs/keypoint-model.md."""
