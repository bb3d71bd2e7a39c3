"""Helpers shared by the sweep tests (no tests here): small configs in a temporary folder."""

from pathlib import Path

import yaml

BASE = {
    "task": {"kind": "one_to_zero"},
    "model": {"kind": "neuron", "activation": "sigmoid", "init": {"w": 2.0, "b": 2.0}},
    "loss": "quadratic",
    "train": {"lr": 0.15, "epochs": 300},
    "plots": False,
}


def write_config(directory: Path, sweep: dict, name="sw", **changes) -> Path:
    """A sweep config named ``name``: BASE with ``changes`` (top-level keys) and ``sweep``."""
    data = {"name": name, **BASE, **changes, "sweep": sweep}
    path = Path(directory) / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


GRID = {"grid": {"w": {"from": -5, "to": 5, "steps": 7}, "b": {"from": -4, "to": 6, "steps": 5}},
        "losses": ["quadratic", "cross_entropy"]}


def run_files(run_dir: Path) -> dict[str, bytes]:
    """Every file of a finished run directory, by name."""
    return {p.name: p.read_bytes() for p in sorted(Path(run_dir).iterdir()) if p.is_file()}
