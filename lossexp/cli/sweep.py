"""lossexp sweep: train many initialisations at once and map how long each takes."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from lossexp.cli._app import (ConfigArg, DataDirOpt, DebugOpt, OutputsOpt,
                              PlotsOpt, QuietOpt, SetOpt, app, chosen, data_dirs, guarded,
                              ignore_ctrl_c, interrupted, print_error)
from lossexp.cli.report import ReportOpt, share


class Executor(str, Enum):
    local = "local"
    threads = "threads"
    processes = "processes"
    dask = "dask"


def resume_command(config: Path, *, sets: list[str], outputs: Path,
                   executor: Executor | None, scheduler: str | None, workers: int | None,
                   chunk_size: int | None, plots: bool | None, rows: bool | None,
                   quiet: bool, debug: bool, report: bool = False,
                   connect_timeout: float | None = None) -> str:
    """The command as it was given, plus --resume: it finishes an interrupted sweep."""
    from lossexp.config import shipped
    from lossexp.output.text import shell_command

    args = ["lossexp", "sweep", shipped.name_of(config) or config]  # as typed: a bare name
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
             "--no-rows": rows is False, "--report": report, "--quiet": quiet, "--debug": debug}
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


def saying_what_resumes(start):
    """``start`` (run_sweep's on_start), after a note of what --resume found to reuse."""
    def on_start(plan, done: frozenset[int]) -> None:
        from lossexp.cli.console import note

        note(f"resuming: {len(done)} of {plan.total_chunks} chunks were finished earlier"
             if done else "nothing to resume (no finished chunk was kept): the whole sweep "
                          "runs")
        start(plan, done)
    return on_start


def report_mlp(summary: dict, run_dir: Path) -> None:
    """An MLP sweep: per series, plateaus, the milestone's percentiles, stuck; the sentences."""
    from rich.table import Table

    from lossexp.cli.console import out
    from lossexp.output.text import cell
    from lossexp.sweep.mlp_summary import percent_text

    first = summary["series"][0]
    out.print(f"{summary['name']}: {first['networks']} seeds x {len(summary['series'])} "
              f"series, {summary['epochs']} epochs, milestone {summary['milestone']}",
              markup=False)
    table = Table(title_justify="left")
    for column in ("series", "plateaued", f"> {summary['longer_than']} epochs", "median",
                   "p90", "never reached", "stuck", "diverged"):
        table.add_column(column, justify="left" if column == "series" else "right")
    for row in summary["series"]:
        ett = row["epochs_to_milestone"]
        table.add_row(row["series"], percent_text(row["plateaued_percent"]),
                      percent_text(row["plateau_longer_than_percent"]),
                      *(cell(ett[k], none="never") for k in ("median", "p90")),
                      str(row["never_reached"]), percent_text(row["stuck_percent"]),
                      str(row["diverged"]))
    out.print(table)
    for text in summary["sentences"]:
        out.print(text, markup=False, soft_wrap=True)
    out.print(f"(a seed that never left its plateau counts as longer; percentiles in "
              f"summary.json; written to {run_dir})", markup=False)


def report(summary: dict, run_dir: Path) -> None:
    """The notes' sentence per series, filled in, and the percentiles behind it."""
    from rich.table import Table

    if summary.get("kind") == "mlp":
        report_mlp(summary, run_dir)
        return

    from lossexp.cli.console import out
    from lossexp.output.text import cell
    from lossexp.sweep.summary import LEGEND

    first = summary["series"][0]
    out.print(f"{summary['name']}: {first['starts']} starts x {len(summary['series'])} series, "
              f"{summary['epochs']} epochs, target |a - y| < {summary['tolerance']:g}",
              markup=False)
    table = Table(title_justify="left")
    for column in ("series", "on target at start", "median", "p90", "p99", "max",
                   "never reached", "diverged"):
        table.add_column(column, justify="left" if column == "series" else "right")
    for row in summary["series"]:
        ett = row["epochs_to_target"]
        cells = [ett[k] for k in ("median", "p90", "p99", "max")]
        none = "never" if row["had_to_learn"] else "-"  # no starts had to learn: no percentiles
        table.add_row(row["series"], str(row["on_target_at_start"]),
                      *(cell(v, none=none) for v in cells),
                      str(row["never_reached"]), str(row["diverged"]))
    out.print(table)
    for row in summary["series"]:
        out.print(f"{row['series']}: {row['sentence']}", markup=False)
    out.print(f"({LEGEND} of the starts that had to learn, not those on target at epoch 0; "
              f"percentiles in summary.json; written to {run_dir})", markup=False)


@app.command()
def sweep(config: ConfigArg, set_: SetOpt = None, outputs: OutputsOpt = Path("outputs"),
          executor: Annotated[Optional[Executor], typer.Option(
              help="Where chunks run. local (the default): worker processes, one per core, "
                   "or threads where they do as well (--workers 1; up to 2 workers with "
                   "--no-rows on the compiled kernel, big chunks); threads or processes: "
                   "always those; dask: a Dask cluster.",
              show_default=False)] = None,
          scheduler: Annotated[Optional[str], typer.Option(
              metavar="ADDRESS", help="Dask scheduler to use, e.g. tcp://10.0.0.5:8786; "
                                      "without it, --executor dask starts a local cluster.")] = None,
          workers: Annotated[Optional[int], typer.Option(
              min=1, metavar="N",
              help="Worker threads or processes (default: one per core).")] = None,
          chunk_size: Annotated[Optional[int], typer.Option(
              min=1, metavar="N",
              help="Starts trained together in one batch (default 16384 neurons; 65536 on "
                   "dask or, with --no-rows, on the compiled kernel; 128 networks of an MLP "
                   "sweep; the files do not depend on it).")] = None,
          connect_timeout: Annotated[Optional[float], typer.Option(
              min=0.1, metavar="SECONDS",
              help="How long to wait for the --scheduler to answer [default: Dask's "
                   "distributed.comm.timeouts.connect, 30 s].")] = None,
          resume: Annotated[bool, typer.Option(
              help="Finish an interrupted sweep: train only the chunks not yet done.")] = False,
          plots: PlotsOpt = None,
          rows: Annotated[Optional[bool], typer.Option(
              "--rows/--no-rows", show_default=False,
              help="Write sweep.csv (or sweep.parquet, as sweep.rows_format says), a row "
                   "per start, or not (only summary.json and the figures; much faster for "
                   "millions of starts) [default: as the config's sweep.rows says, true "
                   "unless set].")] = None,
          report_: ReportOpt = False,
          quiet: QuietOpt = False, debug: DebugOpt = False,
          data_dir: DataDirOpt = None) -> None:
    """Train every start of CONFIG's sweep: section (a (w, b) grid or random starts of a
    neuron, or seeds of an MLP) and save sweep.csv, summary.json and the figures under
    OUTPUTS/<name>/."""
    sets = list(set_ or ())
    command = resume_command(config, sets=sets, outputs=outputs, executor=executor,
                             scheduler=scheduler, workers=workers, chunk_size=chunk_size,
                             plots=plots, rows=rows, quiet=quiet, debug=debug, report=report_,
                             connect_timeout=connect_timeout)
    with guarded(debug):
        from lossexp.cli.progress import SweepProgress
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
                               on_start=saying_what_resumes(progress.start)
                               if resume and not quiet else progress.start,
                               on_chunk=progress.advance)
        except KeyboardInterrupt as exc:
            ignore_ctrl_c()
            progress.stop()
            print_error(interrupted_sweep(exc, cfg, outputs, command))
            raise typer.Exit(exit_status(exc)) from None
        except SweepIncomplete as exc:
            progress.stop()
            for failure in exc.failures:
                print_error(str(failure))
            if exc.kept:
                print_error(f"{exc}. If the cause was transient (memory, a lost worker), "
                            f"finish with: {command}. If the config must change, the "
                            f"finished chunks cannot be reused: delete {exc.chunks_dir} and "
                            f"rerun without --resume")
            else:
                print_error(f"{exc}. Once the cause is mended, run the same command again")
            raise typer.Exit(1) from None
        progress.stop()
        if not quiet:
            report(result.summary, result.run_dir)
            from lossexp.cli.console import note_missing_kernel

            note_missing_kernel()  # on stderr
            if result.replaced:
                from lossexp.cli.console import replaced_note

                replaced_note(result.run_dir, "sweep")
        share([result.run_dir], report=report_, quiet=quiet)
