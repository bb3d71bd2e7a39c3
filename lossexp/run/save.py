"""Saving a run: config.yaml, metrics.csv, summary.json and the plots, all or nothing."""

from __future__ import annotations

from pathlib import Path

from lossexp import config
from lossexp.output import atomic, serialize
from lossexp.output.rundir import check_outputs_root, result_directory, run_directory, versions
from lossexp.run.experiment import RunResult


def recorded_rows(rows: int, every: int):
    """The rows metrics.csv keeps: every ``every``-th epoch from 0, and always the last."""
    import numpy as np

    picked = np.arange(0, rows, every)
    return picked if picked[-1] == rows - 1 else np.append(picked, rows - 1)


def save_run(result: RunResult, outputs: Path, *, plots: bool | None = None) -> Path:
    """Write the run under outputs/<name>/, replacing an earlier result there atomically;
    anything there that lossexp did not write is refused (``rundir.earlier_result``)."""
    cfg = result.config
    final = run_directory(outputs, cfg["name"])
    check_outputs_root(outputs)
    with result_directory(final, "run") as tmp:
        resolved = {**cfg, "versions": versions()}
        atomic.write_text(tmp / "config.yaml", config.dump(resolved))
        atomic.write_blocks(tmp / "metrics.csv", serialize.csv_blocks(
            result.metrics, recorded_rows(len(result.metrics["epoch"]), cfg["train"]["record_every"])))
        atomic.write_text(tmp / "summary.json", serialize.json_text(result.summary))
        if result.output_preactivations:
            atomic.write_text(tmp / "output_preactivations.csv",
                              serialize.csv_text(result.output_preactivations))
        if cfg["plots"] if plots is None else plots:
            from lossexp.run.figures import plot_run
            plot_run(cfg, result.metrics, result.summary, tmp, result.output_preactivations,
                     result.data.y if result.data is not None else None)
    return final
