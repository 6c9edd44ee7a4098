"""Video / images → motion file: frame sources, person boxes and tracking, crops, the batched
resumable runner, full-image cameras (CLIFF), world trajectory and temporal smoothing.

Entry points: :func:`core.inference.runner.run_inference` and the ``hkmr infer`` command
(:func:`core.inference.cli.add_infer_parser`). See docs/inference.md.
"""
