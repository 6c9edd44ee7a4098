"""HKMR model: ResNet backbones, the hierarchical (HKMR) and IEF (HMR/SPIN) heads, builder, checkpoints.

Entry points: ``core.model.builder.build_model(ModelConfig)``, ``core.model.mesh_regressor.predict``,
``core.model.checkpoint.save_checkpoint / load_checkpoint / load_spin_checkpoint``.
"""
