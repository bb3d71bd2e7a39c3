"""Saving a run: config.yaml, metrics.csv, summary.json and the plots, all or nothing."""

from __future__ import annotations

import os
from pathlib import Path

from lossexp import config

from lossexp.output import atomic

from lossexp.output import serialize
from lossexp.errors import ConfigError, LossexpError
from lossexp.run.experiment import RunResult


def versions() -> dict:
    import numpy

    from lossexp import __version__
    return {"lossexp": __version__, "numpy": numpy.__version__}


def check_outputs_root(outputs: Path) -> None:
    """Fail early, before any training, if results could not be written under ``outputs``.

    Nothing is created: the directory is made only when the first run is saved.
    """
    outputs = Path(outputs)
    where = f"--outputs {outputs}"
    if outputs.exists() and not outputs.is_dir():
        raise ConfigError(where, "", "is not a directory")
    existing = outputs
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise ConfigError(where, "", f"{existing} is not a directory")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise ConfigError(where, "", f"cannot write in {existing}")


def run_directory(outputs: Path, name: str) -> Path:
    """outputs/<name>; a name that would lead anywhere else is refused."""
    if not name or name in (".", "..") or Path(name).name != name or "\\" in name:
        raise LossexpError(f"run name {name!r} would write outside {outputs}")
    return Path(outputs) / name


def save_run(result: RunResult, outputs: Path, *, plots: bool | None = None) -> Path:
    """Write the run under outputs/<name>/, replacing any previous run there atomically."""
    cfg = result.config
    final = run_directory(outputs, cfg["name"])
    check_outputs_root(outputs)
    with atomic.building_directory(final) as tmp:
        resolved = {**cfg, "versions": versions()}
        atomic.write_text(tmp / "config.yaml", config.dump(resolved))
        atomic.write_text(tmp / "metrics.csv", serialize.csv_text(result.metrics))
        atomic.write_text(tmp / "summary.json", serialize.json_text(result.summary))
        if result.output_preactivations:
            atomic.write_text(tmp / "output_preactivations.csv",
                              serialize.csv_text(result.output_preactivations))
        if cfg["plots"] if plots is None else plots:
            from lossexp.run.figures import plot_run
            plot_run(cfg, result.metrics, result.summary, tmp, result.output_preactivations)
    return final
