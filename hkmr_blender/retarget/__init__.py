"""Retargeting SMPL motion onto humanoid rigs: bpy-free mapping (:mod:`.mapping`) and math
(:mod:`.solve`); the bpy layer is :mod:`.apply` (imported by the operators only)."""
