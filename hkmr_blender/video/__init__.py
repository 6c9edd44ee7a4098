"""The video room: Motion from Video. bpy-free :mod:`.job` (runs ``hkmr infer`` in a subprocess, reads its
``--progress json`` lines, cancels cleanly); :mod:`.operators` (the modal operator)."""
