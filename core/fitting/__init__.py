"""Fitting the body to observations: SMPLify on crop keypoints (training's loop, ``hkmr infer --refine``)
and the temporal clip fit HKMR_MF on detector landmarks (:mod:`core.fitting.clip`)."""
