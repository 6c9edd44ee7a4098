"""Real footage → motion file, as a sequence of named stages (each a small module, dataclasses in and out):

    frames (core.inference.sources) ─► detect (detect.py: BlazePose → Landmarks, resumable per chunk)
        ─► start (start.py: the keypoint model's estimate) ─► fit (fit.py: HKMR_MF clip fit, core.fitting) ─► motion file (motion.py: Y-up world on the fitted
        floor, contacts, confidence, validity) ─► scores (scores.py) ; run.py strings them together, timed.

The raw network path (``hkmr infer --no-fit``) stays in :mod:`core.inference.runner`.
"""
