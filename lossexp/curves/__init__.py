"""Curve-shape regression: baselines, checking runs against them, comparing runs."""
