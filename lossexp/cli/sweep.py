"""lossexp sweep: train many initialisations at once and map how long each takes."""

from __future__ import annotations

import time
from datetime import timedelta
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from lossexp.cli._app import (
    ConfigArg,
    DataDirOpt,
    DebugOpt,
    OutputsOpt,
    PlotsOpt,
    QuietOpt,
    SetOpt,
    app,
    chosen,
    data_dirs,
    guarded,
    ignore_ctrl_c,
    interrupted,
    print_error,
)


class Executor(str, Enum):
    local = "local"
    threads = "threads"
    processes = "processes"
    dask = "dask"


def resume_command(config: Path, *, sets: list[str], outputs: Path,
                   executor: Executor | None, scheduler: str | None, workers: int | None,
                   chunk_size: int | None, plots: bool | None, rows: bool | None,
                   quiet: bool, debug: bool, connect_timeout: float | None = None) -> str:
    """The command as it was given, plus --resume: it finishes an interrupted sweep."""
    from lossexp.output.text import shell_command

    args = ["lossexp", "sweep", config]
    for text in sets:
        args += ["--set", text]
    args += ["--outputs", outputs]
    if executor is not None:
        args += ["--executor", executor.value]
    if scheduler:
        args += ["--scheduler", scheduler]
    if connect_timeout:
        args += ["--connect-timeout", f"{connect_timeout:g}"]
    if workers:
        args += ["--workers", workers]
    if chunk_size:
        args += ["--chunk-size", chunk_size]
    flags = {"--plots": plots is True, "--no-plots": plots is False, "--rows": rows is True,
             "--no-rows": rows is False, "--quiet": quiet, "--debug": debug}
    return shell_command(*args, *(flag for flag, given in flags.items() if given), "--resume")


def _connect_wait(timeout: float | None) -> str:
    if timeout:
        return f"{timeout:g} s"
    try:
        import dask.config
        from dask.utils import parse_timedelta

        seconds = parse_timedelta(dask.config.get("distributed.comm.timeouts.connect"))
        return f"{seconds:g} s, Dask's distributed.comm.timeouts.connect"
    except Exception:  # noqa: BLE001 - no dask: the executor says so next
        return "Dask's distributed.comm.timeouts.connect"


def interrupted_sweep(exc: KeyboardInterrupt, cfg: dict, outputs: Path, command: str) -> str:
    """What a stopped sweep says: the command that resumes it, if it left chunks to resume."""
    from lossexp.output.rundir import run_directory
    from lossexp.sweep.store import ChunkStore

    try:
        kept = ChunkStore(run_directory(outputs, cfg["name"])).finished()
    except Exception:  # noqa: BLE001 - a bad name was refused already; say the general case
        kept = {0}
    if not kept:
        return f"{interrupted(exc)} before any chunk was finished; nothing was kept"
    return f"{interrupted(exc)}; finished chunks are kept. Resume with: {command}"


def clock_time(seconds: float) -> str:
    """Seconds as h:mm:ss, rounded to the second."""
    return str(timedelta(seconds=round(seconds)))


class SweepProgress:
    """A progress bar over chunks, with neuron-epochs per second and the time left.

    Shown only on a terminal (``console``, by default stderr) and never when quiet, so CI
    logs and pipes stay clean. The rate counts the work of this call only: chunks finished
    by an earlier, interrupted call are neither work done nor work left.
    """

    def __init__(self, quiet: bool, *, console=None, clock=time.monotonic):
        self.quiet, self.console, self.clock = quiet, console, clock
        self.bar = None

    def start(self, plan, done: frozenset[int]) -> None:
        if self.quiet:
            return
        from lossexp.cli import console as terminal

        console = self.console or terminal.err
        if not console.is_terminal:
            return
        from rich.progress import BarColumn, Progress, TextColumn

        todo = [plan.chunk(i) for i in range(plan.total_chunks) if i not in done]
        self.work, self.trained = sum(plan.neuron_epochs(c) for c in todo), 0
        self.chunks, self.total, self.began = len(done), plan.total_chunks, self.clock()
        self.bar = Progress(TextColumn("{task.description}"), BarColumn(),
                            TextColumn("{task.fields[status]}"), console=console,
                            transient=True, auto_refresh=False)
        self.task = self.bar.add_task(f"sweep {plan.config['name']}", total=max(self.work, 1),
                                      status=self.status())
        self.bar.start()

    def status(self) -> str:
        """Chunks done; once one is, the rate so far and the time left at that rate."""
        text = f"{self.chunks}/{self.total} chunks"
        elapsed = self.clock() - self.began
        if self.trained == 0 or elapsed <= 0:
            return text
        rate = self.trained / elapsed
        return (f"{text}  {rate / 1e6:.0f} M neuron-epochs/s  "
                f"{clock_time((self.work - self.trained) / rate)} left")

    def advance(self, chunk, neuron_epochs: int) -> None:
        if self.bar is None:
            return
        self.chunks += 1
        self.trained += neuron_epochs
        self.bar.update(self.task, completed=self.trained, status=self.status(), refresh=True)

    def stop(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def _note_a_missing_kernel() -> None:
    from lossexp.cli.console import out
    from lossexp.train import neuron_kernel

    if not neuron_kernel.available():
        out.print("(lossexp was installed without its compiled sweep kernel, for want of a C "
                  "compiler: the sigmoid neuron trained on the NumPy engine, with the same "
                  "results, about 3x slower)", markup=False)


def report(summary: dict, run_dir: Path) -> None:
    """The notes' sentence per series, filled in, and the percentiles behind it."""
    from rich.table import Table

    from lossexp.cli.console import out
    from lossexp.output.text import cell
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
        table.add_row(row["series"], *(cell(v, none="never") for v in cells),
                      str(row["never_reached"]), str(row["diverged"]))
    out.print(table)
    for row in summary["series"]:
        out.print(f"{row['series']}: {row['sentence']}", markup=False)
    out.print(f"({LEGEND}; percentiles in summary.json; written to {run_dir})", markup=False)


@app.command()
def sweep(config: ConfigArg, set_: SetOpt = None, outputs: OutputsOpt = Path("outputs"),
          executor: Annotated[Optional[Executor], typer.Option(
              help="Where chunks run. local (the default): worker processes, one per core, "
                   "or threads where they do as well (--workers 1; --no-rows on the compiled "
                   "kernel, big chunks); threads or processes: always those; dask: a Dask "
                   "cluster.",
              show_default=False)] = None,
          scheduler: Annotated[Optional[str], typer.Option(
              metavar="ADDRESS", help="Dask scheduler to use, e.g. tcp://10.0.0.5:8786; "
                                      "without it, --executor dask starts a local cluster.")] = None,
          workers: Annotated[Optional[int], typer.Option(
              min=1, help="Worker threads or processes (default: one per core).")] = None,
          chunk_size: Annotated[Optional[int], typer.Option(
              min=1, help="Starts trained together in one batch (default 16384; the files do "
                          "not depend on it).")] = None,
          connect_timeout: Annotated[Optional[float], typer.Option(
              min=0.1, metavar="SECONDS",
              help="How long to wait for the --scheduler to answer [default: Dask's "
                   "distributed.comm.timeouts.connect, 30 s].")] = None,
          resume: Annotated[bool, typer.Option(
              help="Finish an interrupted sweep: train only the chunks not yet done.")] = False,
          plots: PlotsOpt = None,
          rows: Annotated[Optional[bool], typer.Option(
              "--rows/--no-rows", show_default=False,
              help="Write sweep.csv, a row per start, or not (only summary.json and the "
                   "figures; much faster for millions of starts) [default: as the config's "
                   "sweep.rows says, true unless set].")] = None,
          quiet: QuietOpt = False, debug: DebugOpt = False,
          data_dir: DataDirOpt = None) -> None:
    """Train every start of CONFIG's sweep: section (a (w, b) grid or random starts) and save
    sweep.csv, summary.json and the figures under OUTPUTS/<name>/."""
    sets = list(set_ or ())
    command = resume_command(config, sets=sets, outputs=outputs, executor=executor,
                             scheduler=scheduler, workers=workers, chunk_size=chunk_size,
                             plots=plots, rows=rows, quiet=quiet, debug=debug,
                             connect_timeout=connect_timeout)
    with guarded(debug):
        from lossexp.errors import exit_status
        from lossexp.sweep import SweepIncomplete, load_sweep_config, run_sweep

        with data_dirs(data_dir):
            cfg = load_sweep_config(config, sets)
        cfg["plots"] = chosen(plots, cfg["plots"])  # config.yaml records what was drawn
        cfg["sweep"]["rows"] = chosen(rows, cfg["sweep"]["rows"])  # ... and what was written
        where = {"executor": executor.value} if executor else {}  # else run_sweep's default
        progress = SweepProgress(quiet)
        try:
            if scheduler and executor is Executor.dask and not quiet:
                from lossexp.cli.console import note

                note(f"connecting to the Dask scheduler at {scheduler} (waiting up to "
                     f"{_connect_wait(connect_timeout)}; --connect-timeout sets it)")
            result = run_sweep(cfg, outputs, **where, workers=workers, scheduler=scheduler,
                               chunk_size=chunk_size, resume=resume,
                               connect_timeout=connect_timeout,
                               on_start=progress.start, on_chunk=progress.advance)
        except KeyboardInterrupt as exc:
            ignore_ctrl_c()
            progress.stop()
            print_error(interrupted_sweep(exc, cfg, outputs, command))
            raise typer.Exit(exit_status(exc)) from None
        except SweepIncomplete as exc:
            progress.stop()
            for failure in exc.failures:
                print_error(str(failure))
            print_error(f"{exc}. If the cause was transient (memory, a lost worker), finish "
                        f"with: {command}. If the config must change, the finished chunks "
                        f"cannot be reused: delete {exc.chunks_dir} and rerun "
                        f"without --resume")
            raise typer.Exit(1) from None
        progress.stop()
        if not quiet:
            report(result.summary, result.run_dir)
            _note_a_missing_kernel()
            if result.replaced:
                from lossexp.cli.console import replaced_note

                replaced_note(result.run_dir)
