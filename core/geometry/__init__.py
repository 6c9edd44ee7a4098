"""Rotations and cameras (torch)."""
