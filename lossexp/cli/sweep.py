"""lossexp sweep: train many initialisations at once and map how long each takes."""

from __future__ import annotations

import shlex
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from lossexp.cli._app import (EXIT_INTERRUPTED, ConfigArg, DebugOpt, OutputsOpt, QuietOpt,
                              SetOpt, app, guarded, print_error)


class Executor(str, Enum):
    local = "local"
    dask = "dask"


def resume_command(config: Path, sets: list[str], outputs: Path, executor: Executor,
                   scheduler: str | None, workers: int | None, chunk_size: int | None) -> str:
    """The command that finishes an interrupted sweep."""
    args = ["lossexp", "sweep", str(config)]
    for text in sets:
        args += ["--set", text]
    args += ["--outputs", str(outputs)]
    if executor is Executor.dask:
        args += ["--executor", "dask"] + (["--scheduler", scheduler] if scheduler else [])
    if workers:
        args += ["--workers", str(workers)]
    if chunk_size:
        args += ["--chunk-size", str(chunk_size)]
    return shlex.join(args + ["--resume"])


class SweepProgress:
    """A rich progress bar over chunks, with neuron-epochs per second and the time left.

    Silent when quiet or when stderr is not a terminal (CI logs, pipes).
    """

    def __init__(self, enabled: bool):
        self.enabled, self.bar, self.task = enabled, None, None

    def start(self, plan, finished: int) -> None:
        import sys
        import time

        if not self.enabled or not sys.stderr.isatty():
            return
        from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

        from lossexp.console import err

        todo = [plan.chunk(i) for i in range(plan.total_chunks)][finished:]
        work = sum(plan.neuron_epochs(c) for c in todo)
        self.bar = Progress(TextColumn("{task.description}"), BarColumn(),
                            TextColumn("{task.fields[chunks]}"), TextColumn("{task.fields[rate]}"),
                            TimeRemainingColumn(), console=err, transient=True)
        self.task = self.bar.add_task(f"sweep {plan.config['name']}", total=max(work, 1),
                                      chunks=f"{finished}/{plan.total_chunks} chunks", rate="")
        self.finished, self.total, self.began = finished, plan.total_chunks, time.perf_counter()
        self.bar.start()

    def advance(self, chunk, neuron_epochs: int) -> None:
        if self.bar is None:
            return
        import time

        self.finished += 1
        self.bar.advance(self.task, neuron_epochs)
        done = self.bar.tasks[0].completed
        rate = done / max(time.perf_counter() - self.began, 1e-9)
        self.bar.update(self.task, chunks=f"{self.finished}/{self.total} chunks",
                        rate=f"{rate / 1e6:.0f} M neuron-epochs/s")

    def stop(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def report(summary: dict, run_dir: Path) -> None:
    """The notes' sentence per series, filled in, and the percentiles behind it."""
    from rich.table import Table

    from lossexp.console import out
    from lossexp.sweep.summary import LEGEND

    first = summary["series"][0]
    out.print(f"{summary['name']}: {first['starts']} starts x {len(summary['series'])} series, "
              f"{summary['epochs']} epochs, target |a - y| < {summary['tolerance']:g}",
              markup=False)
    table = Table(title_justify="left")
    for column in ("series", "median", "p90", "p99", "max", "never reached", "diverged"):
        table.add_column(column, justify="left" if column == "series" else "right")
    for row in summary["series"]:
        ett = row["epochs_to_target"]
        cells = [ett[k] for k in ("median", "p90", "p99", "max")]
        table.add_row(row["series"], *("never" if v is None else str(v) for v in cells),
                      str(row["never_reached"]), str(row["diverged"]))
    out.print(table)
    for row in summary["series"]:
        out.print(f"{row['series']}: {row['sentence']}", markup=False)
    out.print(f"({LEGEND}; percentiles in summary.json; written to {run_dir})", markup=False)


@app.command()
def sweep(config: ConfigArg, set_: SetOpt = None, outputs: OutputsOpt = Path("outputs"),
          executor: Annotated[Executor, typer.Option(
              help="local: this machine's cores (processes); dask: a Dask cluster.")] = Executor.local,
          scheduler: Annotated[Optional[str], typer.Option(
              metavar="ADDRESS", help="Dask scheduler to use, e.g. tcp://10.0.0.5:8786; "
                                      "without it, --executor dask starts a local cluster.")] = None,
          workers: Annotated[Optional[int], typer.Option(
              min=1, help="Worker processes (default: one per core).")] = None,
          chunk_size: Annotated[Optional[int], typer.Option(
              min=1, help="Starts trained together in one batch (default 16384; the files do "
                          "not depend on it).")] = None,
          resume: Annotated[bool, typer.Option(
              help="Finish an interrupted sweep: train only the chunks not yet done.")] = False,
          plots: Annotated[bool, typer.Option(help="Draw the PNG figures.")] = True,
          quiet: QuietOpt = False, debug: DebugOpt = False) -> None:
    """Train every start of CONFIG's sweep: section (a (w, b) grid or random starts) and save
    sweep.csv, summary.json and the figures under OUTPUTS/<name>/."""
    sets = list(set_ or ())
    command = resume_command(config, sets, outputs, executor, scheduler, workers, chunk_size)
    with guarded(debug):
        from lossexp.errors import LossexpError
        from lossexp.sweep import SweepIncomplete, load_sweep_config, run_sweep

        if scheduler and executor is not Executor.dask:
            raise LossexpError("--scheduler needs --executor dask")
        cfg = load_sweep_config(config, sets)
        from lossexp.sweep.executors import default_workers

        local = "processes" if (workers or default_workers()) > 1 else "threads"
        progress = SweepProgress(not quiet)
        try:
            result = run_sweep(cfg, outputs, executor="dask" if executor is Executor.dask else local,
                               workers=workers, scheduler=scheduler, chunk_size=chunk_size,
                               resume=resume, plots=plots and cfg["plots"],
                               on_start=progress.start, on_chunk=progress.advance)
        except KeyboardInterrupt:
            progress.stop()
            print_error(f"interrupted; finished chunks are kept. Resume with: {command}")
            raise typer.Exit(EXIT_INTERRUPTED) from None
        except SweepIncomplete as exc:
            progress.stop()
            for failure in exc.failures:
                print_error(str(failure))
            print_error(f"{exc}; fix the cause and finish with: {command}")
            raise typer.Exit(1) from None
        progress.stop()
        if not quiet:
            report(result.summary, result.run_dir)
