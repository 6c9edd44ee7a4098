"""The world lifter's training (core/model/world_lifter.py): ``python -m training.lifter``."""
