"""Saving a run: config.yaml, metrics.csv, summary.json and the plots, all or nothing."""

from __future__ import annotations

from pathlib import Path

from lossexp import atomic, config, writers
from lossexp.experiment import RunResult


def versions() -> dict:
    import numpy

    from lossexp import __version__
    return {"lossexp": __version__, "numpy": numpy.__version__}


def run_directory(outputs: Path, name: str) -> Path:
    return Path(outputs) / name


def save_run(result: RunResult, outputs: Path, *, plots: bool | None = None) -> Path:
    """Write the run under outputs/<name>/, replacing any previous run there atomically."""
    cfg = result.config
    final = run_directory(outputs, cfg["name"])
    with atomic.building_directory(final) as tmp:
        resolved = {**cfg, "versions": versions()}
        atomic.write_text(tmp / "config.yaml", config.dump(resolved))
        atomic.write_text(tmp / "metrics.csv", writers.csv_text(result.metrics))
        atomic.write_text(tmp / "summary.json", writers.json_text(result.summary))
        if cfg["plots"] if plots is None else plots:
            from lossexp.plots import plot_run
            plot_run(cfg, result.metrics, result.summary, tmp)
    return final
